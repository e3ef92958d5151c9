import { defineOp } from '../types';
import { imageInput, checkAbort } from '../image';
import { pointwiseInWasm } from '../pixels';
import meta from './meta';

export default defineOp(meta, async (inputs, _params, ctx) => {
  checkAbort(ctx.signal);
  const src = imageInput(inputs, 'image');
  // SIMD XOR with 0x00ffffff per pixel (little-endian RGBA): 255 − v on colour, alpha kept
  const image = await pointwiseInWasm(src, ctx, () => 0, (k, ptr, m) => k.fn.invertColours(ptr, ptr, m));
  return { image };
});
