import { defineOp } from '../types';
import { outputImage, imageInput, numberParam, boolParam, checkAbort } from '../image';
import meta from './meta';

// Pixels between abort checks and progress reports: small enough to stop within a few ms.
const BAND = 1 << 20;

// Fixed point with 16 fraction bits: the largest sum, 255·2·3 + 255·2 levels, still fits in an int32.
const ONE = 65536;
const HALF = 32768;

/** Writes `round(v · pct / 100)` in fixed point for every level v into `table` at `at`. */
function fillTable(table: Int32Array, at: number, pct: number): void {
  for (let v = 0; v < 256; v++) table[at + v] = Math.round((v * pct * ONE) / 100);
}

export default defineOp(meta, (inputs, params, ctx) => {
  checkAbort(ctx.signal);
  const src = imageInput(inputs, 'image');
  const mono = boolParam(params, 'monochrome');
  const rows = mono ? ['r', 'r', 'r'] : ['r', 'g', 'b'];
  // Nine 256-entry tables, one per (output, input) pair, so a pixel costs nine look-ups and adds.
  const t = new Int32Array(9 * 256);
  const constant = new Int32Array(3);
  for (let o = 0; o < 3; o++) {
    const row = rows[o]!;
    fillTable(t, (o * 3 + 0) * 256, numberParam(params, row + 'r'));
    fillTable(t, (o * 3 + 1) * 256, numberParam(params, row + 'g'));
    fillTable(t, (o * 3 + 2) * 256, numberParam(params, row + 'b'));
    constant[o] = Math.round((255 * numberParam(params, row + 'c') * ONE) / 100) + HALF;
  }
  const kr = constant[0]!;
  const kg = constant[1]!;
  const kb = constant[2]!;
  const out = outputImage(ctx, src.width, src.height);
  const s = src.data;
  const d = out.data;
  const n = s.length;
  for (let start = 0; start < n; start += BAND * 4) {
    checkAbort(ctx.signal);
    const end = Math.min(n, start + BAND * 4);
    for (let i = start; i < end; i += 4) {
      const r = s[i]!;
      const g = s[i + 1]! + 256;
      const b = s[i + 2]! + 512;
      // Arithmetic shift floors, so adding HALF first rounds to nearest; the clamped array clamps.
      d[i] = (t[r]! + t[g]! + t[b]! + kr) >> 16;
      d[i + 1] = (t[768 + r]! + t[768 + g]! + t[768 + b]! + kg) >> 16;
      d[i + 2] = (t[1536 + r]! + t[1536 + g]! + t[1536 + b]! + kb) >> 16;
      d[i + 3] = s[i + 3]!;
    }
    ctx.progress(end / n);
  }
  return { image: out };
});
