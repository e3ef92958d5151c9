// The output buffer pool with the real FinalizationRegistry and a real keeper thread: a buffer
// comes back only after the page's handle to it is collected, never while it can be reached, and
// never once abandoned. Garbage is collected on purpose (the unit project runs with --expose-gc).
import { afterEach, describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { PixelPool, type KeeperPort } from '../../../src/workers/pixel-pool';
import type { Image } from '../../../src/ops/types';

const KEEPER = `
const { parentPort } = require('node:worker_threads');
const held = new Map();
parentPort.on('message', (m) => {
  if (m.type === 'keep') held.set(m.id, m.buffer);
  else if (m.type === 'forget') held.delete(m.id);
  else if (m.type === 'release') { const b = held.get(m.id); if (b) parentPort.postMessage({ type: 'back', id: m.id, buffer: b }); }
});`;

const keepers: Worker[] = [];
function keeper(): KeeperPort {
  const w = new Worker(KEEPER, { eval: true });
  keepers.push(w);
  return {
    postMessage: (m) => w.postMessage(m),
    addEventListener: (_type, listener) => void w.on('message', (data) => listener({ data } as MessageEvent)),
    terminate: () => void w.terminate(),
  };
}

afterEach(async () => {
  await Promise.all(keepers.splice(0).map((w) => w.terminate()));
});

const gc = (globalThis as { gc?: () => void }).gc!;

/** Collects garbage until `done` (a finalizer ran and the keeper answered), or gives up after 20 s. */
async function collectUntil(done: () => boolean): Promise<boolean> {
  const deadline = performance.now() + 20_000;
  while (!done() && performance.now() < deadline) {
    gc();
    await new Promise((r) => setTimeout(r, 5));
  }
  return done();
}

/** Takes an image, writes a mark into it and lets go of it; returns only its size. */
function takeAndDrop(pool: PixelPool, w: number, h: number, mark: number): boolean {
  const { image, reused } = pool.take(w, h);
  image.data.fill(mark);
  return reused;
}

describe('PixelPool', () => {
  it('runs where the test can collect garbage', () => {
    expect(typeof gc).toBe('function');
  });

  it('hands out new zero-filled shared images while nothing has come back', () => {
    const pool = new PixelPool({ keeper });
    const a = pool.take(64, 32);
    const b = pool.take(64, 32);
    expect(a.reused || b.reused).toBe(false);
    expect(a.image.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(a.image.data.buffer === b.image.data.buffer).toBe(false);
    expect(a.image.data.every((v) => v === 0)).toBe(true);
    expect([a.image.width, a.image.height, a.image.data.length]).toEqual([64, 32, 64 * 32 * 4]);
    pool.dispose();
  });

  it('gives a buffer out again once the page can no longer reach it, old pixels and all', async () => {
    const pool = new PixelPool({ keeper });
    expect(takeAndDrop(pool, 64, 32, 7)).toBe(false);
    expect(await collectUntil(() => pool.stats.returned === 1)).toBe(true);
    expect(pool.stats.freeBytes).toBe(64 * 32 * 4);
    // Another size does not take it.
    expect(pool.take(32, 64 + 1).reused).toBe(false);
    const again = pool.take(64, 32);
    expect(again.reused).toBe(true);
    expect(again.image.data[0]).toBe(7); // the same memory: whoever writes into it must overwrite or clear it
    expect(pool.stats).toMatchObject({ reused: 1, freeBytes: 0 });
    pool.dispose();
  });

  it('never gives out a buffer the page still holds', async () => {
    const pool = new PixelPool({ keeper });
    const held: Image[] = [];
    for (let i = 0; i < 4; i++) held.push(pool.take(16, 16).image);
    takeAndDrop(pool, 16, 16, 1);
    expect(await collectUntil(() => pool.stats.returned === 1)).toBe(true);
    for (let i = 0; i < 5; i++) gc();
    await new Promise((r) => setTimeout(r, 20));
    expect(pool.stats.returned).toBe(1); // the four held ones stay out
    const next = pool.take(16, 16);
    expect(held.some((h) => h.data.buffer === next.image.data.buffer)).toBe(false);
    pool.dispose();
  });

  it('an abandoned buffer (a failed step, whose bands may still write) never comes back', async () => {
    const pool = new PixelPool({ keeper });
    (() => {
      const { image } = pool.take(32, 32);
      pool.abandon(image);
    })();
    takeAndDrop(pool, 32, 32, 2);
    expect(await collectUntil(() => pool.stats.returned === 1)).toBe(true);
    for (let i = 0; i < 5; i++) gc();
    await new Promise((r) => setTimeout(r, 20));
    expect(pool.stats.returned).toBe(1);
    pool.dispose();
  });

  it('keeps at most maxFreeBytes of free buffers, and lets them go when unused for idleMs', async () => {
    let now = 0;
    const pool = new PixelPool({ keeper, maxFreeBytes: 2 * 1024, idleMs: 30, now: () => now });
    for (let i = 0; i < 4; i++) takeAndDrop(pool, 16, 16, i); // 1 kB each
    expect(await collectUntil(() => pool.stats.returned === 4)).toBe(true);
    expect(pool.stats.freeBytes).toBe(2 * 1024);
    now = 1000;
    expect(await collectUntil(() => pool.stats.freeBytes === 0)).toBe(true);
    expect(pool.take(16, 16).reused).toBe(false);
    pool.dispose();
  });

  it('without a keeper every buffer is new', async () => {
    const pool = new PixelPool({ keeper: null });
    takeAndDrop(pool, 16, 16, 1);
    for (let i = 0; i < 5; i++) gc();
    await new Promise((r) => setTimeout(r, 20));
    expect(pool.take(16, 16).reused).toBe(false);
    expect(pool.stats.returned).toBe(0);
  });
});
