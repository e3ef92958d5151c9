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

/** Level → level for one channel scaled by `gain` in linear light. */
function channelCurve(gain: number): Uint8Array {
  const lut = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    lut[i] = gain === 1 ? i : Math.round(linearToSrgb(Math.min(1, srgbToLinear(i / 255) * gain)) * 255);
  }
  return lut;
}

export default defineOp(meta, async (inputs, params, ctx) => {
  checkAbort(ctx.signal);
  const src = imageInput(inputs, 'image');
  const t = numberParam(params, 'temperature') / 100;
  const m = numberParam(params, 'tint') / 100;
  let gr = Math.pow(2, t);
  let gg = Math.pow(2, -m);
  let gb = Math.pow(2, -t);
  // Rec. 709 luminance of a neutral grey after the gains; dividing it out keeps greys as bright.
  const norm = 0.2126 * gr + 0.7152 * gg + 0.0722 * gb;
  if (t !== 0 || m !== 0) {
    gr /= norm;
    gg /= norm;
    gb /= norm;
  }
  const lr = channelCurve(gr);
  const lg = channelCurve(gg);
  const lb = channelCurve(gb);
  return { image: await applyChannelLutsWasm(src, lr, lg, lb, ctx) };
});
