import { defineOp, type Image, type KernelContext } from '../types';
import { outputImage, imageInput, stringParam, boolParam, checkAbort } from '../image';
import { forEachBand, luma8 } from '../pixels';
import { resample, type Filter } from '../resize/resample';
import meta from './meta';

/** Streams the chosen mask channel, resampled to W × H, one row at a time into `applyRow`. */
function resampleMask(
  mask: Image,
  W: number,
  H: number,
  filter: Filter,
  level: (i: number) => number,
  applyRow: (y: number, values: Float64Array) => void,
  ctx: KernelContext,
): void {
  resample(
    mask.width,
    mask.height,
    W,
    H,
    filter,
    {
      channels: 1,
      readRow(y, dst) {
        for (let x = 0, i = y * mask.width * 4; x < mask.width; x++, i += 4) dst[x] = level(i);
      },
      writeRow: applyRow,
    },
    ctx,
  );
}

export default defineOp(meta, (inputs, params, ctx) => {
  const src = imageInput(inputs, 'image');
  // No mask connected: everything stays visible.
  if (inputs.mask === undefined) return { image: src };
  const mask = imageInput(inputs, 'mask');
  const source = stringParam(params, 'source');
  const invert = boolParam(params, 'invert');
  const { width: W, height: H } = src;
  const out = outputImage(ctx, W, H);
  const s = src.data;
  const d = out.data;
  const m = mask.data;

  // Mask value of pixel i (byte index) of the mask image, 0..255 before inversion.
  const level =
    source === 'alpha'
      ? (i: number) => m[i + 3]!
      : source === 'red'
        ? (i: number) => m[i]!
        : (i: number) => luma8(m[i]!, m[i + 1]!, m[i + 2]!);

  // Writes output row y given one mask value (0..255, any real) per pixel.
  const applyRow = (y: number, values: Float64Array | null): void => {
    for (let x = 0, o = y * W * 4; x < W; x++, o += 4) {
      let v = values ? values[x]! : level(o);
      v = v < 0 ? 0 : v > 255 ? 255 : v;
      if (invert) v = 255 - v;
      d[o] = s[o]!;
      d[o + 1] = s[o + 1]!;
      d[o + 2] = s[o + 2]!;
      d[o + 3] = (s[o + 3]! * v) / 255;
    }
  };

  if (mask.width === W && mask.height === H) {
    forEachBand(W, H, ctx, (y0, y1) => {
      for (let y = y0; y < y1; y++) applyRow(y, null);
    });
  } else {
    checkAbort(ctx.signal);
    resampleMask(mask, W, H, stringParam(params, 'scaling') as Filter, level, applyRow, ctx);
  }
  return { image: out };
});
