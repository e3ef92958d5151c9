// The PNG codec against files built here from known samples (every colour type and bit depth, each
// row filter, Adam7, tRNS), the expected RGBA computed from the samples directly, not by decoding.
import { describe, expect, test } from 'vitest';
import { bitwiseCrc, buildPng, CH, type Spec } from '../../png-fixture';
import { decodePng, encodePng, isPng, pngInfo } from '../../../src/workers/png';
import { createImage } from '../../../src/ops/image';
import type { Image } from '../../../src/ops/types';

/** What a pixel should decode to, from its samples. */
function expected(s: Spec, x: number, y: number): [number, number, number, number] {
  const v = s.sample(x, y);
  const max = 2 ** s.bitDepth - 1;
  const to8 = (n: number) => (s.bitDepth === 16 ? Math.round((n * 255) / 65535) : s.bitDepth < 8 ? Math.round((n * 255) / max) : n);
  const be16 = (t: number[], i: number) => (t[i]! << 8) | t[i + 1]!;
  switch (s.colorType) {
    case 0: {
      const transparent = s.trns && v[0] === be16(s.trns, 0);
      return [to8(v[0]!), to8(v[0]!), to8(v[0]!), transparent ? 0 : 255];
    }
    case 2: {
      const t = s.trns;
      const transparent = t && v[0] === be16(t, 0) && v[1] === be16(t, 2) && v[2] === be16(t, 4);
      return [to8(v[0]!), to8(v[1]!), to8(v[2]!), transparent ? 0 : 255];
    }
    case 3: {
      const k = v[0]!;
      const p = s.plte!;
      return [p[k * 3]!, p[k * 3 + 1]!, p[k * 3 + 2]!, s.trns && k < s.trns.length ? s.trns[k]! : 255];
    }
    case 4:
      return [to8(v[0]!), to8(v[0]!), to8(v[0]!), to8(v[1]!)];
    case 6:
      return [to8(v[0]!), to8(v[1]!), to8(v[2]!), to8(v[3]!)];
  }
}

function mismatches(img: Image, s: Spec): number {
  let bad = 0;
  for (let y = 0; y < s.height; y++) {
    for (let x = 0; x < s.width; x++) {
      const want = expected(s, x, y);
      const o = (y * s.width + x) * 4;
      for (let c = 0; c < 4; c++) if (img.data[o + c] !== want[c]) bad++;
    }
  }
  return bad;
}

/** Deterministic samples that reach every value of the depth and differ per channel. */
function varied(ch: number, depth: number, width: number): (x: number, y: number) => number[] {
  const max = 2 ** depth - 1;
  return (x, y) => Array.from({ length: ch }, (_, c) => ((x * 37 + y * 101 + c * 59 + ((x * y) ^ c) * 13) * (depth === 16 ? 977 : 1) + y * width) % (max + 1));
}

const combos: [Spec['colorType'], Spec['bitDepth']][] = [
  [0, 1], [0, 2], [0, 4], [0, 8], [0, 16],
  [2, 8], [2, 16],
  [3, 1], [3, 2], [3, 4], [3, 8],
  [4, 8], [4, 16],
  [6, 8], [6, 16],
];

describe('decodePng', () => {
  for (const [colorType, bitDepth] of combos) {
    for (const interlace of [false, true]) {
      test(`colour type ${colorType}, ${bitDepth} bits${interlace ? ', Adam7' : ''}: every row filter decodes exactly`, async () => {
        for (let filter = 0; filter <= 4; filter++) {
          const width = 13;
          const height = 11;
          const entries = colorType === 3 ? 2 ** bitDepth : 0;
          const spec: Spec = {
            width,
            height,
            colorType,
            bitDepth,
            interlace,
            filter,
            sample: colorType === 3 ? (x, y) => [(x * 7 + y * 3) % entries] : varied(CH[colorType], bitDepth, width),
            ...(colorType === 3 ? { plte: Array.from({ length: entries * 3 }, (_, i) => (i * 53 + 17) % 256), trns: Array.from({ length: Math.min(entries, 5) }, (_, i) => i * 60) } : {}),
          };
          const png = buildPng(spec);
          expect(isPng(png)).toBe(true);
          expect(pngInfo(png)).toMatchObject({ width, height, bitDepth, colorType, interlace, hasAlpha: colorType >= 4 || colorType === 3 });
          const img = await decodePng(png);
          expect([img.width, img.height]).toEqual([width, height]);
          expect(mismatches(img, spec)).toBe(0);
        }
      });
    }
  }

  test('random samples through every row filter decode exactly', async () => {
    let x = 987654321;
    const noise = new Map<string, number[]>();
    const rand = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) & 255;
    };
    for (let y = 0; y < 32; y++) for (let i = 0; i < 64; i++) noise.set(`${i},${y}`, [rand(), rand(), rand(), rand()]);
    for (let filter = 0; filter <= 4; filter++) {
      const spec: Spec = { width: 64, height: 32, colorType: 6, bitDepth: 8, filter, sample: (i, y) => noise.get(`${i},${y}`)! };
      expect(mismatches(await decodePng(buildPng(spec)), spec)).toBe(0);
    }
  });

  test('tRNS makes the one listed grey or RGB value transparent, at 8 and 16 bits', async () => {
    const grey: Spec = { width: 9, height: 4, colorType: 0, bitDepth: 8, sample: (x) => [x * 20], trns: [0, 40] };
    const rgb16: Spec = { width: 9, height: 4, colorType: 2, bitDepth: 16, sample: (x, y) => [x * 1000, y * 7, 513], trns: [0x0b, 0xb8, 0, 14, 2, 1] };
    for (const spec of [grey, rgb16]) {
      const img = await decodePng(buildPng(spec));
      expect(mismatches(img, spec)).toBe(0);
      expect(pngInfo(buildPng(spec)).hasAlpha).toBe(true);
    }
    const img = await decodePng(buildPng(grey));
    expect(img.data[2 * 4 + 3]).toBe(0); // x = 2 is grey 40
    expect(img.data[3 * 4 + 3]).toBe(255);
  });

  test('damaged files fail with a message that says what is wrong', async () => {
    const good = buildPng({ width: 8, height: 8, colorType: 6, bitDepth: 8, sample: varied(4, 8, 8) });
    await expect(decodePng(good.subarray(0, 40))).rejects.toThrow(/damaged/);
    const noIdat = good.slice(0, 33); // signature + IHDR only
    await expect(decodePng(noIdat)).rejects.toThrow(/damaged/);
    const badZlib = good.slice();
    const idat = Buffer.from(badZlib).indexOf('IDAT');
    for (let i = idat + 6; i < idat + 30; i++) badZlib[i] = badZlib[i]! ^ 0x5a;
    await expect(decodePng(badZlib)).rejects.toThrow(/damaged/);
    await expect(decodePng(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]))).rejects.toThrow(/not a PNG/);
    const badType = buildPng({ width: 4, height: 4, colorType: 2, bitDepth: 8, sample: () => [1, 2, 3] });
    badType[25] = 5; // colour type 5 does not exist
    await expect(decodePng(badType)).rejects.toThrow(/colour type 5/);
  });

  test('refuses a file over the pixel limit before decoding it', async () => {
    const png = buildPng({ width: 40, height: 30, colorType: 0, bitDepth: 8, sample: () => [0] });
    await expect(decodePng(png, { maxPixels: 1000 })).rejects.toThrow(/40×30/);
  });
});

function allAlphas(width: number, height: number): Image {
  // Every alpha value, each with colours across the range, including colour under alpha 0.
  const img = createImage(width, height);
  for (let i = 0, p = 0; i < img.data.length; i += 4, p++) {
    img.data[i] = (p * 7) & 255;
    img.data[i + 1] = (p * 13 + 91) & 255;
    img.data[i + 2] = (p * 29 + 200) & 255;
    img.data[i + 3] = p & 255;
  }
  return img;
}

async function parseChunks(blob: Blob): Promise<{ type: string; crcOk: boolean }[]> {
  const b = new Uint8Array(await blob.arrayBuffer());
  const out: { type: string; crcOk: boolean }[] = [];
  for (let pos = 8; pos < b.length; ) {
    const len = new DataView(b.buffer, pos).getUint32(0);
    const type = String.fromCharCode(...b.subarray(pos + 4, pos + 8));
    const crc = new DataView(b.buffer, pos + 8 + len).getUint32(0);
    out.push({ type, crcOk: crc === bitwiseCrc(b.subarray(pos + 4, pos + 8 + len)) });
    pos += 12 + len;
  }
  return out;
}

describe('encodePng', () => {
  test('every alpha value with varied colour round-trips byte for byte, in a well-formed file', async () => {
    const img = allAlphas(256, 19);
    const blob = await encodePng(img);
    expect(blob.type).toBe('image/png');
    const chunks = await parseChunks(blob);
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(chunks.every((c) => c.crcOk)).toBe(true);
    const back = await decodePng(new Uint8Array(await blob.arrayBuffer()));
    expect(pngInfo(new Uint8Array(await blob.arrayBuffer()))).toMatchObject({ colorType: 6, bitDepth: 8 });
    expect(Buffer.compare(Buffer.from(back.data), Buffer.from(img.data))).toBe(0);
  });

  test('an opaque image is written as RGB and still round-trips exactly', async () => {
    const img = allAlphas(64, 33);
    for (let i = 3; i < img.data.length; i += 4) img.data[i] = 255;
    const bytes = new Uint8Array(await (await encodePng(img)).arrayBuffer());
    expect(pngInfo(bytes)).toMatchObject({ colorType: 2, hasAlpha: false });
    const back = await decodePng(bytes);
    expect(Buffer.compare(Buffer.from(back.data), Buffer.from(img.data))).toBe(0);
  });

  test('a large image is split over several IDAT chunks and decodes back exactly', async () => {
    // Noise does not compress: more than 1 MiB of deflate output.
    const img = createImage(700, 500);
    let x = 12345;
    for (let i = 0; i < img.data.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      img.data[i] = x & 255;
    }
    const blob = await encodePng(img);
    const chunks = await parseChunks(blob);
    expect(chunks.filter((c) => c.type === 'IDAT').length).toBeGreaterThan(1);
    expect(chunks.every((c) => c.crcOk)).toBe(true);
    const back = await decodePng(new Uint8Array(await blob.arrayBuffer()));
    expect(Buffer.compare(Buffer.from(back.data), Buffer.from(img.data))).toBe(0);
  });
});
