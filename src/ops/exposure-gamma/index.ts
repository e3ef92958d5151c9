import { defineOp } from '../types';
import { imageInput, numberParam, checkAbort } from '../image';
import { applyChannelLuts } from '../pixels';
import { rowLocal } from '../tiles';


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

export default defineOp(
  {
    id: 'exposure-gamma',
    version: 1,
    title: 'Exposure / Gamma',
    category: 'adjust',
    description:
      'Changes exposure in photographic stops (+1 doubles the light), adds an offset, then applies a gamma curve. ' +
      'Works in linear light: colours are converted from sRGB, adjusted, and converted back. Alpha is kept.',
    keywords: ['stops', 'ev', 'brightness', 'linear'],
    inputs: [{ name: 'image', type: 'image' }],
    outputs: [{ name: 'image', type: 'image' }],
    tile: rowLocal,
    params: {
      exposure: {
        kind: 'number',
        label: 'Exposure',
        description: 'In stops: +1 doubles the light, −1 halves it.',
        default: 0,
        min: -5,
        max: 5,
        softMin: -3,
        softMax: 3,
        step: 0.01,
        unit: 'EV',
      },
      offset: {
        kind: 'number',
        label: 'Offset',
        description: 'Added to the linear light after exposure; below 0 deepens shadows, above 0 lifts them.',
        default: 0,
        min: -0.5,
        max: 0.5,
        softMin: -0.1,
        softMax: 0.1,
        step: 0.001,
      },
      gamma: {
        kind: 'number',
        label: 'Gamma',
        description: 'Above 1 brightens the mid-tones, below 1 darkens them; black and white stay put.',
        default: 1,
        min: 0.1,
        max: 5,
        softMin: 0.2,
        softMax: 3,
        step: 0.01,
      },
    },
  },
  (inputs, params, ctx) => {
    checkAbort(ctx.signal);
    const src = imageInput(inputs, 'image');
    const lut = curve(numberParam(params, 'exposure'), numberParam(params, 'gamma'), numberParam(params, 'offset'));
    return { image: applyChannelLuts(src, lut, lut, lut, ctx) };
  },
);
