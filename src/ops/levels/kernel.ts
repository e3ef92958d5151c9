import { defineOp } from '../types';
import { imageInput, numberParam, stringParam, checkAbort } from '../image';
import { applyChannelLutsWasm } from '../pixels';
import meta from './meta';

/**
 * t = (v − inBlack) / (inWhite − inBlack) clamped to 0..1, then t^(1/gamma), then
 * outBlack + t · (outWhite − outBlack), rounded. When inWhite ≤ inBlack the input range has no
 * width, so the curve is a hard step at inBlack.
 */
function curve(inBlack: number, inWhite: number, gamma: number, outBlack: number, outWhite: number): Uint8Array {
  const lut = new Uint8Array(256);
  const width = inWhite - inBlack;
  for (let i = 0; i < 256; i++) {
    let t = width > 0 ? Math.min(1, Math.max(0, (i - inBlack) / width)) : i >= inBlack ? 1 : 0;
    if (gamma !== 1) t = Math.pow(t, 1 / gamma);
    lut[i] = Math.round(outBlack + t * (outWhite - outBlack));
  }
  return lut;
}

function identity(): Uint8Array {
  const lut = new Uint8Array(256);
  for (let i = 0; i < 256; i++) lut[i] = i;
  return lut;
}

export default defineOp(meta, async (inputs, params, ctx) => {
  checkAbort(ctx.signal);
  const src = imageInput(inputs, 'image');
  const channel = stringParam(params, 'channel');
  const lut = curve(
    numberParam(params, 'inBlack'),
    numberParam(params, 'inWhite'),
    numberParam(params, 'gamma'),
    numberParam(params, 'outBlack'),
    numberParam(params, 'outWhite'),
  );
  const same = identity();
  const lr = channel === 'rgb' || channel === 'r' ? lut : same;
  const lg = channel === 'rgb' || channel === 'g' ? lut : same;
  const lb = channel === 'rgb' || channel === 'b' ? lut : same;
  return { image: await applyChannelLutsWasm(src, lr, lg, lb, ctx) };
});
