// Reference results: the textbook definition of each operation in double precision, written for
// clarity rather than speed, computed once per run. Every implementation's output (ours and the
// anchors') is compared with these. Edges extend (the nearest pixel repeats), as in Pipette.

import type { Rgba } from './image';

const clamp = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);

/** Exact sampled gaussian to ±4σ, separable; colour channels; alpha copied (the test image is opaque). */
export function gaussianRef(src: Rgba, sigma: number): Rgba {
  const { width: w, height: h } = src;
  const R = Math.ceil(4 * sigma);
  const wt = new Float64Array(2 * R + 1);
  let sum = 0;
  for (let k = -R; k <= R; k++) sum += wt[k + R] = Math.exp(-(k * k) / (2 * sigma * sigma));
  for (let k = 0; k < wt.length; k++) wt[k]! /= sum;
  const out = new Uint8ClampedArray(w * h * 4);
  const tmp = new Float64Array(w * h);
  const pad = new Float64Array(w + 2 * R);
  const acc = new Float64Array(w);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < h; y++) {
      const row = y * w;
      for (let i = 0; i < w + 2 * R; i++) pad[i] = src.data[(row + clamp(i - R, 0, w - 1)) * 4 + c]!;
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let k = 0; k <= 2 * R; k++) s += wt[k]! * pad[x + k]!;
        tmp[row + x] = s;
      }
    }
    for (let y = 0; y < h; y++) {
      acc.fill(0);
      for (let k = 0; k <= 2 * R; k++) {
        const r = clamp(y - R + k, 0, h - 1) * w;
        const f = wt[k]!;
        for (let x = 0; x < w; x++) acc[x] += f * tmp[r + x]!;
      }
      const row = y * w;
      for (let x = 0; x < w; x++) out[(row + x) * 4 + c] = Math.round(acc[x]!);
    }
  }
  for (let i = 3; i < out.length; i += 4) out[i] = src.data[i]!;
  return { width: w, height: h, data: out };
}

function lanczos3(t: number): number {
  if (t === 0) return 1;
  if (t <= -3 || t >= 3) return 0;
  const p = Math.PI * t;
  return (3 * Math.sin(p) * Math.sin(p / 3)) / (p * p);
}

interface Taps {
  readonly start: Int32Array;
  readonly count: Int32Array;
  readonly index: Int32Array;
  readonly weight: Float64Array;
  readonly n: number;
}

/** Lanczos-3 taps for resampling `inSize` to `outSize` pixels, centres aligned, kernel widened when shrinking. */
export function lanczosTaps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  const support = 3 * Math.max(1, scale);
  const n = Math.ceil(2 * support) + 2;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const index = new Int32Array(outSize * n);
  const weight = new Float64Array(outSize * n);
  const f = Math.max(1, scale);
  for (let o = 0; o < outSize; o++) {
    const centre = (o + 0.5) * scale - 0.5;
    const lo = Math.ceil(centre - support);
    const hi = Math.floor(centre + support);
    let sum = 0;
    let k = 0;
    for (let i = lo; i <= hi; i++, k++) {
      const wv = lanczos3((i - centre) / f);
      index[o * n + k] = clamp(i, 0, inSize - 1);
      weight[o * n + k] = wv;
      sum += wv;
    }
    for (let j = 0; j < k; j++) weight[o * n + j]! /= sum;
    start[o] = o * n;
    count[o] = k;
  }
  return { start, count, index, weight, n };
}

/** Lanczos-3 resize of all four channels, separable, in double precision. */
export function resizeRef(src: Rgba, ow: number, oh: number): Rgba {
  const { width: w, height: h } = src;
  const tx = lanczosTaps(w, ow);
  const ty = lanczosTaps(h, oh);
  const tmp = new Float64Array(ow * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < ow; x++) {
      const s = tx.start[x]!;
      for (let c = 0; c < 4; c++) {
        let acc = 0;
        for (let k = 0; k < tx.count[x]!; k++) acc += tx.weight[s + k]! * src.data[(y * w + tx.index[s + k]!) * 4 + c]!;
        tmp[(y * ow + x) * 4 + c] = acc;
      }
    }
  }
  const out = new Uint8ClampedArray(ow * oh * 4);
  for (let y = 0; y < oh; y++) {
    const s = ty.start[y]!;
    for (let x = 0; x < ow; x++) {
      for (let c = 0; c < 4; c++) {
        let acc = 0;
        for (let k = 0; k < ty.count[y]!; k++) acc += ty.weight[s + k]! * tmp[(ty.index[s + k]! * ow + x) * 4 + c]!;
        out[(y * ow + x) * 4 + c] = Math.round(acc);
      }
    }
  }
  return { width: ow, height: oh, data: out };
}

/** GIMP's legacy brightness/contrast (Pipette's definition), per value, in double precision. */
export function brightnessContrastValue(v8: number, brightness: number, contrast: number): number {
  const b = brightness / 200;
  const slant = Math.tan(((contrast / 100 + 1) * Math.PI) / 4);
  let v = v8 / 255;
  v = b < 0 ? v * (1 + b) : v + (1 - v) * b;
  v = (v - 0.5) * slant + 0.5;
  return Math.round(clamp(v, 0, 1) * 255);
}

export function brightnessContrastRef(src: Rgba, brightness: number, contrast: number): Rgba {
  const out = new Uint8ClampedArray(src.data.length);
  for (let i = 0; i < out.length; i += 4) {
    out[i] = brightnessContrastValue(src.data[i]!, brightness, contrast);
    out[i + 1] = brightnessContrastValue(src.data[i + 1]!, brightness, contrast);
    out[i + 2] = brightnessContrastValue(src.data[i + 2]!, brightness, contrast);
    out[i + 3] = src.data[i + 3]!;
  }
  return { width: src.width, height: src.height, data: out };
}

/** Levels (Pipette's definition), per value in double precision: (v − black) / (white − black), ^(1/γ), × 255. */
export function levelsRef(src: Rgba, inBlack: number, inWhite: number, gamma: number): Rgba {
  const out = new Uint8ClampedArray(src.data.length);
  const d = src.data;
  for (let i = 0; i < out.length; i++) {
    out[i] = (i & 3) === 3 ? d[i]! : Math.round(Math.pow(clamp((d[i]! - inBlack) / (inWhite - inBlack), 0, 1), 1 / gamma) * 255);
  }
  return { width: src.width, height: src.height, data: out };
}

/** 255 − v on colour, alpha kept. */
export function invertRef(src: Rgba): Rgba {
  const out = new Uint8ClampedArray(src.data.length);
  const d = src.data;
  for (let i = 0; i < out.length; i++) out[i] = (i & 3) === 3 ? d[i]! : 255 - d[i]!;
  return { width: src.width, height: src.height, data: out };
}

/** Rec. 709 luma (Pipette's default), rounded. */
export function grayscaleRef(src: Rgba): Rgba {
  const out = new Uint8ClampedArray(src.data.length);
  const d = src.data;
  for (let i = 0; i < out.length; i += 4) {
    const y = Math.round(0.2126 * d[i]! + 0.7152 * d[i + 1]! + 0.0722 * d[i + 2]!);
    out[i] = out[i + 1] = out[i + 2] = y;
    out[i + 3] = d[i + 3]!;
  }
  return { width: src.width, height: src.height, data: out };
}

export const SHARPEN = [0, -1, 0, -1, 5, -1, 0, -1, 0] as const;

/** 3×3 sharpen on colour channels, exact integers, clamped; alpha kept. */
export function sharpenRef(src: Rgba): Rgba {
  const { width: w, height: h } = src;
  const d = src.data;
  const out = new Uint8ClampedArray(d.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let j = -1; j <= 1; j++) {
          const yy = clamp(y + j, 0, h - 1);
          for (let i = -1; i <= 1; i++) {
            const xx = clamp(x + i, 0, w - 1);
            s += SHARPEN[(j + 1) * 3 + i + 1]! * d[(yy * w + xx) * 4 + c]!;
          }
        }
        out[(y * w + x) * 4 + c] = s;
      }
      out[(y * w + x) * 4 + 3] = d[(y * w + x) * 4 + 3]!;
    }
  }
  return { width: w, height: h, data: out };
}
