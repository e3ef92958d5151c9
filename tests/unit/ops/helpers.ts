// Shared helpers for kernel tests: deterministic random images, a context that never aborts, and
// byte comparisons that stay fast on megabyte buffers (never `toEqual` on large typed arrays).
import { expect, test } from 'vitest';
import { createImage } from '../../../src/ops/image';
import type { Params } from '../../../src/engine/op';
import { resolveParams } from '../../../src/engine/params';
import type { Image, KernelContext, OpDef } from '../../../src/ops/types';

/** A deterministic pseudo-random generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomImage(width: number, height: number, seed = 1, opaque = false): Image {
  const img = createImage(width, height);
  const r = rng(seed);
  for (let i = 0; i < img.data.length; i++) img.data[i] = opaque && (i & 3) === 3 ? 255 : Math.floor(r() * 256);
  return img;
}

export function ctx(signal: AbortSignal = new AbortController().signal, onProgress?: (p: number) => void): KernelContext {
  return { signal, progress: (p) => onProgress?.(p) };
}

/** Largest absolute difference between two byte arrays of equal length (throws if lengths differ). */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (d > m) m = d;
  }
  return m;
}

export function sameBytes(a: Uint8ClampedArray | Uint8Array, b: Uint8ClampedArray | Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

type RunImage = (img: Image, params?: Params, c?: KernelContext) => Promise<Image>;

/**
 * What every image kernel owes its callers, as tests: determinism, inputs left untouched, prompt
 * abort (before and during a run) and progress that rises to 1. `params` are the non-trivial
 * parameters to exercise; the image for the abort and progress tests is just over one band.
 */
export function imageKernelContract(run: RunImage, params: Params): void {
  test('two runs give identical bytes', async () => {
    const img = randomImage(64, 9, 4);
    const a = await run(img, params);
    const b = await run(img, params);
    expect(sameBytes(a.data, b.data)).toBe(true);
  });

  test('leaves the input untouched', async () => {
    const img = randomImage(40, 10, 5);
    const before = img.data.slice();
    await run(img, params);
    expect(sameBytes(img.data, before)).toBe(true);
  });

  test('throws when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(run(randomImage(3, 7), {}, ctx(ac.signal))).rejects.toMatchObject({ name: 'AbortError' });
  });

  test('stops at the next band when aborted while running', async () => {
    const ac = new AbortController();
    const img = createImage(1024, 1025); // just over one band of 2^20 pixels
    await expect(run(img, {}, ctx(ac.signal, () => ac.abort()))).rejects.toMatchObject({ name: 'AbortError' });
  });

  test('reports progress that rises to 1', async () => {
    const seen: number[] = [];
    await run(createImage(1024, 1025), {}, ctx(undefined, (p) => seen.push(p)));
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.every((p, i) => i === 0 || p > seen[i - 1]!)).toBe(true);
    expect(seen.at(-1)).toBe(1);
  });
}

/** Runs a one-image-in, one-image-out operation with its parameters resolved as the engine would. */
export function imageRunner(op: OpDef): RunImage {
  return async (img, params = {}, c = ctx()) => (await op.kernel({ image: img }, resolveParams(op, params), c)).image as Image;
}

/** Every level on every channel, in greys and in mixed colours, with varied alpha (256×2). */
export function edgeImage(): Image {
  const img = createImage(256, 2);
  for (let i = 0; i < 256; i++) {
    img.data.set([i, i, i, 255 - i], i * 4);
    img.data.set([i, 255 - i, (i * 37) & 255, i], (256 + i) * 4);
  }
  return img;
}

/** The alpha bytes of an RGBA buffer. */
export function alpha(d: Uint8ClampedArray): Uint8Array {
  const a = new Uint8Array(d.length / 4);
  for (let i = 0; i < a.length; i++) a[i] = d[i * 4 + 3]!;
  return a;
}
