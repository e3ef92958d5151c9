// PNG files built from known samples, for the codec's tests (unit and end-to-end): every colour
// type and bit depth, a chosen row filter, Adam7, tRNS; and a reference reader for 8-bit RGB(A)
// files, to check what the app writes without using the app's own decoder. Node only (node:zlib).
import { deflateSync, inflateSync } from 'node:zlib';

export interface Spec {
  width: number;
  height: number;
  colorType: 0 | 2 | 3 | 4 | 6;
  bitDepth: 1 | 2 | 4 | 8 | 16;
  interlace?: boolean;
  /** Filter type for every row (0–4). */
  filter?: number;
  /** Raw samples of pixel (x, y): one per channel, at the file's bit depth. */
  sample: (x: number, y: number) => number[];
  plte?: number[];
  trns?: number[];
}

export const CH = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as const;

export function bitwiseCrc(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array | number[]): Buffer {
  const d = Buffer.from(data as Uint8Array);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(d.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(bitwiseCrc(Buffer.concat([head.subarray(4), d])), 0);
  return Buffer.concat([head, d, crc]);
}

/** Packs one row of samples at the bit depth. */
function packRow(samples: number[], depth: number): Uint8Array {
  if (depth === 8) return Uint8Array.from(samples);
  if (depth === 16) return Uint8Array.from(samples.flatMap((v) => [v >> 8, v & 255]));
  const out = new Uint8Array(Math.ceil((samples.length * depth) / 8));
  samples.forEach((v, i) => {
    const bit = i * depth;
    out[bit >> 3]! |= v << (8 - depth - (bit & 7));
  });
  return out;
}

function filterRow(f: number, row: Uint8Array, prev: Uint8Array | null, bpp: number): Uint8Array {
  const out = new Uint8Array(row.length);
  for (let i = 0; i < row.length; i++) {
    const a = i >= bpp ? row[i - bpp]! : 0;
    const b = prev ? prev[i]! : 0;
    const c = i >= bpp && prev ? prev[i - bpp]! : 0;
    const p = a + b - c;
    const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
    const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][f]!;
    out[i] = (row[i]! - pred) & 255;
  }
  return out;
}

export function buildPng(s: Spec): Uint8Array {
  const ch = CH[s.colorType];
  const bpp = Math.max(1, (ch * s.bitDepth) >> 3);
  const passes = s.interlace
    ? [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]]
    : [[0, 0, 1, 1]];
  const rows: Uint8Array[] = [];
  for (const [x0, y0, dx, dy] of passes) {
    let prev: Uint8Array | null = null;
    for (let y = y0!; y < s.height; y += dy!) {
      const samples: number[] = [];
      for (let x = x0!; x < s.width; x += dx!) samples.push(...s.sample(x, y));
      if (samples.length === 0) continue;
      const row = packRow(samples, s.bitDepth);
      const f = s.filter ?? 0;
      rows.push(Uint8Array.of(f), filterRow(f, row, prev, bpp));
      prev = row;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(s.width, 0);
  ihdr.writeUInt32BE(s.height, 4);
  ihdr[8] = s.bitDepth;
  ihdr[9] = s.colorType;
  ihdr[12] = s.interlace ? 1 : 0;
  const idat = deflateSync(Buffer.concat(rows));
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      ...(s.plte ? [chunk('PLTE', s.plte)] : []),
      ...(s.trns ? [chunk('tRNS', s.trns)] : []),
      // Two IDAT chunks: decoders must join them.
      chunk('IDAT', idat.subarray(0, idat.length >> 1)),
      chunk('IDAT', idat.subarray(idat.length >> 1)),
      chunk('IEND', []),
    ]),
  );
}

/** Reads an 8-bit, non-interlaced RGB or RGBA PNG into RGBA: the reference the app's export is checked against. */
export function readPng(bytes: Uint8Array): { width: number; height: number; data: Uint8Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0, height = 0, colorType = -1;
  const idat: Uint8Array[] = [];
  for (let pos = 8; pos < bytes.length; ) {
    const len = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    const data = bytes.subarray(pos + 8, pos + 8 + len);
    if (view.getUint32(pos + 8 + len) !== bitwiseCrc(bytes.subarray(pos + 4, pos + 8 + len))) throw new Error(`bad CRC in ${type}`);
    if (type === 'IHDR') {
      width = view.getUint32(pos + 8);
      height = view.getUint32(pos + 12);
      if (data[8] !== 8 || data[12] !== 0) throw new Error('the reference reader takes 8-bit non-interlaced files only');
      colorType = data[9]!;
    } else if (type === 'IDAT') idat.push(data);
    pos += 12 + len;
  }
  const ch = colorType === 6 ? 4 : colorType === 2 ? 3 : 0;
  if (!ch) throw new Error(`the reference reader takes RGB and RGBA only, not colour type ${colorType}`);
  const raw = inflateSync(Buffer.concat(idat));
  const rowBytes = width * ch;
  const out = new Uint8Array(width * height * 4);
  let prev = new Uint8Array(rowBytes);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (rowBytes + 1)]!;
    const row = new Uint8Array(raw.subarray(y * (rowBytes + 1) + 1, (y + 1) * (rowBytes + 1)));
    for (let i = 0; i < rowBytes; i++) {
      const a = i >= ch ? row[i - ch]! : 0;
      const b = prev[i]!;
      const c = i >= ch ? prev[i - ch]! : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][f];
      if (pred === undefined) throw new Error(`unknown filter ${f}`);
      row[i] = (row[i]! + pred) & 255;
    }
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      out[o] = row[x * ch]!;
      out[o + 1] = row[x * ch + 1]!;
      out[o + 2] = row[x * ch + 2]!;
      out[o + 3] = ch === 4 ? row[x * ch + 3]! : 255;
    }
    prev = row;
  }
  return { width, height, data: out };
}

/** Every alpha value, each under colours across the range (colour under alpha 0 included). */
export function allAlphaPixels(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let p = 0, i = 0; p < width * height; p++, i += 4) {
    data[i] = (p * 7 + (p >> 8) * 31) & 255;
    data[i + 1] = (p * 13 + 91) & 255;
    data[i + 2] = ((p >> 8) * 4 + p * 3) & 255;
    data[i + 3] = p & 255;
  }
  return data;
}
