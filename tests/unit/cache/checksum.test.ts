import { describe, expect, test } from 'vitest';
import { Xxh32, checksum } from '../../../src/cache/checksum';
import { blobInto, bytesToBlob } from '../../../src/cache/blob-pixels';
import { sameBytes } from './helpers';

const text = (s: string) => new TextEncoder().encode(s);

/** The bytes the reference values below were computed over (with the system's libxxhash 0.8). */
function sample(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => Number((BigInt(i) * 2654435761n) >> 13n) & 255);
}

describe('XXH32 checksum', () => {
  test('matches the reference implementation', () => {
    expect(checksum(new Uint8Array(0))).toBe('02cc5d05');
    expect(checksum(text('a'))).toBe('550d7456');
    expect(checksum(text('abc'))).toBe('32d153ff');
    expect(checksum(text('Nobody inspects the spammish repetition'))).toBe('e2293b2f');
    const data = sample(1000);
    expect(checksum(data)).toBe('d095211a');
    expect(checksum(data, 0x9e3779b1)).toBe('5ee617a6');
    expect(checksum(data.subarray(0, 15))).toBe('c0e32965');
    expect(checksum(data.subarray(0, 16))).toBe('0789a02a');
    expect(checksum(data.subarray(0, 17))).toBe('d16e7800');
    expect(checksum(data.subarray(0, 999))).toBe('7e19c398');
  });

  test('gives the same result however the bytes are split into updates', () => {
    const data = sample(1000);
    for (const step of [1, 3, 7, 16, 17, 64, 333]) {
      const h = new Xxh32();
      for (let i = 0; i < data.length; i += step) h.update(data.subarray(i, i + step));
      expect(h.digest(), `step ${step}`).toBe('d095211a');
    }
  });

  test('reads views that start at an unaligned offset', () => {
    const backing = new Uint8Array(1003);
    backing.set(sample(1000), 3);
    expect(checksum(backing.subarray(3))).toBe('d095211a');
  });

  test('reads shared memory', () => {
    const shared = new Uint8ClampedArray(new SharedArrayBuffer(1000));
    shared.set(sample(1000));
    expect(checksum(shared)).toBe('d095211a');
  });

  test('changes when one bit changes', () => {
    const data = sample(4096);
    const flipped = data.slice();
    flipped[2049] = flipped[2049]! ^ 0x10;
    expect(checksum(flipped)).not.toBe(checksum(data));
  });
});

describe('pixels through Blobs in slices', () => {
  test('what is written and read back is the same bytes with the same checksum', async () => {
    for (const shared of [false, true]) {
      const data = new Uint8ClampedArray(shared ? new SharedArrayBuffer(1000) : new ArrayBuffer(1000));
      data.set(sample(1000));
      const written = await bytesToBlob(data, { sliceBytes: 64 });
      expect(written!.checksum).toBe('d095211a');
      expect(written!.blob.size).toBe(1000);
      const target = new Uint8ClampedArray(1000);
      expect(await blobInto(written!.blob, target, { sliceBytes: 48 })).toBe('d095211a');
      expect(sameBytes(target, data)).toBe(true);
    }
  });

  test('a buffer detached while it is being copied is not stored', async () => {
    const data = new Uint8ClampedArray(1000);
    const result = bytesToBlob(data, {
      sliceBytes: 64,
      yieldToMain: async () => {
        if (data.byteLength) structuredClone(data.buffer, { transfer: [data.buffer] });
      },
    });
    expect(await result).toBeNull();
  });

  test('a Blob of the wrong size is refused', async () => {
    expect(await blobInto(new Blob([new Uint8Array(10)]), new Uint8Array(12))).toBeNull();
  });
});
