// The test image and how outputs are compared. The image is synthetic but photo-like: smooth
// gradients, texture, noise and hard-edged shapes, opaque (as photos are), made from a fixed seed
// so every run and every library sees the same pixels.

export interface Rgba {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray;
}

export const WIDTH = 4000;
export const HEIGHT = 3000;

export function makeTestImage(width = WIDTH, height = HEIGHT): Rgba {
  const data = new Uint8ClampedArray(width * height * 4);
  const sx = new Float32Array(width);
  const cx = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    sx[x] = Math.sin(x / 37);
    cx[x] = Math.cos(x / 211);
  }
  const sy = new Float32Array(height);
  const cy = new Float32Array(height);
  for (let y = 0; y < height; y++) {
    sy[y] = Math.sin(y / 53);
    cy[y] = Math.cos(y / 173);
  }
  let seed = 0x2545f491;
  const rand = () => {
    // xorshift32: cheap and fixed
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const base = 120 + 50 * sx[x]! * sy[y]! + 40 * cx[x]! * cy[y]!;
      const n = (rand() - 0.5) * 30;
      data[i] = base + n + (x / width) * 40;
      data[i + 1] = base + n * 0.8 + (y / height) * 30 - 10;
      data[i + 2] = 255 - base + n * 0.6;
      data[i + 3] = 255;
    }
  }
  // Hard edges: a grid of flat rectangles, where filters differ most.
  for (let k = 0; k < 40; k++) {
    const x0 = Math.floor(rand() * (width - 300));
    const y0 = Math.floor(rand() * (height - 300));
    const w = 20 + Math.floor(rand() * 280);
    const h = 20 + Math.floor(rand() * 280);
    const r = rand() * 255;
    const g = rand() * 255;
    const b = rand() * 255;
    for (let y = y0; y < y0 + h; y++) {
      for (let x = x0; x < x0 + w; x++) {
        const i = (y * width + x) * 4;
        data[i] = r;
        data[i + 1] = g;
        data[i + 2] = b;
      }
    }
  }
  return { width, height, data };
}

export interface Diff {
  /** Largest absolute difference of any channel, over the whole image. */
  readonly max: number;
  /** The same, ignoring a border as wide as the filter's reach (where edge rules differ). */
  readonly maxInterior: number;
  /** Mean absolute difference over the interior, colour channels. */
  readonly meanInterior: number;
}

/**
 * Compares an output to the reference. `channels` is 4 for RGBA outputs, 1 or 2 for grey
 * (and alpha), compared with the reference's red channel. Alpha is compared too for RGBA.
 */
export function diff(out: { width: number; height: number; data: ArrayLike<number> }, ref: Rgba, border: number, channels = 4): Diff | { readonly error: string } {
  if (out.width !== ref.width || out.height !== ref.height) {
    return { error: `size ${out.width}×${out.height}, reference ${ref.width}×${ref.height}` };
  }
  const { width: w, height: h } = ref;
  const a = out.data;
  const r = ref.data;
  let max = 0;
  let maxIn = 0;
  let sumIn = 0;
  let countIn = 0;
  // grey outputs (one band, or grey + alpha) are compared with the reference's first channel
  const compared = channels < 3 ? 1 : channels;
  for (let y = 0; y < h; y++) {
    const inY = y >= border && y < h - border;
    for (let x = 0; x < w; x++) {
      const inside = inY && x >= border && x < w - border;
      const p = y * w + x;
      for (let c = 0; c < compared; c++) {
        const d = Math.abs(a[p * channels + c]! - r[p * 4 + c]!);
        if (d > max) max = d;
        if (inside) {
          if (d > maxIn) maxIn = d;
          if (c < 3) {
            sumIn += d;
            countIn++;
          }
        }
      }
    }
  }
  return { max, maxInterior: maxIn, meanInterior: countIn ? sumIn / countIn : 0 };
}
