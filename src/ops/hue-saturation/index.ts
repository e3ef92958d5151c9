import { defineOp } from '../types';
import { outputImage, imageInput, numberParam, checkAbort } from '../image';
import { rowLocal } from '../tiles';

// Pixels between abort checks and progress reports: small enough to stop within a few ms.
const BAND = 1 << 20;

/** One channel of HSL → RGB: p, q as in the usual construction, t the hue offset for the channel. */
function hueChannel(p: number, q: number, t: number): number {
  if (t < 0) t += 1;
  else if (t > 1) t -= 1;
  if (t < 1 / 6) return p + (q - p) * 6 * t;
  if (t < 1 / 2) return q;
  if (t < 2 / 3) return p + (q - p) * (2 / 3 - t) * 6;
  return p;
}

export default defineOp(
  {
    id: 'hue-saturation',
    version: 1,
    title: 'Hue / Saturation',
    category: 'adjust',
    description:
      'Works in HSL: turns every hue round the colour wheel, scales saturation (−100 gives grey, +100 doubles it) ' +
      'and moves lightness towards black (−100) or white (+100). Alpha is kept.',
    keywords: ['hsl', 'colour', 'color', 'vibrance', 'desaturate', 'lightness', 'tint'],
    inputs: [{ name: 'image', type: 'image' }],
    outputs: [{ name: 'image', type: 'image' }],
    tile: rowLocal,
    params: {
      hue: {
        kind: 'number',
        label: 'Hue',
        description: 'Turns every colour round the colour wheel by this many degrees.',
        default: 0,
        min: -180,
        max: 180,
        step: 1,
        unit: '°',
      },
      saturation: {
        kind: 'number',
        label: 'Saturation',
        description: '−100 removes all colour; +100 doubles the saturation.',
        default: 0,
        min: -100,
        max: 100,
        step: 1,
      },
      lightness: {
        kind: 'number',
        label: 'Lightness',
        description: '−100 makes everything black, +100 makes everything white.',
        default: 0,
        min: -100,
        max: 100,
        step: 1,
      },
    },
  },
  (inputs, params, ctx) => {
    checkAbort(ctx.signal);
    const src = imageInput(inputs, 'image');
    // Hue as a fraction of a turn in 0..1, so the shifted hue needs at most one wrap.
    let shift = numberParam(params, 'hue') / 360;
    if (shift < 0) shift += 1;
    const satScale = 1 + numberParam(params, 'saturation') / 100;
    const light = numberParam(params, 'lightness') / 100;
    const out = outputImage(ctx, src.width, src.height);
    const s = src.data;
    const d = out.data;
    const n = s.length;
    for (let start = 0; start < n; start += BAND * 4) {
      checkAbort(ctx.signal);
      const end = Math.min(n, start + BAND * 4);
      for (let i = start; i < end; i += 4) {
        const r = s[i]! / 255;
        const g = s[i + 1]! / 255;
        const b = s[i + 2]! / 255;
        const max = r > g ? (r > b ? r : b) : g > b ? g : b;
        const min = r < g ? (r < b ? r : b) : g < b ? g : b;
        let l = (max + min) / 2;
        const chroma = max - min;
        let sat = 0;
        let h = 0;
        if (chroma > 0) {
          sat = l > 0.5 ? chroma / (2 - max - min) : chroma / (max + min);
          if (max === r) h = (g - b) / chroma + (g < b ? 6 : 0);
          else if (max === g) h = (b - r) / chroma + 2;
          else h = (r - g) / chroma + 4;
          h = h / 6 + shift;
          if (h >= 1) h -= 1;
          sat *= satScale;
          if (sat > 1) sat = 1;
        }
        l = light < 0 ? l * (1 + light) : l + (1 - l) * light;
        if (sat === 0) {
          const v = Math.round(l * 255);
          d[i] = v;
          d[i + 1] = v;
          d[i + 2] = v;
        } else {
          const q = l < 0.5 ? l * (1 + sat) : l + sat - l * sat;
          const p = 2 * l - q;
          d[i] = Math.round(hueChannel(p, q, h + 1 / 3) * 255);
          d[i + 1] = Math.round(hueChannel(p, q, h) * 255);
          d[i + 2] = Math.round(hueChannel(p, q, h - 1 / 3) * 255);
        }
        d[i + 3] = s[i + 3]!;
      }
      ctx.progress(end / n);
    }
    return { image: out };
  },
);
