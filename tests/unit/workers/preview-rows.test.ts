import { describe, expect, it } from 'vitest';
import { DISPLAY, bandPreviewRows, bandPreviews, previewGeometry, previewRows, previewRowsWithin, scaledSize, type Sampling } from '../../../src/workers/preview-rows';
import { planBands } from '../../../src/ops/tiles';
import { createImage } from '../../../src/ops/image';
import type { Image } from '../../../src/ops/types';

function noise(width: number, height: number, seed: number): Image {
  const img = createImage(width, height);
  let s = seed >>> 0;
  for (let i = 0; i < img.data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    img.data[i] = s >>> 24;
  }
  return img;
}

function whole(img: Image, maxSide: number, sampling?: Sampling): Uint8ClampedArray {
  const g = previewGeometry(img.width, img.height, maxSide, sampling);
  const out = new Uint8ClampedArray(g.tw * g.th * 4);
  previewRows(img, g, out, 0, g.th);
  return out;
}

function same(a: Uint8ClampedArray, b: Uint8ClampedArray): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

describe('node previews row by row', () => {
  it('keeps the aspect and never enlarges', () => {
    expect(previewGeometry(4000, 3000, 256)).toMatchObject({ tw: 256, th: 192, nx: 4, ny: 4 });
    expect(previewGeometry(100, 40, 256)).toMatchObject({ tw: 100, th: 40, nx: 1, ny: 1 });
    expect(previewGeometry(10, 3000, 256)).toMatchObject({ tw: 1, th: 256 });
  });

  it('averages by alpha, so a transparent pixel lends no colour', () => {
    const img = createImage(2, 1);
    img.data.set([255, 0, 0, 255, 0, 255, 0, 0]);
    const out = whole(img, 1);
    expect([...out]).toEqual([255, 0, 0, 128]);
  });

  it('rows within a band are exactly those whose samples all fall inside it', () => {
    const g = previewGeometry(997, 1013, 64);
    const { from, to } = previewRowsWithin(g, 300, 700);
    expect(from).toBeGreaterThan(0);
    expect(to).toBeLessThan(g.th);
    expect(previewRowsWithin(g, 0, 1013)).toEqual({ from: 0, to: g.th });
    // the row before `from` reaches above the band, the row at `to` below it
    const first = previewRowsWithin(g, 0, 300);
    expect(first.to).toBeLessThanOrEqual(from);
  });

  for (const [w, h, bands, maxSide] of [
    [997, 1013, 2, 64],
    [1200, 801, 3, 256],
    [640, 480, 7, 100],
    [300, 40, 2, 256],
  ] as const) {
    it(`${bands} bands of ${w}×${h} make the same preview as one pass, whatever order they finish in`, () => {
      const a = noise(w, h, w * h);
      const b = noise(w, h, w + h);
      const want = { a: whole(a, maxSide), b: whole(b, maxSide) };
      const plan = planBands(h, bands, 3);
      for (const order of [plan, [...plan].reverse()]) {
        const previews = bandPreviews(['a', 'b'], w, h, maxSide);
        const last = order.map((band) => bandPreviewRows(previews, { a, b }, band));
        // only the band that finished last completes them
        expect(last).toEqual(order.map((_, i) => i === order.length - 1));
        expect(same(previews.thumbnails.pixels['a']!, want.a)).toBe(true);
        expect(same(previews.thumbnails.pixels['b']!, want.b)).toBe(true);
      }
    });
  }

  it('the viewer\'s bitmap of a shown step: a plain mean of up to 2×2 samples, banded the same as whole', () => {
    expect(previewGeometry(4000, 3000, 1024, DISPLAY)).toMatchObject({ tw: 1024, th: 768, nx: 2, ny: 2, weighted: false });
    expect(scaledSize(4000, 3000, 1024)).toEqual({ width: 1024, height: 768 });
    expect(scaledSize(800, 600, 1024)).toEqual({ width: 800, height: 600 });
    // a transparent pixel counts like any other: the mean of 255,0,0,255 and 0,255,0,0
    const two = createImage(2, 1);
    two.data.set([255, 0, 0, 255, 0, 255, 0, 0]);
    expect([...whole(two, 1, DISPLAY)]).toEqual([128, 128, 0, 128]);
    const img = noise(1500, 1001, 5);
    const want = whole(img, 512, DISPLAY);
    for (const count of [2, 3, 5]) {
      const previews = bandPreviews(['a', 'b'], 1500, 1001, 64, 512);
      expect(Object.keys(previews.display!.pixels)).toEqual(['a']);
      const last = planBands(1001, count, 0).map((band) => bandPreviewRows(previews, { a: img, b: img }, band));
      expect(last.at(-1)).toBe(true);
      expect(same(previews.display!.pixels['a']!, want)).toBe(true);
    }
  });

  it('node previews and the viewer bitmap read a word a sample, and make the very bytes of the sample-by-sample mean', () => {
    /** The definition, one byte at a time: alpha-weighted (THUMBNAIL) or plain (DISPLAY) means. */
    const reference = (img: Image, g: ReturnType<typeof previewGeometry>): Uint8ClampedArray => {
      const out = new Uint8ClampedArray(g.tw * g.th * 4);
      const n = g.nx * g.ny;
      for (let y = 0; y < g.th; y++) {
        for (let x = 0; x < g.tw; x++) {
          const sum = [0, 0, 0, 0];
          let a = 0;
          for (let j = 0; j < g.ny; j++) {
            const row = Math.min(g.rows - 1, Math.floor((y + (j + 0.5) / g.ny) * (g.rows / g.th))) * img.width * 4;
            for (let i = 0; i < g.nx; i++) {
              const p = row + g.cols[x * g.nx + i]!;
              const al = img.data[p + 3]!;
              for (let c = 0; c < 3; c++) sum[c]! += g.weighted ? img.data[p + c]! * al : img.data[p + c]!;
              sum[3]! += al;
              a += al;
            }
          }
          const o = (y * g.tw + x) * 4;
          if (!g.weighted) for (let c = 0; c < 4; c++) out[o + c] = sum[c]! / n;
          else if (a > 0) {
            for (let c = 0; c < 3; c++) out[o + c] = sum[c]! / a;
            out[o + 3] = a / n;
          }
        }
      }
      return out;
    };
    const img = noise(1200, 1501, 77);
    // opaque blocks (the fast path), fully transparent ones, and noise alpha elsewhere
    for (let y = 0; y < 1501; y++) {
      for (let x = 0; x < 1200; x++) {
        const i = (y * 1200 + x) * 4 + 3;
        if (x < 600 && y < 900) img.data[i] = 255;
        else if (x >= 900 && y >= 1200) img.data[i] = 0;
      }
    }
    for (const [maxSide, sampling] of [[256, undefined], [300, undefined], [700, DISPLAY], [1024, DISPLAY]] as const) {
      const g = previewGeometry(1200, 1501, maxSide, sampling);
      expect([g.nx, g.ny]).toEqual(sampling ? [2, 2] : [4, 4]);
      expect(same(whole(img, maxSide, sampling), reference(img, g)), `${maxSide} px`).toBe(true);
      // a view of pixels at an odd byte offset cannot be read a word a sample: the byte path, same bytes
      const odd = new Uint8ClampedArray(img.data.length + 1);
      odd.set(img.data, 1);
      const shifted: Image = { width: 1200, height: 1501, data: odd.subarray(1) };
      expect(same(whole(shifted, maxSide, sampling), reference(img, g)), `${maxSide} px, odd offset`).toBe(true);
    }
  });

  it('a region of an image, sampled as the viewer asks for a zoomed-in part: the box of up to 2×2 samples it always was', () => {
    const img = noise(900, 700, 9);
    const [x0, y0, rw, rh] = [123, 77, 611, 402];
    const g = previewGeometry(900, 700, 300, DISPLAY, { x: x0, y: y0, width: rw, height: rh });
    expect([g.tw, g.th]).toEqual([300, 197]);
    const got = new Uint8ClampedArray(g.tw * g.th * 4);
    previewRows(img, g, got, 0, g.th);
    // the former downsample(), written out
    const want = new Uint8ClampedArray(g.tw * g.th * 4);
    const fx = rw / g.tw, fy = rh / g.th;
    const nx = Math.min(2, Math.ceil(fx)), ny = Math.min(2, Math.ceil(fy));
    let o = 0;
    for (let y = 0; y < g.th; y++) {
      for (let x = 0; x < g.tw; x++) {
        const sum = [0, 0, 0, 0];
        for (let j = 0; j < ny; j++) {
          const row = (y0 + Math.min(rh - 1, Math.floor((y + (j + 0.5) / ny) * fy))) * 900 * 4;
          for (let i = 0; i < nx; i++) {
            const p = row + (x0 + Math.min(rw - 1, Math.floor((x + (i + 0.5) / nx) * fx))) * 4;
            for (let c = 0; c < 4; c++) sum[c]! += img.data[p + c]!;
          }
        }
        for (let c = 0; c < 4; c++) want[o + c] = sum[c]! / (nx * ny);
        o += 4;
      }
    }
    expect(same(got, want)).toBe(true);
  });
});

