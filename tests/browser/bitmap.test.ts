// Display bitmaps made in a worker from shared pixels: what the viewer draws. Behaviour only; the
// time at 12 MP is printed for the record, not asserted.

import { afterEach, describe, expect, test } from 'vitest';
import { WorkerPool } from '../../src/workers/pool';
import { isAbort } from '../../src/engine/types';
import { createImage } from '../../src/ops/image';
import type { Image } from '../../src/ops/types';

const fixtureWorker = () => new Worker(new URL('./fixtures/test.worker.ts', import.meta.url), { type: 'module' });

const pools: WorkerPool[] = [];
afterEach(() => {
  for (const p of pools.splice(0)) p.dispose();
});

function makePool(): WorkerPool {
  const pool = new WorkerPool({ size: 1, createWorker: fixtureWorker });
  pools.push(pool);
  return pool;
}

/** Left half red, right half half-transparent blue, one green pixel at (x, y). */
function testImage(w: number, h: number, green: [number, number]): Image {
  const img = createImage(w, h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      if (x < w / 2) img.data.set([255, 0, 0, 255], i);
      else img.data.set([0, 0, 255, 128], i);
    }
  }
  img.data.set([0, 255, 0, 255], (green[1] * w + green[0]) * 4);
  return img;
}

function readBack(bmp: ImageBitmap, x: number, y: number): number[] {
  const c = new OffscreenCanvas(bmp.width, bmp.height);
  const g = c.getContext('2d')!;
  g.drawImage(bmp, 0, 0);
  return [...g.getImageData(x, y, 1, 1).data];
}

describe('pool.bitmap', () => {
  test('a bitmap of shared pixels has the image size and its colours, across band boundaries', async () => {
    const pool = makePool();
    // 1500 px wide: 699 rows per 4 MB band, so row 700 is in the second band.
    const img = testImage(1500, 1000, [1200, 700]);
    expect(img.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    const bmp = await pool.bitmap(img);
    expect([bmp.width, bmp.height]).toEqual([1500, 1000]);
    expect(readBack(bmp, 10, 10)).toEqual([255, 0, 0, 255]);
    expect(readBack(bmp, 1200, 700)).toEqual([0, 255, 0, 255]);
    const [, , b, a] = readBack(bmp, 1400, 999);
    expect(a).toBe(128);
    expect(b).toBeGreaterThan(250);
    expect(pool.stats.clonedBytes).toBe(0);
  });

  test('a region comes back at full resolution with its own pixels', async () => {
    const pool = makePool();
    const img = testImage(1500, 1000, [1200, 700]);
    const bmp = await pool.bitmap(img, { region: { x: 1190, y: 690, width: 20, height: 30 } });
    expect([bmp.width, bmp.height]).toEqual([20, 30]);
    expect(readBack(bmp, 10, 10)).toEqual([0, 255, 0, 255]);
    expect(readBack(bmp, 0, 0)[2]).toBeGreaterThan(250);
    // Clamped to the image.
    const edge = await pool.bitmap(img, { region: { x: 1490, y: 990, width: 50, height: 50 } });
    expect([edge.width, edge.height]).toEqual([10, 10]);
  });

  test('maxSide scales the bitmap down with the aspect ratio kept', async () => {
    const pool = makePool();
    const bmp = await pool.bitmap(testImage(1500, 1000, [0, 0]), { maxSide: 300 });
    expect([bmp.width, bmp.height]).toEqual([300, 200]);
    expect(readBack(bmp, 20, 100)).toEqual([255, 0, 0, 255]);
    const small = await pool.bitmap(testImage(40, 30, [0, 0]), { maxSide: 300 });
    expect([small.width, small.height]).toEqual([40, 30]);
  });

  test('an already aborted bitmap request rejects as cancelled without using a worker', async () => {
    const pool = makePool();
    const ctl = new AbortController();
    ctl.abort();
    const err = await pool.bitmap(testImage(8, 8, [1, 1]), { signal: ctl.signal }).catch((e: unknown) => e);
    expect(isAbort(err)).toBe(true);
    expect(pool.stats.spawned).toBe(0);
  });

  test('a 12 MP bitmap is made off the main thread (time printed for the record)', async () => {
    const pool = makePool();
    const img = createImage(4000, 3000);
    new Uint32Array(img.data.buffer).fill(0xff336699);
    await pool.bitmap(createImage(16, 16)); // start the worker first
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const bmp = await pool.bitmap(img);
      times.push(performance.now() - t0);
      expect([bmp.width, bmp.height]).toEqual([4000, 3000]);
      bmp.close();
    }
    const scaled: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const bmp = await pool.bitmap(img, { maxSide: 1024 });
      scaled.push(performance.now() - t0);
      expect([bmp.width, bmp.height]).toEqual([1024, 768]);
      bmp.close();
    }
    console.log(`pool.bitmap 12 MP, round trip ms: full ${times.map((t) => t.toFixed(1)).join(', ')}; maxSide 1024 ${scaled.map((t) => t.toFixed(1)).join(', ')}`);
  });
});
