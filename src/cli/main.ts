// `pipette run`: the same graph file over a folder of images, in Node, on worker threads. Each
// worker takes one image at a time through the engine and the same kernels as the browser app.
// The output folder mirrors the input's relative paths; pipette-manifest.jsonl there records each
// image (done or failed, with its content keys), which is what makes a rerun skip finished work.
// Shards split the inputs by the hash of their bytes, so N machines running --shard i/N cover
// every input exactly once.

import { existsSync, readFileSync, readdirSync, appendFileSync, mkdirSync, statSync, unlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DocumentError, parseGraphDocument } from '../engine/document';
import { SubgraphError, flatten, withSubgraphs } from '../engine/subgraph';
import { setParam, type Graph } from '../engine/graph';
import { hashBytes128, hashText128 } from '../engine/hash';
import { keyGraph } from '../engine/keys';
import { registry } from '../ops/registry';
import { parseArgs, USAGE, UsageError, type RunArgs } from './args';
import { EXTENSIONS } from './codecs';
import { parseHexColour } from '../workers/protocol';
import { tempName, type ImageResult } from './process-image';
import type { WorkerInit, WorkerJob, WorkerReply } from './worker';

export const MANIFEST = 'pipette-manifest.jsonl';
const INPUT_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'webp', 'avif', 'gif', 'tif', 'tiff']);

interface Input {
  readonly rel: string;
  readonly file: string;
  readonly hash: string;
}

interface Planned extends Input {
  readonly id: string;
  /** Output file per step, absolute. */
  readonly outputs: Record<string, string>;
}

export interface ManifestLine {
  readonly id: string;
  readonly input: string;
  readonly inputHash: string;
  readonly status: 'done' | 'failed';
  readonly outputs: Record<string, string>;
  readonly keys?: Record<string, string>;
  readonly width?: number;
  readonly height?: number;
  readonly ms?: number;
  readonly error?: string;
  readonly at: string;
}

class RunError extends Error {}

function fail(message: string): never {
  throw new RunError(message);
}

/** The graph, its image step and the steps to write, checked against each other. */
function loadPipeline(args: RunArgs): { graph: Graph; text: string; source: string; steps: string[] } {
  let text: string;
  try {
    text = readFileSync(args.graph, 'utf8');
  } catch (e) {
    fail(`Cannot read the graph file ${args.graph}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let graph: Graph;
  try {
    // Subgraph instances run as their inner steps (ids "instance/inner"); the instance's id names its first output.
    graph = flatten(parseGraphDocument(text, registry).graph, registry).graph;
  } catch (e) {
    fail(e instanceof DocumentError || e instanceof SubgraphError ? `${args.graph} is not a graph Pipette can open: ${e.message}` : String(e));
  }
  const sources = graph.nodes.filter((n) => n.op === 'image-source').map((n) => n.id);
  let source: string;
  if (args.source) {
    if (!sources.includes(args.source)) fail(`--source ${args.source}: the graph has no image step with that id (image steps: ${sources.join(', ') || 'none'})`);
    source = args.source;
  } else if (sources.length === 1) source = sources[0]!;
  else if (sources.length === 0) fail('The graph has no image step for the inputs to go into');
  else fail(`The graph has ${sources.length} image steps (${sources.join(', ')}); say which one takes the inputs with --source`);
  const hasImageOut = (id: string) => {
    const node = graph.nodes.find((n) => n.id === id);
    return !!node && !!withSubgraphs(registry, []).get(node.op)?.outputs.some((p) => p.type === 'image');
  };
  let steps: string[];
  if (args.steps.length > 0) {
    for (const s of args.steps) {
      if (!graph.nodes.some((n) => n.id === s)) fail(`--step ${s}: the graph has no step with that id (steps: ${graph.nodes.map((n) => n.id).join(', ')})`);
      if (!hasImageOut(s)) fail(`--step ${s}: that step gives no image to write`);
    }
    steps = [...args.steps];
  } else {
    const read = new Set(graph.edges.map((e) => e.from.node));
    steps = graph.nodes.filter((n) => !read.has(n.id) && hasImageOut(n.id) && (n.id !== source || graph.nodes.length === 1)).map((n) => n.id);
    if (steps.length === 0) fail('The graph has no step whose image is not used by another; say which to write with --step');
  }
  return { graph, text, source, steps };
}

/** Image files under `dir`, by relative path (forward slashes), skipping hidden ones and `skip`. */
function listInputs(dir: string, skip: string): string[] {
  const out: string[] = [];
  const walk = (abs: string, rel: string) => {
    for (const e of readdirSync(abs, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const a = path.join(abs, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (path.resolve(a) !== skip) walk(a, r);
      } else if (e.isFile() && INPUT_EXTENSIONS.has(path.extname(e.name).slice(1).toLowerCase())) out.push(r);
    }
  };
  walk(dir, '');
  return out.sort();
}

/** Output files: the input's path with the format's extension (and the step's id when several are written). */
function planOutputs(inputs: readonly Input[], out: string, steps: readonly string[], ext: string): Map<string, Record<string, string>> {
  const stem = (rel: string) => rel.slice(0, rel.length - path.extname(rel).length);
  const count = new Map<string, number>();
  for (const i of inputs) count.set(stem(i.rel), (count.get(stem(i.rel)) ?? 0) + 1);
  const plan = new Map<string, Record<string, string>>();
  for (const i of inputs) {
    // a.png and a.jpg side by side keep their extension, so neither overwrites the other
    const base = count.get(stem(i.rel))! > 1 ? i.rel : stem(i.rel);
    const outputs: Record<string, string> = {};
    // A step inside a subgraph ("instance/inner") names its file with "~" for the "/".
    for (const s of steps) outputs[s] = path.join(out, ...`${base}${steps.length > 1 ? `.${s.replaceAll('/', '~')}` : ''}.${ext}`.split('/'));
    plan.set(i.rel, outputs);
  }
  return plan;
}

function readManifest(file: string): Map<string, ManifestLine> {
  const done = new Map<string, ManifestLine>();
  if (!existsSync(file)) return done;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const m = JSON.parse(line) as ManifestLine;
      if (m.status === 'done') done.set(m.id, m);
      else done.delete(m.id);
    } catch {
      // a line cut short by a crash: that image is simply not done
    }
  }
  return done;
}

/** Temporary files left by a run that was killed: never results, always removable. */
function removeStaleTemps(dir: string): number {
  let n = 0;
  if (!existsSync(dir)) return 0;
  const walk = (abs: string) => {
    for (const e of readdirSync(abs, { withFileTypes: true })) {
      const a = path.join(abs, e.name);
      if (e.isDirectory()) walk(a);
      else if (e.name.endsWith('.pipette-tmp')) {
        unlinkSync(a);
        n++;
      }
    }
  };
  walk(dir);
  return n;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '—';
  if (s < 60) return `${Math.round(s)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export async function main(argv: readonly string[]): Promise<number> {
  let args: RunArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`pipette: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  try {
    return await run(args);
  } catch (e) {
    if (e instanceof RunError) {
      process.stderr.write(`pipette: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

async function run(args: RunArgs): Promise<number> {
  const t0 = performance.now();
  const pipeline = loadPipeline(args);
  const input = path.resolve(args.input);
  const out = path.resolve(args.output);
  if (!existsSync(input) || !statSync(input).isDirectory()) fail(`--in ${args.input} is not a folder`);
  mkdirSync(out, { recursive: true });
  const stale = removeStaleTemps(out);

  // The pipeline's identity: the written steps' keys with a placeholder image, and the file format.
  const probeGraph = setParam(pipeline.graph, registry, pipeline.source, 'asset', '0'.repeat(32));
  const probe = keyGraph(probeGraph, registry);
  // A step below a switch whose condition is measured on each image has a key only per image; the
  // pipeline is then identified by its steps and their wiring.
  const wiring = hashText128(JSON.stringify({ nodes: probeGraph.nodes.map((n) => [n.id, n.op, n.params, !!n.bypass]), edges: probeGraph.edges }));
  const stepKeys = pipeline.steps.map((s) => {
    const k = probe.steps.get(s);
    if (k && !k.ok && k.pending !== undefined) return `per-image:${wiring}`;
    if (!k?.ok) fail(`Step "${s}" cannot run: ${k && !k.ok ? k.message : 'unknown step'}`);
    return k.key;
  });
  const pipelineId = hashText128(JSON.stringify({ v: 1, stepKeys, format: args.format, quality: args.quality, background: args.background }));

  const rels = listInputs(input, out);
  const all: Input[] = [];
  for (const rel of rels) {
    const file = path.join(input, ...rel.split('/'));
    all.push({ rel, file, hash: hashBytes128(new Uint8Array(await readFile(file))) });
  }
  const mine = all.filter((i) => parseInt(i.hash.slice(0, 8), 16) % args.shard.count === args.shard.index);
  const plan = planOutputs(mine, out, pipeline.steps, EXTENSIONS[args.format]);
  const manifestFile = path.join(out, MANIFEST);
  const previous = readManifest(manifestFile);
  const jobs: Planned[] = [];
  let skipped = 0;
  for (const i of mine) {
    const id = hashText128(`${pipelineId}:${i.hash}`);
    const outputs = plan.get(i.rel)!;
    if (previous.has(id) && Object.values(outputs).every((f) => existsSync(f))) {
      skipped++;
      continue;
    }
    jobs.push({ ...i, id, outputs });
  }

  const threads = Math.min(args.workers, jobs.length);
  const json = args.json ?? !process.stdout.isTTY;
  const tty = !json && process.stderr.isTTY;
  const say = (line: string) => process.stderr.write(`${line}\n`);
  say(
    `pipette: ${all.length} image${all.length === 1 ? '' : 's'} in ${args.input}` +
      (args.shard.count > 1 ? `, ${mine.length} in shard ${args.shard.index + 1}/${args.shard.count}` : '') +
      (skipped ? `, ${skipped} already done` : '') +
      (stale ? `, ${stale} unfinished file${stale === 1 ? '' : 's'} of an earlier run removed` : '') +
      (jobs.length === 0 ? ': nothing to do' : ` → ${jobs.length} to process on ${threads} worker thread${threads === 1 ? '' : 's'}`),
  );

  let done = 0;
  let failed = 0;
  const startedAt = performance.now();
  let lastDraw = 0;
  const draw = (force = false) => {
    if (!tty) return;
    const now = performance.now();
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    const n = done + failed;
    const rate = n / ((now - startedAt) / 1000);
    const eta = rate > 0 ? (jobs.length - n) / rate : Infinity;
    const width = 24;
    const filled = jobs.length ? Math.round((n / jobs.length) * width) : width;
    process.stderr.write(
      `\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${n}/${jobs.length}${failed ? ` (${failed} failed)` : ''} · ${rate.toFixed(2)} img/s · ETA ${formatSeconds(eta)}   `,
    );
  };
  const record = (job: Planned, reply: WorkerReply) => {
    const relOut = (f: string) => path.relative(out, f).split(path.sep).join('/');
    const outputs = Object.fromEntries(Object.entries(job.outputs).map(([s, f]) => [s, relOut(f)]));
    const r: ImageResult | null = reply.type === 'done' ? reply.result : null;
    const line: ManifestLine = {
      id: job.id,
      input: job.rel,
      inputHash: job.hash,
      status: r ? 'done' : 'failed',
      outputs,
      ...(r ? { keys: r.keys, width: r.width, height: r.height, ms: Math.round(r.ms.decode + r.ms.run + r.ms.encode) } : {}),
      ...(reply.type === 'failed' ? { error: reply.error } : {}),
      at: new Date().toISOString(),
    };
    appendFileSync(manifestFile, `${JSON.stringify(line)}\n`);
    if (r) done++;
    else failed++;
    if (json) process.stdout.write(`${JSON.stringify({ ...line, done: done + failed, total: jobs.length })}\n`);
    else if (!r) {
      if (tty) process.stderr.write('\r\x1b[K');
      say(`pipette: ${job.rel} failed: ${line.error}`);
    }
    draw(true);
  };

  if (jobs.length > 0) {
    const interrupted = await runWorkers(args, pipeline, jobs, record, draw);
    if (tty) process.stderr.write('\n');
    if (interrupted) {
      say(`pipette: stopped. ${done} done, ${failed} failed, ${jobs.length - done - failed} not started or unfinished (no partial files left); run the same command again to go on.`);
      return 130;
    }
  }
  const secs = (performance.now() - t0) / 1000;
  const shown = path.relative(process.cwd(), manifestFile);
  say(`pipette: ${done} done, ${failed} failed, ${skipped} skipped in ${formatSeconds(secs)}; manifest: ${shown.startsWith('..') ? manifestFile : shown}`);
  return Math.min(125, failed);
}

/** Hands the jobs to worker threads one image at a time; resolves true when stopped by Ctrl-C. */
function runWorkers(
  args: RunArgs,
  pipeline: ReturnType<typeof loadPipeline>,
  jobs: readonly Planned[],
  record: (job: Planned, reply: WorkerReply) => void,
  tick: () => void,
): Promise<boolean> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker.mjs');
  const init: WorkerInit = {
    type: 'init',
    graphText: pipeline.text,
    pipeline: {
      source: pipeline.source,
      steps: pipeline.steps,
      format: args.format,
      quality: args.quality,
      background: parseHexColour(args.background)!, // checked by parseArgs
    },
    cache: args.cache ? path.resolve(args.cache) : null,
  };
  return new Promise<boolean>((resolve) => {
    let next = 0;
    let settled = 0;
    let stopping = false;
    const busy = new Map<Worker, Planned>();
    const workers = new Set<Worker>();
    const timer = setInterval(tick, 250);
    const finish = (interrupted: boolean) => {
      clearInterval(timer);
      process.off('SIGINT', onInterrupt);
      process.off('SIGTERM', onInterrupt);
      for (const w of workers) void w.terminate();
      resolve(interrupted);
    };
    const feed = (w: Worker) => {
      if (stopping) return;
      if (next >= jobs.length) {
        workers.delete(w);
        void w.terminate();
        if (settled === jobs.length) finish(false);
        return;
      }
      const job = jobs[next++]!;
      busy.set(w, job);
      const msg: WorkerJob = { type: 'job', id: next, file: job.file, outputs: job.outputs };
      w.postMessage(msg);
    };
    const spawn = () => {
      const w = new Worker(script);
      workers.add(w);
      w.postMessage(init);
      w.on('message', (reply: WorkerReply) => {
        const job = busy.get(w);
        if (!job || stopping) return;
        busy.delete(w);
        settled++;
        record(job, reply);
        feed(w);
      });
      w.on('error', (e) => {
        const job = busy.get(w);
        busy.delete(w);
        workers.delete(w);
        if (stopping) return;
        if (job) {
          for (const f of Object.values(job.outputs)) rmQuiet(tempName(f));
          settled++;
          record(job, { type: 'failed', id: 0, error: `The worker thread crashed (${e.message}); try this image alone, and if it crashes again, a smaller one` });
        }
        spawn();
      });
      feed(w);
    };
    const onInterrupt = () => {
      if (stopping) return;
      stopping = true;
      // Unfinished images leave nothing behind: their workers stop now, their temporary files go.
      for (const job of busy.values()) for (const f of Object.values(job.outputs)) rmQuiet(tempName(f));
      Promise.all([...workers].map((w) => w.terminate())).then(() => {
        for (const job of busy.values()) for (const f of Object.values(job.outputs)) rmQuiet(tempName(f));
        finish(true);
      });
    };
    process.on('SIGINT', onInterrupt);
    process.on('SIGTERM', onInterrupt);
    const n = Math.min(args.workers, jobs.length);
    for (let i = 0; i < n; i++) spawn();
  });
}

function rmQuiet(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // not there: nothing to remove
  }
}
