import { defineOp } from '../types';
import { imageInput, numberParam, checkAbort } from '../image';
import { applyChannelLutsWasm } from '../pixels';
import meta from './meta';

function srgbToLinear(c: number): number {
  return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
}

function linearToSrgb(l: number): number {
  return l <= 0.0031308 ? l * 12.92 : 1.055 * Math.pow(l, 1 / 2.4) - 0.055;
}

/**
 * Per level: decode sRGB to linear light, x = linear · 2^exposure + offset, then x^(1/gamma),
 * clamp to 0..1 and encode back to sRGB. Working in linear light makes one stop exactly double
 * the light, as a camera's exposure would.
 */
function curve(exposure: number, gamma: number, offset: number): Uint8Array {
  const gain = Math.pow(2, exposure);
  const lut = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    let x = srgbToLinear(i / 255) * gain + offset;
    x = x <= 0 ? 0 : gamma === 1 ? x : Math.pow(x, 1 / gamma);
    lut[i] = Math.round(linearToSrgb(Math.min(1, x)) * 255);
  }
  return lut;
}

export default defineOp(meta, async (inputs, params, ctx) => {
  checkAbort(ctx.signal);
  const src = imageInput(inputs, 'image');
  const lut = curve(numberParam(params, 'exposure'), numberParam(params, 'gamma'), numberParam(params, 'offset'));
  return { image: await applyChannelLutsWasm(src, lut, lut, lut, ctx) };
});
