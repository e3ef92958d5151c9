// The worker pool in a real Chromium: concurrency, priority, cancellation that really stops a
// kernel, timeouts, crashes, decode/encode and thumbnails. Behaviour only: no timing is asserted.

import { afterEach, describe, expect, test } from 'vitest';
import type { PoolEvent, WorkerPool } from '../../src/workers/pool';
import { errorOf, fixtureWorker, poolMaker, run } from './fixtures/pools';
import type { ImageResult } from '../../src/workers/protocol';
import { resolveParams } from '../../src/engine/params';
import type { OpDecl, Params } from '../../src/engine/op';
import { PRIORITY, StepTimeoutError, isAbort, isTimeout, type StepTask } from '../../src/engine/types';
import { createImage } from '../../src/ops/image';
import { decodePng } from '../../src/workers/png';
import type { Image, Value } from '../../src/ops/types';
import invert from '../../src/ops/invert/kernel';
import imageSource from '../../src/ops/image-source/kernel';
import { opDef } from '../../src/ops/kernels';
import { crashOp, plainImageOp, sleepOp, spinOp, stubbornOp } from './fixtures/test-ops';

const makePool = poolMaker({ size: 1, createWorker: fixtureWorker });

let keySeq = 0;
function task(op: OpDecl, params: Params = {}, extra: { node?: string; priority?: number; inputs?: Record<string, Value> } = {}): StepTask<Value> {
  return {
    nodeId: extra.node ?? op.id,
    op,
    params: resolveParams(op, params),
    key: `key-${++keySeq}`,
    inputs: extra.inputs ?? {},
    // An interactive step unless said otherwise (batch steps on large images run in yielding bands).
    priority: extra.priority ?? PRIORITY.interactive,
  };
}

/** Which worker ran a fixture op. */
async function workerOf(p: Promise<Readonly<Record<string, Value>>>): Promise<number> {
  return (await p).worker as number;
}

function firstProgress(): { progress: (f: number) => void; reported: Promise<void> } {
  let done!: () => void;
  const reported = new Promise<void>((r) => (done = r));
  return { progress: () => done(), reported };
}

function waitFor(events: PoolEvent[], pred: (e: PoolEvent) => boolean): Promise<PoolEvent> {
  return new Promise((resolve) => {
    const check = () => {
      const e = events.find(pred);
      if (e) resolve(e);
      else setTimeout(check, 5);
    };
    check();
  });
}

function testImage(width: number, height: number, seed = 1, opaque = false): Image {
  const img = createImage(width, height);
  const u32 = new Uint32Array(img.data.buffer, 0, width * height);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < u32.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    u32[i] = opaque ? (x | 0xff000000) >>> 0 : x >>> 0;
  }
  return img;
}

function sameBytes(a: Uint8ClampedArray, b: Uint8ClampedArray): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

async function sample(name: string): Promise<Blob> {
  const res = await fetch(`/samples/${name}`);
  if (!res.ok) throw new Error(`sample ${name}: HTTP ${res.status}`);
  return res.blob();
}

describe('running steps', () => {
  test('two tasks on a two-worker pool run at the same time', async () => {
    const { pool, events } = makePool({ size: 2 });
    // The long task is still running when the short one finishes: they overlapped.
    const ac = new AbortController();
    const long = errorOf(run(pool, task(sleepOp, { ms: 60_000 }, { node: 'long' }), { signal: ac.signal }));
    await waitFor(events, (e) => e.type === 'task-start' && e.node === 'long');
    const short = await workerOf(run(pool, task(sleepOp, { ms: 0 }, { node: 'short' })));
    expect(pool.activity.busy).toBe(1);
    expect(events.some((e) => e.type === 'task-end' && e.node === 'long')).toBe(false);
    ac.abort(new DOMException('Stop', 'AbortError'));
    expect(isAbort(await long)).toBe(true);
    expect(short).toBeGreaterThan(0);
    const lanes = events.flatMap((e) => (e.type === 'task-start' ? [e.lane] : []));
    expect(new Set(lanes)).toEqual(new Set([0, 1]));
  });

  test('when every worker is busy, waiting tasks start by priority, first come first served within one', async () => {
    const { pool, events } = makePool({ size: 1 });
    const all = [
      run(pool, task(sleepOp, { ms: 150 }, { node: 'blocker' })),
      run(pool, task(sleepOp, { ms: 0 }, { node: 'low', priority: 0 })),
      run(pool, task(sleepOp, { ms: 0 }, { node: 'high-1', priority: 5 })),
      run(pool, task(sleepOp, { ms: 0 }, { node: 'mid', priority: 1 })),
      run(pool, task(sleepOp, { ms: 0 }, { node: 'high-2', priority: 5 })),
    ];
    expect(pool.activity.queued).toBe(4);
    await Promise.all(all);
    const order = events.flatMap((e) => (e.type === 'task-start' ? [e.node] : []));
    expect(order).toEqual(['blocker', 'high-1', 'high-2', 'mid', 'low']);
  });

  test('while batch work holds the only worker, an edit runs at once on the reserve worker; batch work never takes it', async () => {
    const { pool, events } = makePool({ size: 1 });
    const started = (node: string) => events.some((e) => e.type === 'task-start' && e.node === node);
    const ended = (node: string) => events.some((e) => e.type === 'task-end' && e.node === node);
    // A batch task that runs until it is stopped: the edit cannot have waited for its end.
    const ac = new AbortController();
    const batch = errorOf(run(pool, task(sleepOp, { ms: 60_000 }, { node: 'batch-a', priority: PRIORITY.batch }), { signal: ac.signal }));
    const batchNext = run(pool, task(sleepOp, { ms: 0 }, { node: 'batch-b', priority: PRIORITY.batch }));
    await expect.poll(() => started('batch-a'), { timeout: 15_000 }).toBe(true);
    const edit = run(pool, task(sleepOp, { ms: 300 }, { node: 'edit', priority: PRIORITY.proxy }));
    await expect.poll(() => started('edit'), { timeout: 15_000 }).toBe(true);
    // While it runs, the reserve worker is shown beside the pool's one.
    expect(pool.activity).toMatchObject({ size: 2, busy: 2 });
    await edit;
    // The edit finished while the batch task still held the first worker, on the other one.
    expect(ended('batch-a')).toBe(false);
    expect(started('batch-b')).toBe(false);
    const lane = (node: string) => events.find((e) => e.type === 'task-start' && e.node === node)?.lane;
    expect(lane('edit')).toBe(1);
    // Idle, the reserve is not counted: the pool has one worker.
    expect(pool.activity.size).toBe(1);
    ac.abort(new DOMException('Stop', 'AbortError'));
    expect(isAbort(await batch)).toBe(true);
    await batchNext;
    expect(lane('batch-b')).toBe(0);
  });

  test('batch work does not start while the reserve worker runs an edit, even on a free worker', async () => {
    const { pool, events } = makePool({ size: 1 });
    const at = (type: string, node: string) => events.findIndex((e) => e.type === type && 'node' in e && e.node === node);
    const ac = new AbortController();
    const first = errorOf(run(pool, task(sleepOp, { ms: 60_000 }, { node: 'batch-a', priority: PRIORITY.batch }), { signal: ac.signal }));
    const next = run(pool, task(sleepOp, { ms: 0 }, { node: 'batch-b', priority: PRIORITY.batch }));
    await expect.poll(() => at('task-start', 'batch-a') >= 0, { timeout: 15_000 }).toBe(true);
    const edit = run(pool, task(sleepOp, { ms: 1500 }, { node: 'edit', priority: PRIORITY.proxy }));
    await expect.poll(() => at('task-start', 'edit') >= 0, { timeout: 15_000 }).toBe(true);
    // The first worker comes free while the edit runs: the next batch task still waits for the edit.
    ac.abort(new DOMException('Stop', 'AbortError'));
    expect(isAbort(await first)).toBe(true);
    await Promise.all([edit, next]);
    expect(at('task-start', 'batch-b')).toBeGreaterThan(at('task-end', 'edit'));
  });

  test('without batch work there is no reserve worker: an edit waits for the busy one', async () => {
    const { pool, events } = makePool({ size: 1 });
    const blocker = run(pool, task(sleepOp, { ms: 300 }, { node: 'blocker', priority: PRIORITY.interactive }));
    const edit = run(pool, task(sleepOp, { ms: 0 }, { node: 'edit', priority: PRIORITY.proxy }));
    await Promise.all([blocker, edit]);
    const order = events.flatMap((e) => (e.type === 'task-start' || e.type === 'task-end' ? [`${e.type}:${e.node}`] : []));
    expect(order.indexOf('task-end:blocker')).toBeLessThan(order.indexOf('task-start:edit'));
    expect(new Set(events.flatMap((e) => (e.type === 'task-start' ? [e.lane] : [])))).toEqual(new Set([0]));
    expect(pool.activity.size).toBe(1);
  });

  test('a waiting task moves ahead when its step is re-prioritised by key', async () => {
    const { pool, events } = makePool({ size: 1 });
    const all = [
      run(pool, task(sleepOp, { ms: 150 }, { node: 'blocker' })),
      run(pool, task(sleepOp, { ms: 0 }, { node: 'first', priority: 1 })),
      run(pool, { ...task(sleepOp, { ms: 0 }, { node: 'refocused', priority: 1 }), key: 'refocused-key' }),
    ];
    pool.setPriority('refocused-key', 3);
    await Promise.all(all);
    const order = events.flatMap((e) => (e.type === 'task-start' ? [e.node] : []));
    expect(order).toEqual(['blocker', 'refocused', 'first']);
  });

  test('a task says it started when a worker takes it, not while it waits', async () => {
    const { pool, events } = makePool({ size: 1 });
    const blocker = run(pool, task(sleepOp, { ms: 150 }, { node: 'blocker' }));
    let blockerEndedFirst: boolean | undefined;
    const waiting = run(pool, task(sleepOp, { ms: 0 }, { node: 'waiting' }), {
      started: () => (blockerEndedFirst = events.some((e) => e.type === 'task-end' && e.node === 'blocker')),
    });
    expect(blockerEndedFirst).toBeUndefined();
    await Promise.all([blocker, waiting]);
    expect(blockerEndedFirst).toBe(true);
  });

  test('progress is reported while a kernel runs, at most about ten times a second', async () => {
    const { pool } = makePool();
    const reports: number[] = [];
    const t0 = performance.now();
    await run(pool, task(spinOp, { ms: 400 }), { progress: (f) => reports.push(f) });
    const elapsed = performance.now() - t0;
    expect(reports.length).toBeGreaterThan(0);
    expect(reports.length).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 1);
    expect(reports.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= reports[i - 1]!))).toBe(true);
  });

  test('the activity snapshot shows busy and idle workers and queued tasks', async () => {
    const { pool } = makePool({ size: 2 });
    expect(pool.activity).toMatchObject({ size: 2, workers: 0, busy: 0, queued: 0 });
    const first = firstProgress();
    const running = run(pool, task(spinOp, { ms: 200 }), { progress: first.progress });
    await first.reported;
    expect(pool.activity).toMatchObject({ workers: 1, busy: 1, idle: 0 });
    expect(pool.activity.lanes[0]).toMatchObject({ state: 'busy', task: { op: 'test-spin', label: 'Spin' } });
    await running;
    expect(pool.activity).toMatchObject({ workers: 1, busy: 0, idle: 1, queued: 0 });
  });

  test('idle workers are terminated after the idle time and started again on demand', async () => {
    const { pool, events } = makePool({ idleTimeoutMs: 30 });
    await run(pool, task(sleepOp, { ms: 0 }));
    await waitFor(events, (e) => e.type === 'worker-exit' && e.reason === 'idle');
    expect(pool.activity.workers).toBe(0);
    await run(pool, task(sleepOp, { ms: 0 }));
    expect(pool.stats.spawned).toBe(2);
  });

  test('a pool grown at run time runs more tasks at once, and a shrunk one lets busy workers finish', async () => {
    const { pool } = makePool({ size: 1 });
    pool.resize(2);
    const a = run(pool, task(sleepOp, { ms: 150 }, { node: 'a' }));
    const b = run(pool, task(sleepOp, { ms: 150 }, { node: 'b' }));
    await new Promise((r) => setTimeout(r, 20));
    expect(pool.activity.queued).toBe(0);
    pool.resize(1);
    await expect(Promise.all([a, b])).resolves.toHaveLength(2);
    expect(pool.activity).toMatchObject({ size: 1, workers: 1 });
    await run(pool, task(sleepOp, { ms: 0 }));
  });

  test('dispose rejects queued and running tasks and refuses new ones', async () => {
    const { pool } = makePool();
    const running = errorOf(run(pool, task(sleepOp, { ms: 5000 })));
    const queued = errorOf(run(pool, task(sleepOp, { ms: 0 })));
    pool.dispose();
    expect((await running).message).toMatch(/shut down/);
    expect((await queued).message).toMatch(/shut down/);
    expect((await errorOf(run(pool, task(sleepOp, { ms: 0 })))).message).toMatch(/shut down/);
  });
});

describe('cancellation', () => {
  test('a queued task that is cancelled never runs', async () => {
    const { pool, events } = makePool();
    const blocker = run(pool, task(sleepOp, { ms: 150 }, { node: 'blocker' }));
    const ac = new AbortController();
    const queued = errorOf(run(pool, task(sleepOp, { ms: 0 }, { node: 'queued' }), { signal: ac.signal }));
    ac.abort(new DOMException('Stop', 'AbortError'));
    expect(isAbort(await queued)).toBe(true);
    expect(pool.activity.queued).toBe(0);
    await blocker;
    expect(events.some((e) => e.type === 'task-start' && e.node === 'queued')).toBe(false);
  });

  test('cancelling a running cooperative kernel stops it and its worker takes the next task', async () => {
    // A generous grace period: the worker is kept only if the kernel really stopped by itself.
    const { pool } = makePool({ graceMs: 5000 });
    const before = await workerOf(run(pool, task(sleepOp, { ms: 0 })));
    const ac = new AbortController();
    const first = firstProgress();
    const spinning = errorOf(run(pool, task(spinOp, { ms: 60_000 }), { signal: ac.signal, progress: first.progress }));
    await first.reported;
    ac.abort(new DOMException('Stop', 'AbortError'));
    expect(isAbort(await spinning)).toBe(true);
    const after = await workerOf(run(pool, task(sleepOp, { ms: 0 })));
    expect(after).toBe(before);
    expect(pool.stats).toMatchObject({ spawned: 1, terminated: 0, cancelled: 1 });
  });

  test('cancelling a sleeping kernel wakes it through its signal and keeps the worker', async () => {
    const { pool } = makePool({ graceMs: 5000 });
    const before = await workerOf(run(pool, task(sleepOp, { ms: 0 })));
    const ac = new AbortController();
    const sleeping = errorOf(run(pool, task(sleepOp, { ms: 60_000 }), { signal: ac.signal }));
    await new Promise((r) => setTimeout(r, 50));
    ac.abort(new DOMException('Stop', 'AbortError'));
    expect(isAbort(await sleeping)).toBe(true);
    expect(await workerOf(run(pool, task(sleepOp, { ms: 0 })))).toBe(before);
  });

  test('cancelling a kernel that ignores its signal replaces its worker and the pool is usable at once', async () => {
    const { pool, events } = makePool({ graceMs: 100 });
    const before = await workerOf(run(pool, task(sleepOp, { ms: 0 })));
    const ac = new AbortController();
    const first = firstProgress();
    const stuck = errorOf(run(pool, task(stubbornOp, { ms: 60_000 }), { signal: ac.signal, progress: first.progress }));
    await first.reported;
    ac.abort(new DOMException('Stop', 'AbortError'));
    expect(isAbort(await stuck)).toBe(true);
    const after = await workerOf(run(pool, task(sleepOp, { ms: 0 })));
    expect(after).not.toBe(before);
    expect(events.some((e) => e.type === 'worker-exit' && e.reason === 'unresponsive')).toBe(true);
    expect(pool.activity).toMatchObject({ workers: 1, idle: 1, stopping: 0 });
  });

  test('without the shared flag, a cancelled synchronous kernel is stopped by replacing its worker', async () => {
    const { pool } = makePool({ graceMs: 100, sharedCancellation: false });
    const before = await workerOf(run(pool, task(sleepOp, { ms: 0 })));
    const ac = new AbortController();
    const first = firstProgress();
    const spinning = errorOf(run(pool, task(spinOp, { ms: 60_000 }), { signal: ac.signal, progress: first.progress }));
    await first.reported;
    ac.abort(new DOMException('Stop', 'AbortError'));
    expect(isAbort(await spinning)).toBe(true);
    expect(await workerOf(run(pool, task(sleepOp, { ms: 0 })))).not.toBe(before);
    expect(pool.stats.terminated).toBe(1);
  });

  test('a task that runs past its time limit is stopped and rejected as timed out', async () => {
    // The limit is the engine's (one timeout layer): it counts from the task's start and aborts
    // the task's signal with a StepTimeoutError, as the scheduler does.
    const { pool } = makePool({ graceMs: 5000 });
    await run(pool, task(sleepOp, { ms: 0 }));
    const ac = new AbortController();
    const limit = () => setTimeout(() => ac.abort(new StepTimeoutError(200)), 200);
    const e = await errorOf(run(pool, task(spinOp, { ms: 60_000 }), { signal: ac.signal, started: limit }));
    expect(isTimeout(e)).toBe(true);
    expect(e.message).toMatch(/time limit/);
    await run(pool, task(sleepOp, { ms: 0 }));
    expect(pool.stats).toMatchObject({ timedOut: 1, spawned: 1 });
  });

  test('an already aborted signal rejects at once without using a worker', async () => {
    const { pool } = makePool();
    const e = await errorOf(run(pool, task(sleepOp, { ms: 0 }), { signal: AbortSignal.abort(new DOMException('x', 'AbortError')) }));
    expect(isAbort(e)).toBe(true);
    expect(pool.stats.spawned).toBe(0);
  });
});

describe('crashes', () => {
  test('a worker that crashes is replaced, its task fails with a clear message and the next task succeeds', async () => {
    const { pool, events } = makePool();
    const e = await errorOf(run(pool, task(crashOp, { how: 'throw' })));
    expect(e.message).toMatch(/^The worker running Crash crashed \(.*Simulated crash.*\)/);
    expect(events.some((ev) => ev.type === 'task-end' && ev.outcome === 'crashed')).toBe(true);
    await run(pool, task(sleepOp, { ms: 0 }));
    expect(pool.stats).toMatchObject({ crashed: 1, spawned: 2 });
  });

  test('a worker that closes itself without an error event is noticed and replaced', async () => {
    const { pool } = makePool();
    const e = await errorOf(run(pool, task(crashOp, { how: 'close' })));
    expect(e.message).toMatch(/^The worker running Crash crashed \(it stopped unexpectedly\)/);
    await run(pool, task(sleepOp, { ms: 0 }));
    expect(pool.stats.crashed).toBe(1);
  });

  test('a worker script that cannot load fails its task with a clear message', async () => {
    const { pool } = makePool({ createWorker: () => new Worker(new URL('./fixtures/missing.worker.js', import.meta.url), { type: 'module' }) });
    const e = await errorOf(run(pool, task(sleepOp, { ms: 0 })));
    expect(e.message).toMatch(/^The step worker could not start/);
  });
});

describe('images', () => {
  test('thumbnails keep the aspect ratio with the long side at most 256 px', async () => {
    const { pool } = makePool();
    const wide = (await run(pool, task(invert, {}, { inputs: { image: testImage(1000, 300) } }))).image as ImageResult;
    expect([wide.thumbnail?.width, wide.thumbnail?.height]).toEqual([256, 77]);
    const tall = (await run(pool, task(invert, {}, { inputs: { image: testImage(120, 2000) } }))).image as ImageResult;
    expect([tall.thumbnail?.width, tall.thumbnail?.height]).toEqual([15, 256]);
    const small = (await run(pool, task(invert, {}, { inputs: { image: testImage(100, 50) } }))).image as ImageResult;
    expect([small.thumbnail?.width, small.thumbnail?.height]).toEqual([100, 50]);
    expect(small.thumbnail).toBeInstanceOf(ImageBitmap);
  });

  test('each thumbnail shows its own result, whatever size the worker drew before (it reuses one canvas)', async () => {
    const { pool } = makePool();
    const pixels = (b: ImageBitmap) => {
      const c = new OffscreenCanvas(b.width, b.height).getContext('2d')!;
      c.drawImage(b, 0, 0);
      return c.getImageData(0, 0, b.width, b.height).data;
    };
    for (const [w, h, seed] of [[64, 32, 1], [64, 32, 2], [30, 60, 3], [64, 32, 4]] as const) {
      const input = testImage(w, h, seed, true);
      const out = (await run(pool, task(invert, {}, { inputs: { image: input } }))).image as ImageResult;
      // Under 256 px the thumbnail is the image itself.
      expect([out.thumbnail?.width, out.thumbnail?.height]).toEqual([w, h]);
      expect(sameBytes(pixels(out.thumbnail!), new Uint8ClampedArray(out.data))).toBe(true);
    }
  });

  test('a shown full-resolution result comes with its display bitmap; results not shown, and proxies, do not', async () => {
    const { pool } = makePool({ createWorker: undefined }); // the app's own worker (flip, below)
    const shown = (await run(pool, { ...task(invert, {}, { inputs: { image: testImage(300, 200, 7, true) } }), display: true })).image as ImageResult;
    expect(shown.display).toBeInstanceOf(ImageBitmap);
    // at the viewer's whole-image size: this one's own
    expect([shown.display?.width, shown.display?.height]).toEqual([300, 200]);
    // Its pixels are the result's (an opaque image, so premultiplying changes nothing).
    const c = new OffscreenCanvas(300, 200).getContext('2d')!;
    c.drawImage(shown.display!, 0, 0);
    const drawn = c.getImageData(0, 0, 300, 200).data;
    let same = 0;
    for (let i = 0; i < drawn.length; i += 4 * 997) if (drawn[i] === shown.data[i] && drawn[i + 1] === shown.data[i + 1] && drawn[i + 2] === shown.data[i + 2]) same++;
    expect(same).toBe(Math.ceil(drawn.length / (4 * 997)));
    const unseen = (await run(pool, task(invert, {}, { inputs: { image: testImage(300, 200) } }))).image as ImageResult;
    expect(unseen.display).toBeUndefined();
    // A reduced proxy is drawn by the viewer from its pixels (app/picture.ts): none even when
    // asked, run as one band into a pooled output (a tile-safe op) or whole (flip is not tile-safe).
    const image = { ...testImage(300, 200, 7, true), scale: 0.5 };
    for (const [op, pooled] of [[invert, 1], [opDef('flip')!, 0]] as const) {
      const taken = pool.pixels.stats.taken;
      const proxy = (await run(pool, { ...task(op, {}, { inputs: { image } }), proxy: 60_000, display: true })).image as ImageResult;
      expect(pool.pixels.stats.taken - taken).toBe(pooled);
      expect(proxy.scale).toBe(0.5);
      expect(proxy.thumbnail).toBeInstanceOf(ImageBitmap);
      expect(proxy.display).toBeUndefined();
    }
    // An image a proxy run did not reduce (smaller than a proxy) is shown as a full result is.
    const small = (await run(pool, { ...task(invert, {}, { inputs: { image: testImage(300, 200) } }), proxy: 60_000, display: true })).image as ImageResult;
    expect(small.scale).toBeUndefined();
    expect([small.display?.width, small.display?.height]).toEqual([300, 200]);
  });

  test('an image result in a plain ArrayBuffer comes back in shared memory, and no input is copied', async () => {
    const { pool } = makePool();
    const out = await run(pool, task(plainImageOp, { width: 64, height: 32 }));
    const plain = out.plain as Image;
    expect(plain.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(plain.data[0]).toBe(200);
    expect((out.shared as Image).data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(pool.stats).toMatchObject({ promotedBytes: 64 * 32 * 4, clonedBytes: 0 });
  });

  test('the image source hands the loaded asset to the kernel without copying it', async () => {
    const { pool } = makePool();
    const { image, hash } = await pool.decode(await sample('chelsea.png'));
    pool.assets.add(hash, image);
    const out = (await run(pool, task(imageSource, { asset: hash }))).image as ImageResult;
    expect([out.width, out.height]).toEqual([451, 300]);
    // The same memory: a byte written here shows in the result.
    image.data[0] = (image.data[0]! + 1) & 255;
    expect(out.data[0]).toBe(image.data[0]);
    expect(pool.stats.clonedBytes).toBe(0);
  });

  test('in a proxy run the image source gives a reduced copy and later steps work at its scale, on the timeline as proxies', async () => {
    const { pool, events } = makePool({ createWorker: undefined }); // the app's own worker
    const { image, hash } = await pool.decode(await sample('chelsea.png'));
    pool.assets.add(hash, image);
    const proxy = 451 * 300 / 4;
    const src = (await run(pool, { ...task(imageSource, { asset: hash }), proxy })).image as ImageResult;
    expect(src.width * src.height).toBeLessThanOrEqual(proxy);
    expect(src.scale).toBeGreaterThan(0.4);
    expect(src.scale).toBeLessThan(0.6);
    // a 2 px box blur on the proxy runs as a 1 px one, so it looks like the full result made small
    const box = opDef('box-blur')!;
    const blurred = (await run(pool, { ...task(box, { radius: 2 }, { inputs: { image: src } }), proxy })).image as ImageResult;
    expect(blurred.scale).toBe(src.scale);
    const direct = (await run(pool, task(box, { radius: 1 }, { inputs: { image: { width: src.width, height: src.height, data: src.data } } }))).image as ImageResult;
    expect(sameBytes(blurred.data, direct.data)).toBe(true);
    expect(direct.scale).toBeUndefined();
    const labels = events.flatMap((e) => (e.type === 'task-start' ? [e.label] : []));
    expect(labels).toContain('Image · proxy');
    expect(labels).toContain('Box blur · proxy');
    expect(labels).toContain('Box blur');
  });

  test('the image source explains an empty or forgotten image', async () => {
    const { pool } = makePool();
    expect((await errorOf(run(pool, task(imageSource, { asset: '' })))).message).toBe('No image loaded: drop a file here or pick a sample');
    const gone = await errorOf(run(pool, task(imageSource, { asset: '0123456789abcdef0123456789abcdef' })));
    expect(gone.message).toMatch(/^The image 01234567… is no longer available; load it again$/);
  });

  test('decoding a sample PNG and JPEG gives their sizes and the same hash each time', async () => {
    const { pool } = makePool();
    const png = await sample('coffee.png');
    const a = await pool.decode(png);
    const b = await pool.decode(await png.arrayBuffer());
    expect([a.image.width, a.image.height, a.format]).toEqual([600, 400, 'png']);
    expect(a.image.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(a.hash).toMatch(/^[0-9a-f]{32}$/);
    expect(b.hash).toBe(a.hash);
    const jpeg = await pool.decode(await sample('rocket.jpg'));
    expect([jpeg.image.width, jpeg.image.height, jpeg.format]).toEqual([640, 427, 'jpeg']);
    expect(jpeg.hash).not.toBe(a.hash);
    // Opaque photo: every alpha byte is 255.
    expect(jpeg.image.data.filter((_, i) => (i & 3) === 3).every((v) => v === 255)).toBe(true);
  });

  test('decoding a corrupt or unsupported file fails with a clear message', async () => {
    const { pool } = makePool();
    const png = new Uint8Array(await (await sample('coffee.png')).arrayBuffer());
    const truncated = png.slice(0, 2000);
    truncated.fill(7, 100);
    expect((await errorOf(pool.decode(truncated.buffer))).message).toBe('This PNG file is damaged: it ends in the middle of a chunk');
    const text = new TextEncoder().encode('hello, this is not an image at all').buffer as ArrayBuffer;
    expect((await errorOf(pool.decode(text))).message).toMatch(/^This file is not an image the browser can read/);
  });

  test('an image over the pixel limit is refused from its header, naming its size and the limit', async () => {
    const { pool } = makePool();
    // A PNG header claiming 30000×30000 and nothing else: decoding it would fail, so the error proves the header check.
    const head = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0x75, 0x30, 0, 0, 0x75, 0x30, 8, 6, 0, 0, 0]);
    const huge = await errorOf(pool.decode(head.buffer));
    expect(huge.message).toBe('This image is 30000×30000 (900 MP), more than the 67 MP limit; scale it down before loading it');
    const small = await errorOf(pool.decode(await sample('coffee.png'), 100_000));
    expect(small.message).toMatch(/600×400 \(0\.2 MP\), more than the 0\.1 MP limit/);
  });

  test('a PNG round trip through encode and decode is lossless for an opaque image', async () => {
    const { pool } = makePool();
    const img = testImage(97, 61, 7, true);
    const blob = await pool.encode(img, 'image/png');
    expect(blob.type).toBe('image/png');
    const back = await pool.decode(blob);
    expect([back.image.width, back.image.height]).toEqual([97, 61]);
    expect(sameBytes(back.image.data, img.data)).toBe(true);
  });

  test('a PNG with every alpha value and varied colour decodes exactly and exports back byte for byte', async () => {
    const { pool } = makePool();
    // 256 alphas × 64 colours each, colour under alpha 0 included.
    const img = createImage(256, 64);
    for (let p = 0, i = 0; p < 256 * 64; p++, i += 4) {
      img.data[i] = (p * 7 + (p >> 8) * 31) & 255;
      img.data[i + 1] = (p * 13 + 91) & 255;
      img.data[i + 2] = ((p >> 8) * 4 + p * 3) & 255;
      img.data[i + 3] = p & 255;
    }
    const file = await pool.encode(img, 'image/png');
    const decoded = await pool.decode(file);
    expect(sameBytes(decoded.image.data, img.data)).toBe(true);
    const again = await pool.encode(decoded.image, 'image/png');
    expect(sameBytes(new Uint8ClampedArray(await again.arrayBuffer()), new Uint8ClampedArray(await file.arrayBuffer()))).toBe(true);
    // Chromium reads the same file: alpha exact, and colour exact where the pixel is opaque.
    const bmp = await createImageBitmap(file, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
    const g = new OffscreenCanvas(bmp.width, bmp.height).getContext('2d')!;
    g.drawImage(bmp, 0, 0);
    const seen = g.getImageData(0, 0, bmp.width, bmp.height).data;
    let bad = 0;
    for (let i = 0; i < seen.length; i += 4) {
      if (seen[i + 3] !== img.data[i + 3]) bad++;
      if (img.data[i + 3] === 255 && (seen[i] !== img.data[i] || seen[i + 1] !== img.data[i + 1] || seen[i + 2] !== img.data[i + 2])) bad++;
    }
    expect(bad).toBe(0);
  });

  test('png.ts decodes a PNG written by another encoder to exactly what the browser itself reads', async () => {
    // coffee.png is opaque RGB, where the browser's decoder is exact: a cross-check of ours.
    const file = await sample('coffee.png');
    const ours = { image: await decodePng(new Uint8Array(await file.arrayBuffer())) };
    const bmp = await createImageBitmap(file, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
    const g = new OffscreenCanvas(bmp.width, bmp.height).getContext('2d')!;
    g.drawImage(bmp, 0, 0);
    expect(sameBytes(ours.image.data, g.getImageData(0, 0, bmp.width, bmp.height).data)).toBe(true);
  });

  test('JPEG export of a transparent image is composited on the background: white unless another is chosen', async () => {
    const { pool } = makePool();
    // Left half: red at alpha 0; right half: opaque blue; a middle column at alpha 128.
    const img = createImage(64, 32);
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 64; x++) {
        const i = (y * 64 + x) * 4;
        img.data.set(x < 30 ? [255, 0, 0, 0] : x < 34 ? [0, 0, 0, 128] : [0, 0, 255, 255], i);
      }
    }
    const pixel = async (blob: Blob, x: number, y: number) => {
      const { image } = await pool.decode(blob);
      const i = (y * image.width + x) * 4;
      return [...image.data.subarray(i, i + 4)];
    };
    const near = (got: number[], want: number[]) => got.every((v, c) => Math.abs(v - want[c]!) <= 8);
    const white = await pool.encode(img, 'image/jpeg', 0.95);
    expect(near(await pixel(white, 10, 16), [255, 255, 255, 255])).toBe(true);
    expect(near(await pixel(white, 50, 16), [0, 0, 255, 255])).toBe(true);
    expect(near(await pixel(white, 32, 16), [127, 127, 127, 255])).toBe(true);
    const green = await pool.encode(img, 'image/jpeg', 0.95, { background: '#00ff00' });
    expect(near(await pixel(green, 10, 16), [0, 255, 0, 255])).toBe(true);
    expect(near(await pixel(green, 50, 16), [0, 0, 255, 255])).toBe(true);
    expect((await errorOf(pool.encode(img, 'image/jpeg', 0.9, { background: 'green' }))).message).toMatch(/colour like #ffffff/);
  });

  test('a JPEG is decoded upright by its EXIF orientation', async () => {
    const { pool } = makePool();
    // 40×20: left half red, right half blue; stored with orientation 6 (rotate 90° clockwise to show).
    const img = createImage(40, 20);
    for (let i = 0; i < img.data.length; i += 4) img.data.set((i / 4) % 40 < 20 ? [255, 0, 0, 255] : [0, 0, 255, 255], i);
    const plain = new Uint8Array(await (await pool.encode(img, 'image/jpeg', 1)).arrayBuffer());
    const tiff = [0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0];
    const body = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
    const app1 = [0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 255, ...body];
    const rotated = new Uint8Array([...plain.subarray(0, 2), ...app1, ...plain.subarray(2)]);
    const { image } = await pool.decode(new Blob([rotated], { type: 'image/jpeg' }));
    expect([image.width, image.height]).toEqual([20, 40]);
    const at = (x: number, y: number) => [...image.data.subarray((y * 20 + x) * 4, (y * 20 + x) * 4 + 3)];
    // Rotated clockwise, the left (red) half is on top and the right (blue) half below.
    expect(at(10, 5)[0]).toBeGreaterThan(200);
    expect(at(10, 5)[2]).toBeLessThan(60);
    expect(at(10, 35)[2]).toBeGreaterThan(200);
    expect(at(10, 35)[0]).toBeLessThan(60);
    const upright = await pool.decode(new Blob([plain], { type: 'image/jpeg' }));
    expect([upright.image.width, upright.image.height]).toEqual([40, 20]);
  });

  test('JPEG and WebP encoding honour the type and quality', async () => {
    const { pool } = makePool();
    const { image } = await pool.decode(await sample('rocket.jpg'));
    const high = await pool.encode(image, 'image/jpeg', 0.95);
    const low = await pool.encode(image, 'image/jpeg', 0.3);
    expect(high.type).toBe('image/jpeg');
    expect(low.size).toBeLessThan(high.size);
    expect((await pool.encode(image, 'image/webp', 0.8)).type).toBe('image/webp');
  });

  test('a cancelled decode rejects as cancelled', async () => {
    const { pool } = makePool();
    const blocker = run(pool, task(sleepOp, { ms: 100 }));
    const ac = new AbortController();
    const decoding = errorOf(pool.decode(await sample('coffee.png'), undefined, { signal: ac.signal }));
    ac.abort(new DOMException('Stop', 'AbortError'));
    expect(isAbort(await decoding)).toBe(true);
    await blocker;
  });
});

describe('the real step worker', () => {
  test('inverts a 12 MP image correctly, sharing the pixels with the main thread instead of copying them', async () => {
    const { pool } = makePool({ createWorker: undefined }); // the app's own worker
    const src = testImage(4000, 3000, 3);
    const progress: number[] = [];
    const out = (await pool.run(task(invert, {}, { inputs: { image: src } }), {
      signal: new AbortController().signal,
      started: () => {},
      progress: (f) => progress.push(f),
    })).image as ImageResult;
    expect([out.width, out.height]).toEqual([4000, 3000]);
    expect(out.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(pool.stats).toMatchObject({ clonedBytes: 0, promotedBytes: 0 });
    expect(progress.length).toBeGreaterThan(0);
    const s = new Uint32Array(src.data.buffer);
    const d = new Uint32Array(out.data.buffer);
    let wrong = 0;
    for (let i = 0; i < s.length; i++) if (((s[i]! ^ 0x00ffffff) >>> 0) !== d[i]) wrong++;
    expect(wrong).toBe(0);
    expect(out.thumbnail?.width).toBe(256);
    expect(out.thumbnail?.height).toBe(192);
  });

  const blur = opDef('gaussian-blur');
  test.runIf(blur)('cancelling a running 12 MP gaussian blur leaves the pool immediately usable', async () => {
    const { pool } = makePool({ createWorker: undefined }); // the app's own worker
    const ac = new AbortController();
    const first = firstProgress();
    const blurring = errorOf(
      pool.run(task(blur!, { sigma: 20 }, { inputs: { image: testImage(4000, 3000, 5) } }), { signal: ac.signal, started: () => {}, progress: first.progress }),
    );
    await first.reported;
    ac.abort(new DOMException('Stop', 'AbortError'));
    expect(isAbort(await blurring)).toBe(true);
    const small = testImage(8, 8, 9);
    const out = (await pool.run(task(invert, {}, { inputs: { image: small } }), { signal: new AbortController().signal, started: () => {}, progress: () => {} })).image as Image;
    expect(out.data[0]).toBe(255 - small.data[0]!);
    expect(pool.activity).toMatchObject({ size: 1, workers: 1, idle: 1, stopping: 0, queued: 0 });
  });
});
