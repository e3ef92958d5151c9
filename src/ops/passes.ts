// What kernels that run in WebAssembly (src/wasm) need on the operations' side: copying a result
// out of wasm memory as an image (or straight into a band's target) and driving passes band by
// band with abort checks and progress. src/wasm itself knows nothing of images or kernels.

import type { Arena } from '../wasm';
import { checkAbort, createImage, fitsTile } from './image';
import type { Image, KernelContext, TileTarget } from './types';

/**
 * A new image holding the w×h RGBA pixels at `ptr` in the arena's memory. With a band's target (a
 * kernel's `ctx.tile`, see tiles.ts), only the band's own rows are copied, straight into the
 * step's shared output, and the target is returned.
 */
export function copyOut(arena: Arena, ptr: number, width: number, height: number, tile?: TileTarget): Image {
  if (fitsTile(tile, width, height)) {
    const row = width * 4;
    tile.into.data.set(arena.bytes(ptr + tile.from * row, (tile.to - tile.from) * row));
    return tile.into;
  }
  const out = createImage(width, height);
  out.data.set(arena.bytes(ptr, width * height * 4));
  return out;
}

/**
 * Drives a kernel's passes: checks for cancellation before each band and reports overall
 * progress. `total` is the sum of all units the passes will report.
 */
export class Passes {
  #done = 0;
  readonly #ctx: KernelContext;
  readonly #total: number;

  constructor(ctx: KernelContext, total: number) {
    this.#ctx = ctx;
    this.#total = Math.max(1, total);
    checkAbort(ctx.signal);
  }

  /**
   * Calls `fn(a, b)` for consecutive bands [a, b) of [0, n), in order (or bottom first if
   * `reverse`); each band counts (b - a) × `weight` units of progress.
   */
  bands(n: number, size: number, fn: (a: number, b: number) => void, reverse = false, weight = 1): void {
    const step = Math.max(1, Math.floor(size));
    if (reverse) {
      for (let b = n; b > 0; b -= step) this.#run(Math.max(0, b - step), b, fn, weight);
    } else {
      for (let a = 0; a < n; a += step) this.#run(a, Math.min(n, a + step), fn, weight);
    }
  }

  /** Runs one indivisible step worth `units`. */
  step(units: number, fn: () => void): void {
    this.#run(0, units, fn, 1);
  }

  #run(a: number, b: number, fn: (a: number, b: number) => void, weight: number): void {
    checkAbort(this.#ctx.signal);
    fn(a, b);
    this.#done += (b - a) * weight;
    const f = this.#done / this.#total;
    // fractional weights may sum to a hair under the total: the last band reports exactly 1
    this.#ctx.progress(f > 1 - 1e-9 ? 1 : f);
  }
}

