import { defineOp } from '../types';
import { imageInput, stringParam, checkAbort } from '../image';
import { pointwiseInWasm } from '../pixels';
import meta from './meta';

/**
 * Each weighted method as (A·R + B·G + C·B + OFF) >> 23 in 32-bit integers. The weights are the
 * method's own, scaled by 2²³ and rounded, and OFF is the rounding offset nudged so that the total
 * error stays in [0, 0.00004) of a level — below the smallest step of the exact formula (1/10000 of a
 * level for Rec. 709) — so every colour gets exactly the level of:
 *   rec709   ⌊(2126 R + 7152 G + 722 B + 5000) / 10000⌋   (`luma8`: Histogram, Threshold … agree)
 *   rec601   ⌊(299 R + 587 G + 114 B + 500) / 1000⌋
 *   average  round((R + G + B) / 3) = ⌊(R + G + B + 1) / 3⌋ (a third never ties)
 * tests/unit/ops/grayscale.test.ts checks all 2²⁴ colours.
 */
export const GRAY_WEIGHTS: Readonly<Record<string, readonly [a: number, b: number, c: number, off: number]>> = {
  rec709: [1783418, 5999532, 605657, 4194559],
  rec601: [2508194, 4924113, 956301, 4194384],
  average: [2796203, 2796203, 2796203, 2796203],
};

export default defineOp(meta, async (inputs, params, ctx) => {
  checkAbort(ctx.signal);
  const src = imageInput(inputs, 'image');
  const method = stringParam(params, 'method');
  // Any other method is Lightness, (max + min + 1) >> 1 of R, G and B.
  const weights = GRAY_WEIGHTS[method];
  const image = await pointwiseInWasm(
    src,
    ctx,
    () => 0,
    (k, ptr, m) => {
      if (weights) k.fn.grayWeighted(ptr, ptr, m, weights[0], weights[1], weights[2], weights[3]);
      else k.fn.grayLightness(ptr, ptr, m);
    },
  );
  return { image };
});
