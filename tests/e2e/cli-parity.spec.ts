// The command-line runner and the browser app give the same pixels and the same content keys for
// the same graph and image: the CLI's PNG output is compared byte for byte with `pixels(step)`.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import sharp from 'sharp';
import { readPng } from '../png-fixture';

const root = fileURLToPath(new URL('../..', import.meta.url));
const steps = [
  { id: 'bc', op: 'brightness-contrast', params: { brightness: 12, contrast: 25 } },
  { id: 'hsl', op: 'hue-saturation', params: { hue: 20, saturation: 30 } },
  { id: 'blur', op: 'gaussian-blur', params: { sigma: 3 } },
  { id: 'lv', op: 'levels', params: { gamma: 1.3 } },
];
const graph = (asset: string) => ({
  format: 'pipette-graph',
  version: 1,
  graph: {
    nodes: [{ id: 'img', op: 'image-source', params: { asset } }, ...steps],
    edges: steps.map((s, i) => ({ from: { node: i === 0 ? 'img' : steps[i - 1]!.id, port: 'image' }, to: { node: s.id, port: 'image' } })),
  },
});

let work: string;
let manifest: { input: string; keys: Record<string, string> }[];
test.beforeAll(async () => {
  execFileSync('npm', ['run', 'build:cli'], { cwd: root, stdio: 'pipe' });
  work = mkdtempSync(path.join(tmpdir(), 'pipette-parity-'));
  for (const f of ['coffee.png', 'rocket.jpg']) copyFileSync(path.join(root, 'public/samples', f), path.join(work, f));
  // A JPEG with 4:2:0 chroma (rocket.jpg is 4:4:4 with an ICC profile): upsampling must agree too.
  await sharp(path.join(root, 'public/samples/chelsea.png')).jpeg({ quality: 85, chromaSubsampling: '4:2:0' }).toFile(path.join(work, 'chelsea420.jpg'));
  writeFileSync(path.join(work, 'graph.json'), JSON.stringify(graph('')));
  execFileSync(process.execPath, [path.join(root, 'dist-cli/pipette.mjs'), 'run', 'graph.json', '--in', '.', '--out', 'out', '--workers', '2'], { cwd: work, stdio: 'pipe' });
  manifest = readFileSync(path.join(work, 'out/pipette-manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
});
test.afterAll(() => rmSync(work, { recursive: true, force: true }));

for (const [sample, output] of [['coffee.png', 'coffee.png'], ['rocket.jpg', 'rocket.png'], ['chelsea420.jpg', 'chelsea420.png']] as const) {
  test(`${sample}: the CLI writes exactly the pixels the app computes, under the same content key`, async ({ page }) => {
    await page.route('**/e2e/input/*', (route) => route.fulfill({ body: readFileSync(path.join(work, path.basename(new URL(route.request().url()).pathname))) }));
    await page.goto('/');
    await page.evaluate(() => window.pipette.ready);
    const app = await page.evaluate(
      async ({ sample, doc }) => {
        const asset = await window.pipette.loadImage(`/e2e/input/${sample}`);
        doc.graph.nodes[0]!.params = { asset };
        window.pipette.loadGraph(doc);
        await window.pipette.whenIdle();
        const px = await window.pipette.pixels('lv');
        return { width: px.width, height: px.height, data: [...px.data], key: window.pipette.steps().find((s) => s.id === 'lv')!.key };
      },
      { sample, doc: graph('') },
    );
    const cli = readPng(new Uint8Array(readFileSync(path.join(work, 'out', output))));
    expect([cli.width, cli.height]).toEqual([app.width, app.height]);
    let wrong = 0;
    for (let i = 0; i < cli.data.length; i++) if (cli.data[i] !== app.data[i]) wrong++;
    expect(wrong).toBe(0);
    expect(manifest.find((m) => m.input === sample)!.keys.lv).toBe(app.key);
  });
}
