import { defineOp } from '../types';
import { outputImage, imageInput, stringParam, checkAbort } from '../image';
import { luma8 } from '../pixels';
import meta from './meta';

// Pixels between abort checks and progress reports: small enough to stop within a few ms.
const BAND = 1 << 20;

const OFFSET: Readonly<Record<string, number>> = { r: 0, g: 1, b: 2, a: 3 };

export default defineOp(meta, (inputs, params, ctx) => {
  checkAbort(ctx.signal);
  const src = imageInput(inputs, 'image');
  const channel = stringParam(params, 'channel');
  const out = outputImage(ctx, src.width, src.height);
  const s = src.data;
  const d = out.data;
  const n = s.length;
  const k = OFFSET[channel];
  for (let start = 0; start < n; start += BAND * 4) {
    checkAbort(ctx.signal);
    const end = Math.min(n, start + BAND * 4);
    if (k !== undefined) {
      for (let i = start; i < end; i += 4) {
        const v = s[i + k]!;
        d[i] = v;
        d[i + 1] = v;
        d[i + 2] = v;
        d[i + 3] = 255;
      }
    } else {
      for (let i = start; i < end; i += 4) {
        // The same luma as Grayscale, Threshold and Histogram.
        const v = luma8(s[i]!, s[i + 1]!, s[i + 2]!);
        d[i] = v;
        d[i + 1] = v;
        d[i + 2] = v;
        d[i + 3] = 255;
      }
    }
    ctx.progress(end / n);
  }
  return { image: out };
});
