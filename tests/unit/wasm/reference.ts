// Straightforward reference implementations for the filter kernels: slow, obviously correct, in
// float64. Edges extend (clamp-to-edge) as in the kernels.
import { createImage } from '../../../src/ops/image';
import type { Image } from '../../../src/ops/types';

export const clamp = (i: number, n: number): number => (i < 0 ? 0 : i >= n ? n - 1 : i);

/** RGBA as float64, colour premultiplied by alpha/255 (alpha itself unchanged). */
export function premultiplied(img: Image): Float64Array {
  const out = new Float64Array(img.data.length);
  for (let i = 0; i < out.length; i += 4) {
    const a = img.data[i + 3]!;
    for (let c = 0; c < 3; c++) out[i + c] = (img.data[i + c]! * a) / 255;
    out[i + 3] = a;
  }
  return out;
}

/** Back to straight 8-bit: colour × 255 / alpha; alpha rounding to 0 gives transparent black. */
export function unpremultiplied(w: number, h: number, p: Float64Array): Image {
  const out = createImage(w, h);
  for (let i = 0; i < p.length; i += 4) {
    const a = p[i + 3]!;
    if (a < 0.5) continue;
    for (let c = 0; c < 3; c++) out.data[i + c] = Math.round((p[i + c]! * 255) / a);
    out.data[i + 3] = Math.round(a);
  }
  return out;
}

/** Direct 2-D correlation of float RGBA with a (2rx+1)×(2ry+1) weight function, clamped edges. */
export function convolve2d(w: number, h: number, src: Float64Array, rx: number, ry: number, weight: (dx: number, dy: number) => number): Float64Array {
  const out = new Float64Array(src.length);
  const ws: number[] = [];
  for (let dy = -ry; dy <= ry; dy++) for (let dx = -rx; dx <= rx; dx++) ws.push(weight(dx, dy));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let r = 0, g = 0, b = 0, a = 0, k = 0;
      for (let dy = -ry; dy <= ry; dy++) {
        const row = clamp(y + dy, h) * w;
        for (let dx = -rx; dx <= rx; dx++) {
          const wt = ws[k++]!;
          if (wt === 0) continue;
          const i = (row + clamp(x + dx, w)) * 4;
          r += wt * src[i]!;
          g += wt * src[i + 1]!;
          b += wt * src[i + 2]!;
          a += wt * src[i + 3]!;
        }
      }
      const o = (y * w + x) * 4;
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      out[o + 3] = a;
    }
  }
  return out;
}

/** 1-D correlation along x (axis 0) or y (axis 1) with weights w[-r..r] (index k + r). */
export function convolve1d(w: number, h: number, src: Float64Array, axis: 0 | 1, weights: readonly number[]): Float64Array {
  const r = (weights.length - 1) / 2;
  const out = new Float64Array(src.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 4;
      for (let k = -r; k <= r; k++) {
        const i = axis === 0 ? (y * w + clamp(x + k, w)) * 4 : (clamp(y + k, h) * w + x) * 4;
        const wt = weights[k + r]!;
        for (let c = 0; c < 4; c++) out[o + c]! += wt * src[i + c]!;
      }
    }
  }
  return out;
}

/** The sampled gaussian on [-R, R], R = ceil(4 sigma), normalised to sum 1. */
export function gaussianWeights(sigma: number): number[] {
  const r = Math.ceil(4 * sigma);
  const w: number[] = [];
  for (let k = -r; k <= r; k++) w.push(Math.exp((-k * k) / (2 * sigma * sigma)));
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / s);
}

/**
 * Exact gaussian blur of premultiplied colour. The 2-D kernel is the product g(x)·g(y), so two
 * 1-D passes compute exactly the direct 2-D convolution (the tests check that on small cases)
 * at a cost that stays reasonable for large sigma.
 */
export function gaussianReference(img: Image, sigma: number): Image {
  const wts = gaussianWeights(sigma);
  const p = premultiplied(img);
  const out = convolve1d(img.width, img.height, convolve1d(img.width, img.height, p, 0, wts), 1, wts);
  return unpremultiplied(img.width, img.height, out);
}

/** Largest difference of premultiplied colour and of alpha (colour of near-transparent pixels is noise). */
export function maxPremultipliedDiff(a: Image, b: Image): number {
  let m = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    const aa = a.data[i + 3]!, ba = b.data[i + 3]!;
    m = Math.max(m, Math.abs(aa - ba));
    for (let c = 0; c < 3; c++) m = Math.max(m, Math.abs((a.data[i + c]! * aa) / 255 - (b.data[i + c]! * ba) / 255));
  }
  return m;
}
