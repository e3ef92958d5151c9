import { defineOp } from '../types';
import { imageInput, numberParam, checkAbort } from '../image';
import { applyChannelLutsWasm } from '../pixels';
import meta from './meta';

export default defineOp(meta, async (inputs, params, ctx) => {
  checkAbort(ctx.signal);
  const src = imageInput(inputs, 'image');
  const levels = numberParam(params, 'levels');
  // Band k = floor(v · levels / 256) maps to round(k · 255 / (levels − 1)).
  const lut = new Uint8Array(256);
  for (let i = 0; i < 256; i++) lut[i] = Math.round((Math.floor((i * levels) / 256) * 255) / (levels - 1));
  return { image: await applyChannelLutsWasm(src, lut, lut, lut, ctx) };
});
