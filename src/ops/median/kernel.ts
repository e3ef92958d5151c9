import { defineOp } from '../types';
import { checkAbort, imageInput, numberParam } from '../image';
import { loadKernels, bandRows } from '../../wasm';
import { Passes, copyOut } from '../passes';
import meta from './meta';

/** Output columns per call of medianStripe (STRIPE in src/wasm/assembly/median.ts). */
const STRIPE = 256;
/** Blocks of 16 columns per call of medianNet: a 16th of a 4000-wide channel, ~5 ms at radius 5. */
const NET_BLOCKS = 16;

export default defineOp(meta, async (inputs, params, ctx) => {
  const src = imageInput(inputs, 'image');
  const r = numberParam(params, 'radius');
  const { width: w, height: h } = src;
  checkAbort(ctx.signal);
  const k = await loadKernels();
  const arena = k.arena();
  const p = arena.copyIn(src.data);
  // The histogram path filters channel by channel: where every alpha is 255 the alpha channel's
  // median is 255 everywhere, already in place, and is skipped (a quarter of the work).
  const channels = r > 2 && k.fn.isOpaque(p, w * h) ? 3 : 4;
  // progress in pixels: splitting into planes costs about a fiftieth of one channel's median
  const passes = new Passes(ctx, channels * w * h + (w * h) / 50);
  if (r === 1) {
    // 3×3: bytewise min/max on sorted columns, all four channels at once, about 30× faster
    const stride = ((w + 6) & ~3) * 4;
    const scratch = arena.alloc(6 * stride + 256);
    const out = arena.alloc(w * h * 4);
    k.fn.medianSmallSetup(w, h, p, out, scratch);
    passes.bands(h, bandRows(w), (a, b) => k.fn.medianSmall(a, b), false, 4 * w + w / 50);
    return { image: copyOut(arena, out, w, h, ctx.tile) };
  }
  if (r === 2) {
    // 5×5: a selection network on bytes, four pixels and all channels at once (src/wasm/assembly/median.ts)
    const scratch = arena.alloc(k.fn.median5Scratch(w));
    const out = arena.alloc(w * h * 4);
    k.fn.median5Setup(w, h, p, out, scratch);
    passes.bands(h, bandRows(w, 1 << 16), (a, b) => k.fn.median5(a, b), false, 4 * w + w / 50);
    return { image: copyOut(arena, out, w, h, ctx.tile) };
  }
  if (k.fn.medianNetHas(r)) {
    // 7×7 to 13×13: generated networks on rows sorted across (src/wasm/assembly/median.ts)
    const planes = arena.alloc(4 * h * k.fn.medianNetStride(w, r));
    const medians = arena.alloc(k.fn.medianNetOutBytes(w, h));
    const scratch = arena.alloc(k.fn.medianNetScratch(r));
    k.fn.medianNetSetup(w, h, p, p, r, planes, medians, scratch);
    passes.bands(h, bandRows(w, 1 << 22), (a, b) => k.fn.medianNetDeinterleave(a, b), false, w / 100);
    const blocks = Math.ceil(w / 16);
    for (let ch = 0; ch < channels; ch++) {
      passes.bands(blocks, NET_BLOCKS, (a, b) => k.fn.medianNet(ch, a, b), false, (w * h) / blocks);
    }
    passes.bands(h, bandRows(w, 1 << 22), (a, b) => k.fn.medianNetInterleave(a, b, channels), false, w / 100);
    return { image: copyOut(arena, p, w, h, ctx.tile) };
  }
  const planes = arena.alloc(w * h * 4);
  const hist = arena.alloc((STRIPE + 2 * r) * 544 + 1024);
  k.fn.medianSetup(w, h, p, p, r, planes, hist);
  passes.bands(h, bandRows(w, 1 << 22), (a, b) => k.fn.medianDeinterleave(a, b), false, w / 50);
  for (let ch = 0; ch < channels; ch++) {
    passes.bands(w, STRIPE, (a, b) => k.fn.medianStripe(ch, a, b), false, h);
  }
  return { image: copyOut(arena, p, w, h, ctx.tile) };
});
