// The built command (`npm run build:cli` → dist-cli/pipette.mjs) over folders of generated images:
// outputs mirror the inputs, a rerun skips finished work, a killed or interrupted run resumes
// without partial files, shards cover every input once, bad images are reported and skipped.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildPng, readPng } from '../../png-fixture';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const bin = path.join(root, 'dist-cli/pipette.mjs');
let work: string;

beforeAll(() => {
  execFileSync('npm', ['run', 'build:cli'], { cwd: root, stdio: 'pipe' });
  work = mkdtempSync(path.join(tmpdir(), 'pipette-cli-'));
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function pipette(args: string[], opts: { onStdout?: (chunk: string, child: ReturnType<typeof spawn>) => void } = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: work });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      opts.onStdout?.(d.toString(), child);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A w×h image whose pixels depend on `seed`: every input different. */
function imageFile(w: number, h: number, seed: number): Uint8Array {
  return buildPng({ width: w, height: h, colorType: 2, bitDepth: 8, sample: (x, y) => [(x * 3 + seed * 40) & 255, (y * 5 + seed * 17) & 255, (x ^ y ^ seed) & 255] });
}

function graphFile(name: string, steps: { id: string; op: string; params?: Record<string, unknown> }[]): string {
  const nodes = [{ id: 'img', op: 'image-source', params: { asset: '' } }, ...steps.map((s) => ({ ...s, params: s.params ?? {} }))];
  const edges = nodes.slice(1).map((n, i) => ({ from: { node: nodes[i]!.id, port: 'image' }, to: { node: n.id, port: 'image' } }));
  const file = path.join(work, name);
  writeFileSync(file, JSON.stringify({ format: 'pipette-graph', version: 1, graph: { nodes, edges } }));
  return file;
}

function folder(name: string, files: Record<string, Uint8Array | string>): string {
  const dir = path.join(work, name);
  for (const [rel, data] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), data);
  }
  return dir;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

function manifest(out: string): { id: string; input: string; status: string; error?: string; keys?: Record<string, string> }[] {
  const file = path.join(out, 'pipette-manifest.jsonl');
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
}

describe('pipette run', () => {
  test('writes every step result under the same relative path, inverted exactly, and a rerun skips them all', async () => {
    const files: Record<string, Uint8Array> = { 'a.png': imageFile(40, 30, 1), 'sub/b.png': imageFile(20, 50, 2), 'sub/deeper/c.png': imageFile(33, 17, 3) };
    const input = folder('mirror-in', files);
    const out = path.join(work, 'mirror-out');
    const g = graphFile('invert.json', [{ id: 'inv', op: 'invert' }]);
    const first = await pipette(['run', g, '--in', input, '--out', out, '--workers', '2']);
    expect(first.code).toBe(0);
    expect(filesUnder(out)).toEqual(['a.png', 'pipette-manifest.jsonl', 'sub/b.png', 'sub/deeper/c.png']);
    for (const [rel, bytes] of Object.entries(files)) {
      const src = readPng(bytes);
      const got = readPng(new Uint8Array(readFileSync(path.join(out, rel))));
      expect([got.width, got.height]).toEqual([src.width, src.height]);
      let wrong = 0;
      for (let i = 0; i < src.data.length; i++) if (got.data[i] !== (i % 4 === 3 ? src.data[i] : 255 - src.data[i]!)) wrong++;
      expect(wrong).toBe(0);
    }
    // Not a terminal: one JSON line per image on stdout.
    expect(first.stdout.trim().split('\n').map((l) => JSON.parse(l).status)).toEqual(['done', 'done', 'done']);
    const again = await pipette(['run', g, '--in', input, '--out', out]);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/3 already done/);
    expect(again.stdout).toBe('');
    expect(manifest(out)).toHaveLength(3);
  }, 60_000);

  test('a graph with a subgraph runs its inner steps and writes the instance, which is the graph\'s end', async () => {
    const src = imageFile(24, 18, 6);
    const input = folder('sub-in', { 'a.png': src });
    const out = path.join(work, 'sub-out');
    const file = path.join(work, 'subgraph.json');
    // img → instance of (Invert → Invert → Invert): three inversions, one net inversion.
    const inner = ['i1', 'i2', 'i3'];
    writeFileSync(
      file,
      JSON.stringify({
        format: 'pipette-graph',
        version: 2,
        graph: {
          nodes: [
            { id: 'img', op: 'image-source', params: { asset: '' } },
            { id: 'group', op: 'subgraph:sg-1', params: {} },
          ],
          edges: [{ from: { node: 'img', port: 'image' }, to: { node: 'group', port: 'in' } }],
          definitions: [
            {
              id: 'sg-1',
              title: 'Three inversions',
              nodes: inner.map((id) => ({ id, op: 'invert', params: {} })),
              edges: [
                { from: { node: 'i1', port: 'image' }, to: { node: 'i2', port: 'image' } },
                { from: { node: 'i2', port: 'image' }, to: { node: 'i3', port: 'image' } },
              ],
              inputs: [{ name: 'in', type: 'image', targets: [{ node: 'i1', port: 'image' }] }],
              outputs: [{ name: 'out', type: 'image', from: { node: 'i3', port: 'image' } }],
              params: [],
            },
          ],
        },
      }),
    );
    const r = await pipette(['run', file, '--in', input, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(manifest(out)[0]?.status).toBe('done');
    const a = readPng(src);
    const got = readPng(new Uint8Array(readFileSync(path.join(out, 'a.png'))));
    let wrong = 0;
    for (let i = 0; i < a.data.length; i++) if (got.data[i] !== (i % 4 === 3 ? a.data[i] : 255 - a.data[i]!)) wrong++;
    expect(wrong).toBe(0);
  }, 60_000);

  test('a bad image is reported and skipped, the others are written, and the exit code counts the failures', async () => {
    const input = folder('bad-in', { 'good.png': imageFile(16, 16, 4), 'broken.png': imageFile(16, 16, 5).slice(0, 60), 'notes.jpg': 'not a picture at all' });
    const out = path.join(work, 'bad-out');
    const r = await pipette(['run', graphFile('invert2.json', [{ id: 'inv', op: 'invert' }]), '--in', input, '--out', out]);
    expect(r.code).toBe(2);
    const lines = manifest(out);
    expect(lines.find((l) => l.input === 'good.png')?.status).toBe('done');
    expect(lines.find((l) => l.input === 'broken.png')?.error).toMatch(/PNG file is damaged/);
    expect(lines.find((l) => l.input === 'notes.jpg')?.error).toMatch(/not an image Pipette can read|damaged/);
    expect(filesUnder(out)).toEqual(['good.png', 'pipette-manifest.jsonl']);
  }, 60_000);

  test('shards split the inputs by content: together they cover every input exactly once', async () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 12; i++) files[`img${i}.png`] = imageFile(8, 8, 10 + i);
    const input = folder('shard-in', files);
    const g = graphFile('invert3.json', [{ id: 'inv', op: 'invert' }]);
    const seen: string[] = [];
    for (const i of [1, 2, 3]) {
      const out = path.join(work, `shard-out-${i}`);
      const r = await pipette(['run', g, '--in', input, '--out', out, '--shard', `${i}/3`]);
      expect(r.code).toBe(0);
      seen.push(...manifest(out).map((l) => l.input));
    }
    expect(seen.sort()).toEqual(Object.keys(files).sort());
  }, 60_000);

  test('a run killed mid-way leaves no partial file, and the rerun does only what is left', async () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 10; i++) files[`p${String(i).padStart(2, '0')}.png`] = imageFile(900, 700, 30 + i);
    const input = folder('kill-in', files);
    const out = path.join(work, 'kill-out');
    const g = graphFile('blur.json', [{ id: 'blur', op: 'gaussian-blur', params: { sigma: 12 } }, { id: 'inv', op: 'invert' }]);
    // Killed (SIGKILL: no chance to clean up) as soon as the first image is reported.
    const first = await pipette(['run', g, '--in', input, '--out', out, '--workers', '1'], { onStdout: (_c, child) => child.kill('SIGKILL') });
    expect(first.code).toBe(null);
    const doneBefore = manifest(out).filter((l) => l.status === 'done').length;
    expect(doneBefore).toBeGreaterThanOrEqual(1);
    expect(doneBefore).toBeLessThan(10);
    // Every file with a final name is whole: it reads back as a complete PNG.
    for (const f of filesUnder(out).filter((f) => f.endsWith('.png'))) expect(readPng(new Uint8Array(readFileSync(path.join(out, f)))).width).toBe(900);
    const second = await pipette(['run', g, '--in', input, '--out', out, '--workers', '2']);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain(`${doneBefore} already done`);
    expect(second.stdout.trim().split('\n')).toHaveLength(10 - doneBefore);
    expect(filesUnder(out)).toEqual([...Object.keys(files), 'pipette-manifest.jsonl'].sort());
    expect(new Set(manifest(out).map((l) => l.id)).size).toBe(10);
  }, 120_000);

  test('Ctrl-C stops cleanly: exit 130, no partial files, and the same command finishes the job', async () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 8; i++) files[`q${i}.png`] = imageFile(900, 700, 60 + i);
    const input = folder('int-in', files);
    const out = path.join(work, 'int-out');
    const g = graphFile('blur2.json', [{ id: 'blur', op: 'gaussian-blur', params: { sigma: 12 } }]);
    let sent = false;
    const first = await pipette(['run', g, '--in', input, '--out', out, '--workers', '2'], {
      onStdout: (_c, child) => {
        if (!sent) child.kill('SIGINT');
        sent = true;
      },
    });
    expect(first.code).toBe(130);
    expect(first.stderr).toMatch(/stopped\. \d+ done/);
    expect(filesUnder(out).some((f) => f.includes('pipette-tmp'))).toBe(false);
    const second = await pipette(['run', g, '--in', input, '--out', out]);
    expect(second.code).toBe(0);
    expect(filesUnder(out)).toEqual([...Object.keys(files), 'pipette-manifest.jsonl'].sort());
  }, 120_000);

  test('several steps, JPEG output and a result cache shared between runs', async () => {
    const input = folder('multi-in', { 'm.png': imageFile(64, 48, 90) });
    const out = path.join(work, 'multi-out');
    const cache = path.join(work, 'multi-cache');
    const g = graphFile('multi.json', [{ id: 'gray', op: 'grayscale' }, { id: 'inv', op: 'invert' }]);
    const r = await pipette(['run', g, '--in', input, '--out', out, '--step', 'gray,inv', '--format', 'jpeg', '--quality', '80', '--cache', cache]);
    expect(r.code).toBe(0);
    expect(filesUnder(out)).toEqual(['m.gray.jpg', 'm.inv.jpg', 'pipette-manifest.jsonl']);
    expect([...readFileSync(path.join(out, 'm.inv.jpg')).subarray(0, 2)]).toEqual([0xff, 0xd8]);
    const keys = manifest(out)[0]!.keys!;
    // The cache holds every step's result by its content key.
    expect(filesUnder(cache).some((f) => f.endsWith(`${keys.inv}.json`))).toBe(true);
    expect(filesUnder(cache).some((f) => f.endsWith(`${keys.gray}.image.rgba`))).toBe(true);
  }, 60_000);

  test('a switch on each image\'s brightness writes the side it picks for that image', async () => {
    const flat = (v: number) => buildPng({ width: 8, height: 6, colorType: 2, bitDepth: 8, sample: () => [v, v, v] });
    const input = folder('switch-in', { 'bright.png': flat(220), 'dark.png': flat(30) });
    const out = path.join(work, 'switch-out');
    const nodes = [
      { id: 'img', op: 'image-source', params: { asset: '' } },
      { id: 'stats', op: 'statistics', params: {} },
      { id: 'inv', op: 'invert', params: {} },
      { id: 'post', op: 'posterize', params: { levels: 2 } },
      { id: 'sw', op: 'switch', params: { threshold: 128 } },
    ];
    const e = (a: string, ap: string, b: string, bp: string) => ({ from: { node: a, port: ap }, to: { node: b, port: bp } });
    const edges = [e('img', 'image', 'stats', 'image'), e('img', 'image', 'inv', 'image'), e('img', 'image', 'post', 'image'), e('inv', 'image', 'sw', 'a'), e('post', 'image', 'sw', 'b'), e('stats', 'mean', 'sw', 'condition')];
    const g = path.join(work, 'switch.json');
    writeFileSync(g, JSON.stringify({ format: 'pipette-graph', version: 1, graph: { nodes, edges } }));
    const r = await pipette(['run', g, '--in', input, '--out', out, '--step', 'sw']);
    expect(r.code, r.stderr).toBe(0);
    expect(readPng(new Uint8Array(readFileSync(path.join(out, 'bright.png')))).data[0]).toBe(255 - 220); // A: inverted
    expect(readPng(new Uint8Array(readFileSync(path.join(out, 'dark.png')))).data[0]).toBe(0); // B: posterized to 2 levels
    const again = await pipette(['run', g, '--in', input, '--out', out, '--step', 'sw']);
    expect(again.stderr).toMatch(/2 already done/);
    // Writing a branch the switch leaves out for one image: that image fails saying why, the other is written.
    const branch = path.join(work, 'switch-branch');
    const b = await pipette(['run', g, '--in', input, '--out', branch, '--step', 'post']);
    expect(b.code).toBe(1);
    expect(manifest(branch).find((l) => l.input === 'bright.png')?.error).toBe('Posterize: Not run: it only feeds a Switch input that was not picked');
    expect(filesUnder(branch)).toContain('dark.png');
    expect(filesUnder(branch)).not.toContain('bright.png');
  }, 60_000);

  test('mistakes in the command or the graph are explained, with exit code 2', async () => {
    const r1 = await pipette(['run', 'nope.json', '--in', work, '--out', path.join(work, 'x')]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/Cannot read the graph file nope\.json/);
    const r2 = await pipette(['run', graphFile('g5.json', [{ id: 'inv', op: 'invert' }]), '--in', work, '--out', path.join(work, 'y'), '--step', 'zzz']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/--step zzz: the graph has no step with that id/);
    const r3 = await pipette(['frobnicate']);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toMatch(/Unknown command "frobnicate"[\s\S]*Usage: pipette run/);
  }, 60_000);
});
