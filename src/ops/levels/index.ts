import { defineOp } from '../types';
import { imageInput, numberParam, stringParam, checkAbort } from '../image';
import { applyChannelLutsWasm } from '../pixels';
import { rowLocal } from '../tiles';


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

const level = (label: string, description: string, value: number) =>
  ({ kind: 'number', label, description, default: value, min: 0, max: 255, step: 1, integer: true }) as const;

export default defineOp(
  {
    id: 'levels',
    version: 1,
    title: 'Levels',
    category: 'adjust',
    description:
      'Stretches the tones between an input black and white point to an output range, with a gamma for the mid-tones. ' +
      'Can work on all colour channels or just one. Alpha is kept.',
    keywords: ['black point', 'white point', 'tones', 'curves', 'stretch'],
    inputs: [{ name: 'image', type: 'image' }],
    outputs: [{ name: 'image', type: 'image' }],
    tile: rowLocal,
    params: {
      channel: {
        kind: 'select',
        label: 'Channel',
        default: 'rgb',
        options: [
          { value: 'rgb', label: 'RGB' },
          { value: 'r', label: 'Red' },
          { value: 'g', label: 'Green' },
          { value: 'b', label: 'Blue' },
        ],
      },
      inBlack: level('Input black', 'Levels at or below this become the output black.', 0),
      inWhite: level('Input white', 'Levels at or above this become the output white.', 255),
      gamma: {
        kind: 'number',
        label: 'Gamma',
        description: 'Above 1 brightens the mid-tones, below 1 darkens them.',
        default: 1,
        min: 0.1,
        max: 10,
        softMin: 0.1,
        softMax: 3,
        step: 0.01,
      },
      outBlack: level('Output black', 'The darkest level written.', 0),
      outWhite: level('Output white', 'The brightest level written; below output black inverts.', 255),
    },
  },
  async (inputs, params, ctx) => {
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
  },
);
