import { defineOp } from '../types';
import { outputImage, imageInput, checkAbort } from '../image';
import { pixels32 } from '../pixels';
import meta from './meta';

export default defineOp(meta, (inputs, _params, ctx) => {
  const src = imageInput(inputs, 'image');
  const out = outputImage(ctx, src.width, src.height);
  // 32-bit lanes: XOR flips the three colour bytes of a pixel in one operation (little-endian RGBA).
  const s = pixels32(src);
  const d = pixels32(out);
  const band = 1 << 20;
  for (let start = 0; start < s.length; start += band) {
    checkAbort(ctx.signal);
    const end = Math.min(s.length, start + band);
    for (let i = start; i < end; i++) d[i] = s[i]! ^ 0x00ffffff;
    ctx.progress(end / s.length);
  }
  return { image: out };
});
