import { defineOp } from '../types';
import { createImage, imageInput, stringParam, checkAbort } from '../image';
import { luma8 } from '../pixels';

// Pixels between abort checks and progress reports: small enough to stop within a few ms.
const BAND = 1 << 20;

/**
 * Rec. 601 luma 0.299 R + 0.587 G + 0.114 B, rounded half up. Integer maths rounds exactly, as
 * `luma8` does for Rec. 709 (floating point misrounds ties such as 15.5).
 */
function luma601(r: number, g: number, b: number): number {
  return ((299 * r + 587 * g + 114 * b + 500) / 1000) | 0;
}

export default defineOp(
  {
    id: 'grayscale',
    version: 1,
    title: 'Grayscale',
    category: 'adjust',
    description:
      'Removes colour. Luma weights red, green and blue by how bright they look (Rec. 709 for modern screens, ' +
      'Rec. 601 for older video); Average takes their mean; Lightness is halfway between the brightest and darkest channel. Alpha is kept.',
    keywords: ['greyscale', 'gray', 'grey', 'black and white', 'monochrome', 'desaturate', 'luma'],
    inputs: [{ name: 'image', type: 'image' }],
    outputs: [{ name: 'image', type: 'image' }],
    params: {
      method: {
        kind: 'select',
        label: 'Method',
        default: 'rec709',
        options: [
          { value: 'rec709', label: 'Luma (Rec. 709)' },
          { value: 'rec601', label: 'Luma (Rec. 601)' },
          { value: 'average', label: 'Average' },
          { value: 'lightness', label: 'Lightness' },
        ],
      },
    },
  },
  (inputs, params, ctx) => {
    checkAbort(ctx.signal);
    const src = imageInput(inputs, 'image');
    const method = stringParam(params, 'method');
    const out = createImage(src.width, src.height);
    const s = src.data;
    const d = out.data;
    const n = s.length;
    // The mean of three levels, rounded, indexed by their sum (0..765).
    const mean = new Uint8Array(766);
    for (let i = 0; i < 766; i++) mean[i] = Math.round(i / 3);
    for (let start = 0; start < n; start += BAND * 4) {
      checkAbort(ctx.signal);
      const end = Math.min(n, start + BAND * 4);
      // One loop per method keeps the per-pixel path free of branches on the method.
      if (method === 'rec709') {
        // The same luma as Histogram, Statistics, Threshold and Extract Channel.
        for (let i = start; i < end; i += 4) {
          const y = luma8(s[i]!, s[i + 1]!, s[i + 2]!);
          d[i] = y;
          d[i + 1] = y;
          d[i + 2] = y;
          d[i + 3] = s[i + 3]!;
        }
      } else if (method === 'rec601') {
        for (let i = start; i < end; i += 4) {
          const y = luma601(s[i]!, s[i + 1]!, s[i + 2]!);
          d[i] = y;
          d[i + 1] = y;
          d[i + 2] = y;
          d[i + 3] = s[i + 3]!;
        }
      } else if (method === 'average') {
        for (let i = start; i < end; i += 4) {
          const y = mean[s[i]! + s[i + 1]! + s[i + 2]!]!;
          d[i] = y;
          d[i + 1] = y;
          d[i + 2] = y;
          d[i + 3] = s[i + 3]!;
        }
      } else {
        for (let i = start; i < end; i += 4) {
          const r = s[i]!;
          const g = s[i + 1]!;
          const b = s[i + 2]!;
          const max = r > g ? (r > b ? r : b) : g > b ? g : b;
          const min = r < g ? (r < b ? r : b) : g < b ? g : b;
          const y = (max + min + 1) >> 1;
          d[i] = y;
          d[i + 1] = y;
          d[i + 2] = y;
          d[i + 3] = s[i + 3]!;
        }
      }
      ctx.progress(end / n);
    }
    return { image: out };
  },
);
