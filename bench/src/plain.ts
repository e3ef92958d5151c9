// The "plain JavaScript loop" entrants: what a straightforward implementation on the RGBA bytes
// gives, without WebAssembly, SIMD or tricks (no lookup tables, no recursive filters). Interleaved
// RGBA in and out, all four channels, edges extend.

import type { Rgba } from './image';
import { lanczosTaps, SHARPEN } from './reference';

export function gaussianPlain(src: Rgba, sigma: number): Rgba {
  const { width: w, height: h, data: s } = src;
  const R = Math.ceil(3 * sigma);
  const wt = new Float32Array(2 * R + 1);
  let sum = 0;
  for (let k = -R; k <= R; k++) sum += wt[k + R] = Math.exp(-(k * k) / (2 * sigma * sigma));
  for (let k = 0; k < wt.length; k++) wt[k]! /= sum;
  const tmp = new Float32Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let k = -R; k <= R; k++) {
        const xx = Math.min(w - 1, Math.max(0, x + k));
        const i = (y * w + xx) * 4;
        const f = wt[k + R]!;
        r += f * s[i]!;
        g += f * s[i + 1]!;
        b += f * s[i + 2]!;
        a += f * s[i + 3]!;
      }
      const o = (y * w + x) * 4;
      tmp[o] = r;
      tmp[o + 1] = g;
      tmp[o + 2] = b;
      tmp[o + 3] = a;
    }
  }
  const out = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let k = -R; k <= R; k++) {
        const yy = Math.min(h - 1, Math.max(0, y + k));
        const i = (yy * w + x) * 4;
        const f = wt[k + R]!;
        r += f * tmp[i]!;
        g += f * tmp[i + 1]!;
        b += f * tmp[i + 2]!;
        a += f * tmp[i + 3]!;
      }
      const o = (y * w + x) * 4;
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      out[o + 3] = a;
    }
  }
  return { width: w, height: h, data: out };
}

export function resizePlain(src: Rgba, ow: number, oh: number): Rgba {
  const { width: w, height: h, data: s } = src;
  const tx = lanczosTaps(w, ow);
  const ty = lanczosTaps(h, oh);
  const tmp = new Float32Array(ow * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < ow; x++) {
      const st = tx.start[x]!;
      let r = 0, g = 0, b = 0, a = 0;
      for (let k = 0; k < tx.count[x]!; k++) {
        const i = (y * w + tx.index[st + k]!) * 4;
        const f = tx.weight[st + k]!;
        r += f * s[i]!;
        g += f * s[i + 1]!;
        b += f * s[i + 2]!;
        a += f * s[i + 3]!;
      }
      const o = (y * ow + x) * 4;
      tmp[o] = r;
      tmp[o + 1] = g;
      tmp[o + 2] = b;
      tmp[o + 3] = a;
    }
  }
  const out = new Uint8ClampedArray(ow * oh * 4);
  for (let y = 0; y < oh; y++) {
    const st = ty.start[y]!;
    for (let x = 0; x < ow; x++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let k = 0; k < ty.count[y]!; k++) {
        const i = (ty.index[st + k]! * ow + x) * 4;
        const f = ty.weight[st + k]!;
        r += f * tmp[i]!;
        g += f * tmp[i + 1]!;
        b += f * tmp[i + 2]!;
        a += f * tmp[i + 3]!;
      }
      const o = (y * ow + x) * 4;
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      out[o + 3] = a;
    }
  }
  return { width: ow, height: oh, data: out };
}

export function brightnessContrastPlain(src: Rgba, brightness: number, contrast: number): Rgba {
  const b = brightness / 200;
  const slant = Math.tan(((contrast / 100 + 1) * Math.PI) / 4);
  const s = src.data;
  const out = new Uint8ClampedArray(s.length);
  for (let i = 0; i < s.length; i += 4) {
    for (let c = 0; c < 3; c++) {
      let v = s[i + c]! / 255;
      v = b < 0 ? v * (1 + b) : v + (1 - v) * b;
      out[i + c] = ((v - 0.5) * slant + 0.5) * 255;
    }
    out[i + 3] = s[i + 3]!;
  }
  return { width: src.width, height: src.height, data: out };
}

export function levelsPlain(src: Rgba, inBlack: number, inWhite: number, gamma: number): Rgba {
  const s = src.data;
  const out = new Uint8ClampedArray(s.length);
  for (let i = 0; i < s.length; i += 4) {
    for (let c = 0; c < 3; c++) out[i + c] = Math.pow(Math.min(1, Math.max(0, (s[i + c]! - inBlack) / (inWhite - inBlack))), 1 / gamma) * 255;
    out[i + 3] = s[i + 3]!;
  }
  return { width: src.width, height: src.height, data: out };
}

export function invertPlain(src: Rgba): Rgba {
  const s = src.data;
  const out = new Uint8ClampedArray(s.length);
  for (let i = 0; i < s.length; i += 4) {
    out[i] = 255 - s[i]!;
    out[i + 1] = 255 - s[i + 1]!;
    out[i + 2] = 255 - s[i + 2]!;
    out[i + 3] = s[i + 3]!;
  }
  return { width: src.width, height: src.height, data: out };
}

export function grayscalePlain(src: Rgba): Rgba {
  const s = src.data;
  const out = new Uint8ClampedArray(s.length);
  for (let i = 0; i < s.length; i += 4) {
    const y = 0.2126 * s[i]! + 0.7152 * s[i + 1]! + 0.0722 * s[i + 2]!;
    out[i] = y;
    out[i + 1] = y;
    out[i + 2] = y;
    out[i + 3] = s[i + 3]!;
  }
  return { width: src.width, height: src.height, data: out };
}

export function sharpenPlain(src: Rgba): Rgba {
  const { width: w, height: h, data: s } = src;
  const out = new Uint8ClampedArray(s.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let r = 0, g = 0, b = 0;
      for (let j = -1; j <= 1; j++) {
        const yy = Math.min(h - 1, Math.max(0, y + j));
        for (let i = -1; i <= 1; i++) {
          const xx = Math.min(w - 1, Math.max(0, x + i));
          const f = SHARPEN[(j + 1) * 3 + i + 1]!;
          const p = (yy * w + xx) * 4;
          r += f * s[p]!;
          g += f * s[p + 1]!;
          b += f * s[p + 2]!;
        }
      }
      const o = (y * w + x) * 4;
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      out[o + 3] = s[o + 3]!;
    }
  }
  return { width: w, height: h, data: out };
}
