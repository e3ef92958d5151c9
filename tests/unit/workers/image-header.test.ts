// Reading an image's size from its header, so that oversized files are refused before decoding.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { bytesOf, readHeader } from '../../../src/workers/image-header';

const file = (name: string) => {
  const b = readFileSync(new URL(`../../../public/samples/${name}`, import.meta.url));
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
};
const bytes = (...parts: (number[] | string)[]) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p))).buffer as ArrayBuffer;
const le16 = (n: number) => [n & 255, n >> 8];
const le32 = (n: number) => [n & 255, (n >> 8) & 255, (n >> 16) & 255, n >>> 24];

describe('readHeader', () => {
  test('reads the size of a PNG', async () => {
    expect(await readHeader(bytesOf(file('coffee.png')))).toEqual({ format: 'png', width: 600, height: 400 });
  });

  test('reads the size of a JPEG past its metadata segments', async () => {
    expect(await readHeader(bytesOf(file('rocket.jpg')))).toEqual({ format: 'jpeg', width: 640, height: 427 });
  });

  test('reads the size from a Blob as well as from an ArrayBuffer', async () => {
    expect(await readHeader(bytesOf(new Blob([file('rocket.jpg')])))).toEqual({ format: 'jpeg', width: 640, height: 427 });
  });

  test('reads the size of a GIF', async () => {
    expect(await readHeader(bytesOf(bytes('GIF89a', le16(300), le16(200), [0, 0, 0])))).toEqual({ format: 'gif', width: 300, height: 200 });
  });

  test('reads the size of a bottom-up and a top-down BMP', async () => {
    const bmp = (h: number) => bytes('BM', le32(0), le32(0), le32(54), le32(40), le32(123), le32(h >>> 0), [1, 0, 32, 0]);
    expect(await readHeader(bytesOf(bmp(45)))).toEqual({ format: 'bmp', width: 123, height: 45 });
    expect(await readHeader(bytesOf(bmp(-45)))).toEqual({ format: 'bmp', width: 123, height: 45 });
  });

  test('reads the size of lossy, lossless and extended WebP', async () => {
    const riff = (chunk: string, body: number[]) => bytes('RIFF', le32(100), 'WEBP', chunk, le32(body.length), body);
    const lossy = riff('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, ...le16(640), ...le16(480)]);
    expect(await readHeader(bytesOf(lossy))).toEqual({ format: 'webp', width: 640, height: 480 });
    const bits = (640 - 1) | ((480 - 1) << 14);
    expect(await readHeader(bytesOf(riff('VP8L', [0x2f, ...le32(bits)])))).toEqual({ format: 'webp', width: 640, height: 480 });
    const ext = riff('VP8X', [0, 0, 0, 0, ...le32(40000 - 1).slice(0, 3), ...le32(30000 - 1).slice(0, 3)]);
    expect(await readHeader(bytesOf(ext))).toEqual({ format: 'webp', width: 40000, height: 30000 });
  });

  test('reads the size of an AVIF from its largest image spatial extent', async () => {
    const be32 = (n: number) => [n >>> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255];
    const box = (type: string, body: number[]) => [...be32(8 + body.length), ...[...type].map((c) => c.charCodeAt(0)), ...body];
    const ispe = (w: number, h: number) => box('ispe', [0, 0, 0, 0, ...be32(w), ...be32(h)]);
    const meta = box('meta', [0, 0, 0, 0, ...box('iprp', box('ipco', [...ispe(512, 512), ...ispe(8000, 6000)]))]);
    const file = new Uint8Array([...box('ftyp', [...'avif'].map((c) => c.charCodeAt(0)).concat([0, 0, 0, 0])), ...meta]).buffer;
    expect(await readHeader(bytesOf(file))).toEqual({ format: 'avif', width: 8000, height: 6000 });
  });

  test('gives null for bytes that are no known image', async () => {
    expect(await readHeader(bytesOf(bytes('hello, not an image at all')))).toBeNull();
    expect(await readHeader(bytesOf(bytes([0xff, 0xd8, 0xff, 0xda, 0, 4, 0, 0])))).toBeNull();
  });
});
