import { defineOp } from '../types';
import { imageInput, numberParam, checkAbort } from '../image';
import { applyChannelLutsWasm } from '../pixels';
import meta from './meta';

/**
 * GIMP's legacy brightness/contrast curve on values v in 0..1, with b = brightness / 200 and
 * c = contrast / 100: brightness first scales towards black (b < 0: v·(1 + b)) or towards white
 * (b > 0: v + (1 − v)·b), then contrast tilts the line about mid-grey: (v − ½)·tan((c + 1)·π/4) + ½.
 */
function curve(brightness: number, contrast: number): Uint8Array {
  const b = brightness / 200;
  // tan(π/4) is 0.999…9 in floating point; use exactly 1 so zero contrast is a true identity.
  const slant = contrast === 0 ? 1 : Math.tan(((contrast / 100 + 1) * Math.PI) / 4);
  const lut = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    let v = i / 255;
    v = b < 0 ? v * (1 + b) : v + (1 - v) * b;
    v = (v - 0.5) * slant + 0.5;
    lut[i] = Math.round(Math.min(1, Math.max(0, v)) * 255);
  }
  return lut;
}

export default defineOp(meta, async (inputs, params, ctx) => {
  checkAbort(ctx.signal);
  const src = imageInput(inputs, 'image');
  const lut = curve(numberParam(params, 'brightness'), numberParam(params, 'contrast'));
  return { image: await applyChannelLutsWasm(src, lut, lut, lut, ctx) };
});
