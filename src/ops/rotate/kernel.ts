import { defineOp, type Image, type KernelContext } from '../types';
import { createImage, imageInput, numberParam, boolParam, stringParam } from '../image';
import { checkOutputSize, forEachBand, packRgba, parseColor, pixels32, type Rgba } from '../pixels';
import meta from './meta';

/**
 * Multiples of 90° move whole pixels, so the result is exact. Without "expand", the turned image is
 * centred on the original canvas (rounding the offset down) and clipped or surrounded by background.
 */
function quarterTurns(src: Image, q: number, expand: boolean, bg: Rgba, ctx: KernelContext): Image {
  const { width: w, height: h } = src;
  const rw = q % 2 ? h : w;
  const rh = q % 2 ? w : h;
  const outW = expand ? rw : w;
  const outH = expand ? rh : h;
  const ox = Math.floor((outW - rw) / 2);
  const oy = Math.floor((outH - rh) / 2);
  const out = createImage(outW, outH);
  const s = pixels32(src);
  const d = pixels32(out);
  const fill = packRgba(bg);
  // Source index of rotated pixel (x, y) = base + x * dx + y * dy.
  const [base, dx, dy] =
    q === 0 ? [0, 1, w] : q === 1 ? [(h - 1) * w, -w, 1] : q === 2 ? [h * w - 1, -1, -w] : [w - 1, w, -1];
  const x0 = Math.max(0, ox);
  const x1 = Math.min(outW, ox + rw);
  forEachBand(outW, outH, ctx, (y0, y1) => {
    for (let Y = y0; Y < y1; Y++) {
      const row = Y * outW;
      const y = Y - oy;
      if (y < 0 || y >= rh || x1 <= x0) {
        d.fill(fill, row, row + outW);
        continue;
      }
      d.fill(fill, row, row + x0);
      d.fill(fill, row + x1, row + outW);
      if (q === 0) {
        d.set(s.subarray(y * w + x0 - ox, y * w + x1 - ox), row + x0);
      } else {
        for (let X = x0, i = base + (x0 - ox) * dx + y * dy; X < x1; X++, i += dx) d[row + X] = s[i]!;
      }
    }
  });
  return out;
}

/**
 * Any other angle: each output pixel centre is mapped back into the source and sampled bilinearly
 * in premultiplied alpha. Samples beyond the edge read the background colour, so edges are
 * antialiased against it (or against transparency).
 */
function rotateAny(src: Image, theta: number, expand: boolean, bg: Rgba, ctx: KernelContext): Image {
  const { width: w, height: h } = src;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  // The epsilon keeps e.g. 100.00000000000001 from growing the canvas by a pixel.
  const outW = expand ? Math.max(1, Math.ceil(Math.abs(w * cos) + Math.abs(h * sin) - 1e-9)) : w;
  const outH = expand ? Math.max(1, Math.ceil(Math.abs(w * sin) + Math.abs(h * cos) - 1e-9)) : h;
  checkOutputSize(outW, outH, 'The rotated canvas', 'turn off "Expand canvas" or scale the image down first');
  const out = createImage(outW, outH);
  const s = src.data;
  const d = out.data;
  const bgA = bg[3];
  const bgR = (bg[0] * bgA) / 255;
  const bgG = (bg[1] * bgA) / 255;
  const bgB = (bg[2] * bgA) / 255;
  const cx = outW / 2;
  const cy = outH / 2;
  const row = w * 4;
  forEachBand(outW, outH, ctx, (y0, y1) => {
    for (let Y = y0; Y < y1; Y++) {
      const dy = Y + 0.5 - cy;
      for (let X = 0, o = Y * outW * 4; X < outW; X++, o += 4) {
        const dx = X + 0.5 - cx;
        // Inverse of a clockwise turn (y points down), then from centre to pixel-index space.
        const fx = dx * cos + dy * sin + w / 2 - 0.5;
        const fy = -dx * sin + dy * cos + h / 2 - 0.5;
        if (fx <= -1 || fy <= -1 || fx >= w || fy >= h) {
          d[o] = bg[0];
          d[o + 1] = bg[1];
          d[o + 2] = bg[2];
          d[o + 3] = bgA;
          continue;
        }
        const ix = Math.floor(fx);
        const iy = Math.floor(fy);
        const tx = fx - ix;
        const ty = fy - iy;
        // Bilinear weights of the four neighbours, each already scaled by its alpha / 255 so the
        // sums below are premultiplied.
        let w00 = (1 - tx) * (1 - ty);
        let w10 = tx * (1 - ty);
        let w01 = (1 - tx) * ty;
        let w11 = tx * ty;
        let r = 0, g = 0, b = 0, a = 0;
        if (ix >= 0 && iy >= 0 && ix + 1 < w && iy + 1 < h) {
          const i00 = iy * row + ix * 4;
          const i10 = i00 + 4;
          const i01 = i00 + row;
          const i11 = i01 + 4;
          const a00 = s[i00 + 3]!, a10 = s[i10 + 3]!, a01 = s[i01 + 3]!, a11 = s[i11 + 3]!;
          a = w00 * a00 + w10 * a10 + w01 * a01 + w11 * a11;
          w00 *= a00;
          w10 *= a10;
          w01 *= a01;
          w11 *= a11;
          r = (w00 * s[i00]! + w10 * s[i10]! + w01 * s[i01]! + w11 * s[i11]!) / 255;
          g = (w00 * s[i00 + 1]! + w10 * s[i10 + 1]! + w01 * s[i01 + 1]! + w11 * s[i11 + 1]!) / 255;
          b = (w00 * s[i00 + 2]! + w10 * s[i10 + 2]! + w01 * s[i01 + 2]! + w11 * s[i11 + 2]!) / 255;
        } else {
          // At the edge some neighbours lie outside and read the background instead.
          for (let k = 0; k < 4; k++) {
            const x = ix + (k & 1);
            const y = iy + (k >> 1);
            const wt = k === 0 ? w00 : k === 1 ? w10 : k === 2 ? w01 : w11;
            if (x < 0 || y < 0 || x >= w || y >= h) {
              r += wt * bgR;
              g += wt * bgG;
              b += wt * bgB;
              a += wt * bgA;
            } else {
              const i = y * row + x * 4;
              const pa = s[i + 3]!;
              const f = (wt * pa) / 255;
              r += f * s[i]!;
              g += f * s[i + 1]!;
              b += f * s[i + 2]!;
              a += wt * pa;
            }
          }
        }
        if (a < 0.5) {
          d[o] = d[o + 1] = d[o + 2] = d[o + 3] = 0;
          continue;
        }
        const k = 255 / a;
        d[o] = r * k;
        d[o + 1] = g * k;
        d[o + 2] = b * k;
        d[o + 3] = a;
      }
    }
  });
  return out;
}

export default defineOp(meta, (inputs, params, ctx) => {
  const src = imageInput(inputs, 'image');
  const angle = ((numberParam(params, 'angle') % 360) + 360) % 360;
  const expand = boolParam(params, 'expand');
  const bg = parseColor(stringParam(params, 'background'));
  if (angle % 90 === 0) return { image: quarterTurns(src, angle / 90, expand, bg, ctx) };
  return { image: rotateAny(src, (angle * Math.PI) / 180, expand, bg, ctx) };
});
