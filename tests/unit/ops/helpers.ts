// Shared helpers for kernel tests: deterministic random images, a context that never aborts, and
// byte comparisons that stay fast on megabyte buffers (never `toEqual` on large typed arrays).
import { createImage } from '../../../src/ops/image';
import type { Image, KernelContext } from '../../../src/ops/types';

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
