import { defineOp } from '../types';
import { outputImage, imageInput, numberParam, stringParam, checkAbort } from '../image';
import { luma8 } from '../pixels';
import meta from './meta';

// Pixels between abort checks and progress reports: small enough to stop within a few ms.
const BAND = 1 << 20;

export default defineOp(meta, (inputs, params, ctx) => {
  checkAbort(ctx.signal);
  const src = imageInput(inputs, 'image');
  const level = numberParam(params, 'level');
  const perChannel = stringParam(params, 'mode') === 'channels';
  const lut = new Uint8Array(256);
  for (let i = 0; i < 256; i++) lut[i] = i >= level ? 255 : 0;
  const out = outputImage(ctx, src.width, src.height);
  const s = src.data;
  const d = out.data;
  const n = s.length;
  for (let start = 0; start < n; start += BAND * 4) {
    checkAbort(ctx.signal);
    const end = Math.min(n, start + BAND * 4);
    if (perChannel) {
      for (let i = start; i < end; i += 4) {
        d[i] = lut[s[i]!]!;
        d[i + 1] = lut[s[i + 1]!]!;
        d[i + 2] = lut[s[i + 2]!]!;
        d[i + 3] = s[i + 3]!;
      }
    } else {
      for (let i = start; i < end; i += 4) {
        // The same luma as Grayscale and Histogram, so threshold(grayscale(x)) equals threshold(x).
        const v = lut[luma8(s[i]!, s[i + 1]!, s[i + 2]!)]!;
        d[i] = v;
        d[i + 1] = v;
        d[i + 2] = v;
        d[i + 3] = s[i + 3]!;
      }
    }
    ctx.progress(end / n);
  }
  return { image: out };
});
