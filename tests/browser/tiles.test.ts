// Tiled execution through a real worker pool in Chromium: a step of a tile-safe operation on a
// large enough image runs as row bands on every worker, and its result (pixels and preview) is the
// untiled one, byte for byte or within the operation's declared tolerance. Progress, cancellation
// and failure work band by band. Behaviour only: no timing is asserted (see the bench for speed).

import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { WorkerPool, type PoolEvent } from '../../src/workers/pool';
import { errorOf, fixtureWorker, poolMaker, run } from './fixtures/pools';
import type { ImageResult } from '../../src/workers/protocol';
import { resolveParams } from '../../src/engine/params';
import type { OpDecl, Params } from '../../src/engine/op';
import { PRIORITY, isAbort, type StepTask } from '../../src/engine/types';
import { createImage } from '../../src/ops/image';
import type { Image, Value } from '../../src/ops/types';
import { opDef } from '../../src/ops/kernels';
import invert from '../../src/ops/invert/kernel';
import { BAD_PIXEL, bandFailOp, sleepOp, sparseOp } from './fixtures/test-ops';

const makePool = poolMaker({ size: 2, tileMinPixels: 0 });

let keySeq = 0;
function task(op: OpDecl, params: Params, inputs: Record<string, Value>, priority: number = PRIORITY.interactive): StepTask<Value> {
  return { nodeId: op.id, op, params: resolveParams(op, params), key: `tiles-${++keySeq}`, inputs, priority };
}

/** Resolves once `count` events match; after 20 s fails with the events seen, to say what is missing. */
function waitFor(events: PoolEvent[], pred: (e: PoolEvent) => boolean, count = 1): Promise<void> {
  const deadline = performance.now() + 20_000;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (events.filter(pred).length >= count) resolve();
      else if (performance.now() > deadline) reject(new Error(`waited 20 s for ${count} events; saw ${JSON.stringify(events.map((e) => [e.type, 'label' in e ? e.label : '', 'outcome' in e ? e.outcome : '']))}`));
      else setTimeout(check, 5);
    };
    check();
  });
}

/** RGBA noise (xorshift), alpha opaque in some rows, random in others, 0 or 255 in others. */
function testImage(width: number, height: number, seed = 1): Image {
  const img = createImage(width, height);
  const u32 = new Uint32Array(img.data.buffer, 0, width * height);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < u32.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const mode = Math.floor(i / width / 40) % 3;
    const a = mode === 0 ? 0xff000000 : mode === 1 ? x & 0xff000000 : x & 0x100 ? 0xff000000 : 0;
    u32[i] = ((x & 0x00ffffff) | a) >>> 0;
  }
  return img;
}

function maxDiff(a: Uint8ClampedArray, b: Uint8ClampedArray): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (d > m) m = d;
  }
  return m;
}

function meanDiff(a: Uint8ClampedArray, b: Uint8ClampedArray): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}

function bitmapPixels(bmp: ImageBitmap): Uint8ClampedArray {
  const canvas = new OffscreenCanvas(bmp.width, bmp.height);
  const g = canvas.getContext('2d')!;
  g.drawImage(bmp, 0, 0);
  return g.getImageData(0, 0, bmp.width, bmp.height).data;
}

const bandStarts = (events: PoolEvent[]) => events.filter((e) => e.type === 'task-start' && / · band \d+\/\d+$/.test(e.label));

describe('tiled results equal untiled ones', () => {
  // One untiled pool (a single worker never tiles) and tiled ones of two and three workers.
  const whole = new WorkerPool({ size: 1 });
  const tiled2 = makeShared(2);
  const tiled3 = makeShared(3);
  afterAll(() => {
    whole.dispose();
    tiled2.pool.dispose();
    tiled3.pool.dispose();
  });

  function makeShared(size: number): { pool: WorkerPool; events: PoolEvent[] } {
    const events: PoolEvent[] = [];
    return { pool: new WorkerPool({ size, tileMinPixels: 0, onEvent: (e) => events.push(e) }), events };
  }

  const img = testImage(1000, 777, 11);
  const cases: [string, Params][] = [
    ['gaussian-blur', { sigma: 1.2 }], // FIR: exact
    ['gaussian-blur', { sigma: 12 }], // recursive: within 1 level
    ['median', { radius: 2 }], // selection network
    ['median', { radius: 3 }],
    ['box-blur', { radius: 9 }],
    ['levels', { inBlack: 30, inWhite: 220, gamma: 1.4 }],
    ['brightness-contrast', { brightness: -20, contrast: 30 }],
    ['invert', {}],
    ['unsharp-mask', { amount: 120, radius: 2 }],
    ['resize', { mode: 'scale', scale: 50, filter: 'lanczos3' }], // bands of output rows
    ['resize', { mode: 'scale', scale: 170, filter: 'bicubic' }],
  ];
  for (const [id, raw] of cases) {
    const op = opDef(id)!;
    const params = resolveParams(op, raw);
    const tolerance = op.tile?.tolerance?.(params) ?? 0;
    test(`${id} ${JSON.stringify(raw)} on 1000×777, on 2 and 3 workers: ${tolerance ? `within ${tolerance}` : 'byte for byte'}`, async () => {
      const reference = (await run(whole, task(op, params, { image: img }))).image as ImageResult;
      for (const { pool, events } of [tiled2, tiled3]) {
        events.length = 0;
        const progress: number[] = [];
        const out = (await run(pool, task(op, params, { image: img }), { progress: (f) => progress.push(f) })).image as ImageResult;
        const starts = bandStarts(events);
        expect(starts.map((e) => (e.type === 'task-start' ? e.label : '')).sort()).toEqual(
          Array.from({ length: pool.size }, (_, i) => `${op.title} · band ${i + 1}/${pool.size}`),
        );
        expect([out.width, out.height]).toEqual([reference.width, reference.height]);
        expect(out.data.buffer).toBeInstanceOf(SharedArrayBuffer);
        expect(maxDiff(out.data, reference.data)).toBeLessThanOrEqual(tolerance);
        // The same preview, made the same way (read back through a premultiplied canvas, where a
        // level's difference in a translucent pixel can come back larger: compared on average).
        expect([out.thumbnail?.width, out.thumbnail?.height]).toEqual([reference.thumbnail!.width, reference.thumbnail!.height]);
        const [a, b] = [bitmapPixels(out.thumbnail!), bitmapPixels(reference.thumbnail!)];
        if (tolerance === 0) expect(maxDiff(a, b)).toBe(0);
        else expect(meanDiff(a, b)).toBeLessThan(0.1);
        // Progress rises and ends at 1.
        expect(progress.length).toBeGreaterThan(0);
        expect(progress.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= progress[i - 1]!))).toBe(true);
        expect(progress.at(-1)).toBe(1);
      }
    });
  }

  test('bands run at the same time, each on its own lane, and no copy of the input is made', async () => {
    const { pool, events } = tiled2;
    events.length = 0;
    const before = pool.stats.clonedBytes;
    await run(pool, task(opDef('gaussian-blur')!, { sigma: 3 }, { image: img }));
    const starts = bandStarts(events);
    expect(new Set(starts.map((e) => (e.type === 'task-start' ? e.lane : -1)))).toEqual(new Set([0, 1]));
    expect(pool.stats.clonedBytes).toBe(before);
    // The bands make the node preview themselves (the last to finish completes it): no preview task.
    expect(events.some((e) => e.type === 'task-start' && e.kind === 'bitmap')).toBe(false);
    // One 'step' task per step run (its first band), as for an untiled step: what counts kernel runs.
    expect(starts.map((e) => (e.type === 'task-start' ? e.kind : ''))).toEqual(['step', 'band']);
  });
});

describe('a shown step', () => {
  test('comes with the viewer\'s bitmap, made by its bands, the same as one asked for afterwards', async () => {
    const { pool, events } = makePool();
    const img = testImage(2000, 1500, 51);
    const shown = { ...task(invert, {}, { image: img }), display: true };
    const out = (await run(pool, shown)).image as ImageResult;
    expect(bandStarts(events).length).toBeGreaterThanOrEqual(2);
    expect(events.some((e) => e.type === 'task-start' && e.kind === 'bitmap')).toBe(false);
    expect([out.display?.width, out.display?.height]).toEqual([1024, 768]);
    const asked = await pool.bitmap(out, { maxSide: 1024 });
    expect(maxDiff(bitmapPixels(out.display!), bitmapPixels(asked))).toBe(0);
    // a step not shown has none
    const plain = (await run(pool, task(invert, {}, { image: img }))).image as ImageResult;
    expect(plain.display).toBeUndefined();
  });

  test('run whole at full resolution, it comes with the viewer\'s bitmap too', async () => {
    const { pool } = makePool({ size: 1 });
    const img = testImage(1200, 900, 52);
    const out = (await run(pool, { ...task(invert, {}, { image: img }), display: true })).image as ImageResult;
    expect([out.display?.width, out.display?.height]).toEqual([1024, 768]);
    const asked = await pool.bitmap(out, { maxSide: 1024 });
    expect(maxDiff(bitmapPixels(out.display!), bitmapPixels(asked))).toBe(0);
  });
});

describe('when a step is not tiled', () => {
  test('an image under the size threshold runs whole', async () => {
    const { pool, events } = makePool({ tileMinPixels: 2_000_000 });
    const out = (await run(pool, task(invert, {}, { image: testImage(640, 480, 2) }))).image as ImageResult;
    expect(events.filter((e) => e.type === 'task-start').map((e) => (e.type === 'task-start' ? e.label : ''))).toEqual(['Invert']);
    expect(out.thumbnail?.width).toBe(256);
  });

  test('a tiny image runs whole even with no threshold: too few rows for two bands', async () => {
    const { pool, events } = makePool();
    await run(pool, task(invert, {}, { image: testImage(300, 20, 3) }));
    expect(bandStarts(events)).toHaveLength(0);
  });

  test('a halo as tall as the image runs whole', async () => {
    const { pool, events } = makePool();
    await run(pool, task(opDef('box-blur')!, { radius: 150 }, { image: testImage(200, 300, 4) }));
    expect(bandStarts(events)).toHaveLength(0);
  });

  test('an operation that is not tile-safe runs whole', async () => {
    const { pool, events } = makePool();
    await run(pool, task(opDef('flip')!, {}, { image: testImage(400, 300, 5) }));
    expect(bandStarts(events)).toHaveLength(0);
  });

  test('a one-worker pool runs whole', async () => {
    const { pool, events } = makePool({ size: 1 });
    await run(pool, task(invert, {}, { image: testImage(400, 300, 6) }));
    expect(bandStarts(events)).toHaveLength(0);
  });
});

describe('batch steps yield to the editor', () => {
  test('a batch step on a large image runs in queued bands, and more urgent work goes between them', async () => {
    // No reserve worker (pool.test.ts covers it): the urgent task must wait for a band boundary.
    const { pool, events } = makePool({ size: 1, backgroundPriority: null });
    const img = testImage(4000, 3000, 21);
    const box = opDef('box-blur')!;
    // Both handed over in the same turn: the first band takes the only worker, the urgent task waits.
    const batchStep = run(pool, task(box, { radius: 6 }, { image: img }, PRIORITY.batch));
    const urgent = run(pool, task(invert, {}, { image: testImage(8, 8, 3) }, PRIORITY.interactive));
    await urgent;
    const banded = (await batchStep).image as ImageResult;
    const starts = events.flatMap((e) => (e.type === 'task-start' && e.kind !== 'bitmap' ? [e.label] : []));
    expect(starts[0]).toMatch(/^Box blur · band 1\/6$/);
    expect(starts[1]).toBe('Invert');
    expect(starts.filter((l) => / · band /.test(l))).toHaveLength(6);
    // The same pixels as the step run whole.
    const whole = new WorkerPool({ size: 1 });
    try {
      const ref = (await run(whole, task(box, { radius: 6 }, { image: img }))).image as ImageResult;
      let wrong = 0;
      for (let i = 0; i < ref.data.length; i++) if (banded.data[i] !== ref.data[i]) wrong++;
      expect([banded.width, banded.height]).toEqual([ref.width, ref.height]);
      expect(wrong).toBe(0);
      expect(banded.thumbnail?.width).toBe(256);
    } finally {
      whole.dispose();
    }
  });
});

describe('cancelling and failing bands', () => {
  test('cancelling a tiled 12 MP blur stops every band, and the pool is usable at once', async () => {
    // A generous grace period: workers are kept only if their bands really stopped.
    const { pool, events } = makePool({ graceMs: 5000 });
    // Both workers started first: a worker still starting (slow on a busy machine) would begin its
    // band so late that the other band could finish before the abort.
    await Promise.all([1, 2].map((seed) => run(pool, task(invert, {}, { image: testImage(8, 8, seed) }))));
    expect(pool.activity.idle).toBe(2);
    const ac = new AbortController();
    const progress: number[] = [];
    const blurring = errorOf(
      run(pool, task(opDef('gaussian-blur')!, { sigma: 20 }, { image: testImage(4000, 3000, 7) }), {
        signal: ac.signal,
        progress: (f) => progress.push(f),
      }),
    );
    await waitFor(events, (e) => e.type === 'task-start' && / · band /.test(e.label), 2);
    await new Promise((r) => setTimeout(r, 30));
    ac.abort(new DOMException('Stop', 'AbortError'));
    expect(isAbort(await blurring)).toBe(true);
    const ends = events.filter((e) => e.type === 'task-end' && / · band /.test(e.label));
    expect(ends.map((e) => (e.type === 'task-end' ? e.outcome : ''))).toEqual(['cancelled', 'cancelled']);
    expect(pool.activity.busy).toBe(0);
    // Both workers stop by themselves within the grace period and take the next tasks.
    await waitFor(events, () => pool.activity.stopping === 0);
    const small = testImage(8, 8, 9);
    const out = (await run(pool, task(invert, {}, { image: small }))).image as Image;
    expect(out.data[0]).toBe(255 - small.data[0]!);
    expect(pool.stats).toMatchObject({ terminated: 0, spawned: 2 });
    expect(pool.activity).toMatchObject({ busy: 0, stopping: 0, queued: 0 });
    expect(progress.every((f, i) => i === 0 || f >= progress[i - 1]!)).toBe(true);
  });

  test('a step that arrives while the other workers are busy is split anyway, and the free worker works through its parts', async () => {
    const { pool, events } = makePool({ createWorker: fixtureWorker, size: 3, graceMs: 5000 });
    const blocker = new AbortController();
    const sleeping = errorOf(run(pool, task(sleepOp, { ms: 60_000 }, {}, 5), { signal: blocker.signal }));
    await waitFor(events, (e) => e.type === 'task-start');
    // two of three workers are free: two bands, none queued
    const img = testImage(100, 80, 8);
    const two = (await run(pool, task(bandFailOp, { ms: 0 }, { image: img }))).image as Image;
    expect(maxDiff(two.data, img.data)).toBe(0);
    expect(bandStarts(events).map((e) => ('label' in e ? e.label : '')).sort()).toEqual(['Band fail · band 1/2', 'Band fail · band 2/2']);
    // with the only other worker busy too, the step is split into two parts per worker: the free
    // worker takes the first and then the rest from the queue, since the others stay busy
    const blocker2 = new AbortController();
    const sleeping2 = errorOf(run(pool, task(sleepOp, { ms: 60_000 }, {}, 5), { signal: blocker2.signal }));
    try {
      await waitFor(events, (e) => e.type === 'task-start' && e.label !== 'Band fail · preview' && !/ · band /.test(e.label), 2);
      events.length = 0;
      const split = (await run(pool, task(bandFailOp, { ms: 0 }, { image: img }))).image as Image;
      expect(maxDiff(split.data, img.data)).toBe(0);
      const starts = bandStarts(events);
      expect(starts.map((e) => ('label' in e ? e.label : '')).sort()).toEqual(Array.from({ length: 5 }, (_, i) => `Band fail · band ${i + 1}/5`));
      expect(new Set(starts.map((e) => (e.type === 'task-start' ? e.lane : -1))).size).toBe(1);
      expect(pool.activity.queued).toBe(0);
    } finally {
      blocker.abort(new DOMException('Stop', 'AbortError'));
      blocker2.abort(new DOMException('Stop', 'AbortError'));
      await sleeping;
      await sleeping2;
    }
  });

  test('a failing band fails the step with its message and cancels the other bands', async () => {
    const { pool, events } = makePool({ createWorker: fixtureWorker, size: 3, graceMs: 5000 });
    const img = testImage(100, 90, 10);
    // A bad pixel in the last band only: bands 1 and 2 spin until they are cancelled.
    new Uint32Array(img.data.buffer)[85 * 100 + 7] = BAD_PIXEL;
    const e = await errorOf(run(pool, task(bandFailOp, { ms: 60_000 }, { image: img })));
    expect(e.message).toBe('Found a bad pixel in this band');
    expect(isAbort(e)).toBe(false);
    // Every band has ended: failed, cancelled while running, or dropped before its worker had started.
    await waitFor(events, () => pool.activity.busy === 0 && pool.activity.stopping === 0 && pool.activity.queued === 0);
    const outcomes = Object.fromEntries(events.flatMap((ev) => (ev.type === 'task-end' ? [[ev.label, ev.outcome]] : [])));
    expect(outcomes['Band fail · band 3/3']).toBe('failed');
    const started = new Set(events.flatMap((ev) => (ev.type === 'task-start' ? [ev.label] : [])));
    for (const band of ['Band fail · band 1/3', 'Band fail · band 2/3']) {
      expect(outcomes[band]).toBe(started.has(band) ? 'cancelled' : undefined);
    }
    // The pool goes on: the same op on a clean image succeeds, tiled.
    const clean = testImage(100, 90, 12);
    const out = (await run(pool, task(bandFailOp, { ms: 0 }, { image: clean }))).image as Image;
    expect(maxDiff(out.data, clean.data)).toBe(0);
  });
});

describe('independent steps started together', () => {
  test('two large steps started in the same turn each take a worker instead of the first one splitting over both', async () => {
    const { pool, events } = makePool({ createWorker: fixtureWorker });
    const a = testImage(200, 160, 21);
    const b = testImage(200, 160, 22);
    const [ra, rb] = await Promise.all([run(pool, task(bandFailOp, { ms: 0 }, { image: a })), run(pool, task(bandFailOp, { ms: 0 }, { image: b }))]);
    expect(maxDiff((ra.image as Image).data, a.data)).toBe(0);
    expect(maxDiff((rb.image as Image).data, b.data)).toBe(0);
    // The first runs whole on one worker; the second, reaching the other worker while the first
    // runs, starts its first part there and leaves the rest to whichever worker is free next.
    const starts = events.flatMap((e) => (e.type === 'task-start' ? [e] : []));
    const whole = starts.filter((e) => e.label === 'Band fail');
    expect(whole).toHaveLength(1);
    const parts = starts.filter((e) => / · band /.test(e.label));
    expect(parts.map((e) => e.label).sort()).toEqual(['Band fail · band 1/4', 'Band fail · band 2/4', 'Band fail · band 3/4', 'Band fail · band 4/4']);
    expect(parts.find((e) => e.label.endsWith('1/4'))!.lane).not.toBe(whole[0]!.lane);
    events.length = 0;
    // alone, the same step splits over both workers
    await run(pool, task(bandFailOp, { ms: 0 }, { image: a }));
    expect(bandStarts(events)).toHaveLength(2);
  });
});

describe('output buffers used again (see pixel-pool.ts)', () => {
  test('a tiled step writes the right result into a buffer that held an earlier one', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(typeof gc).toBe('function'); // the browser project runs Chromium with --expose-gc
    const { pool } = makePool();
    const img = testImage(600, 400, 31);
    // Results nobody keeps: their buffers come back once collected.
    for (let i = 0; i < 3; i++) await run(pool, task(invert, {}, { image: img })).then(() => undefined);
    for (const deadline = performance.now() + 20_000; pool.pixels.stats.freeBytes === 0 && performance.now() < deadline; ) {
      gc!();
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(pool.pixels.stats.freeBytes).toBeGreaterThan(0);
    const reused = pool.pixels.stats.reused;
    const box = opDef('box-blur')!;
    const out = (await run(pool, task(box, { radius: 3 }, { image: img }))).image as ImageResult;
    expect(pool.pixels.stats.reused).toBeGreaterThan(reused);
    const whole = new WorkerPool({ size: 1 });
    try {
      const ref = (await run(whole, task(box, { radius: 3 }, { image: img }))).image as ImageResult;
      expect(maxDiff(out.data, ref.data)).toBe(0);
      expect(maxDiff(bitmapPixels(out.thumbnail!), bitmapPixels(ref.thumbnail!))).toBe(0);
    } finally {
      whole.dispose();
    }
  });

  test('a proxy step runs whole, as one band, into an output the pool uses again: the pixels and node preview of a plain run', async () => {
    const gc = (globalThis as { gc?: () => void }).gc!;
    // One worker and a small image: a full-resolution step would run whole into a new output.
    const { pool, events } = makePool({ size: 1, tileMinPixels: 2_000_000 });
    const img: Image = { ...testImage(600, 400, 61), scale: 0.25 };
    const proxyTask = (op: OpDecl, params: Params): StepTask<Value> => ({ ...task(op, params, { image: img }), proxy: 600 * 400 });
    const taken = pool.pixels.stats.taken;
    for (let i = 0; i < 3; i++) await run(pool, proxyTask(invert, {})).then(() => undefined);
    expect(pool.pixels.stats.taken).toBe(taken + 3);
    for (const deadline = performance.now() + 20_000; pool.pixels.stats.freeBytes === 0 && performance.now() < deadline; ) {
      gc();
      await new Promise((r) => setTimeout(r, 5));
    }
    const reused = pool.pixels.stats.reused;
    const bc = opDef('brightness-contrast')!;
    const params = { brightness: -20, contrast: 30 };
    const out = (await run(pool, proxyTask(bc, params))).image as ImageResult;
    expect(pool.pixels.stats.reused).toBeGreaterThan(reused);
    expect(out.scale).toBe(0.25);
    expect(events.filter((e) => e.type === 'task-start').map((e) => (e.type === 'task-start' ? `${e.kind} ${e.label}` : '')).at(-1)).toBe('step Brightness / Contrast · proxy');
    const whole = new WorkerPool({ size: 1 });
    try {
      const ref = (await run(whole, task(bc, params, { image: testImage(600, 400, 61) }))).image as ImageResult;
      expect(ref.scale).toBeUndefined();
      expect(maxDiff(out.data, ref.data)).toBe(0);
      expect(maxDiff(bitmapPixels(out.thumbnail!), bitmapPixels(ref.thumbnail!))).toBe(0);
    } finally {
      whole.dispose();
    }
    // a full-resolution step of the same size still runs whole into an output of its own
    const takenBefore = pool.pixels.stats.taken;
    await run(pool, task(bc, params, { image: testImage(600, 400, 61) }));
    expect(pool.pixels.stats.taken).toBe(takenBefore);
  });

  test('a proxy large enough to split (after an enlarging step) is still split over the workers', async () => {
    const { pool, events } = makePool(); // two workers, any size tiled
    const img: Image = { ...testImage(600, 400, 62), scale: 0.5 };
    const out = (await run(pool, { ...task(invert, {}, { image: img }), proxy: 100_000 })).image as ImageResult;
    expect(bandStarts(events).length).toBeGreaterThanOrEqual(2);
    expect(out.scale).toBe(0.5);
  });

  test('a band that writes into a used buffer finds it cleared, as a new one would be', async () => {
    const gc = (globalThis as { gc?: () => void }).gc!;
    const { pool } = makePool({ createWorker: fixtureWorker });
    const img = testImage(300, 200, 41); // even width: every row's odd pixels stay unwritten
    for (let i = 0; i < 3; i++) await run(pool, task(invert, {}, { image: img })).then(() => undefined);
    for (const deadline = performance.now() + 20_000; pool.pixels.stats.freeBytes === 0 && performance.now() < deadline; ) {
      gc();
      await new Promise((r) => setTimeout(r, 5));
    }
    const reused = pool.pixels.stats.reused;
    const out = (await run(pool, task(sparseOp, {}, { image: img }))).image as ImageResult;
    expect(pool.pixels.stats.reused).toBeGreaterThan(reused);
    let wrong = 0;
    for (let p = 0; p < 300 * 200; p++) {
      for (let c = 0; c < 4; c++) if (out.data[p * 4 + c] !== (p % 2 === 0 ? img.data[p * 4 + c] : 0)) wrong++;
    }
    expect(wrong).toBe(0);
  });
});
