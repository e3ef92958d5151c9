// XXH32 (xxHash, 32-bit), streaming, as the integrity checksum of stored pixels and of whole stored
// entries (valueChecksum: dimensions, scale, numbers and the pixels' checksum). It is a
// well-specified algorithm with published test vectors, and its four independent lanes let V8 keep
// several multiplies in flight: reading the pixels as 32-bit words it runs at memory speed in plain
// JS (see README for the figure at 12 MP), several times faster than the byte-wise MurmurHash3 that
// makes content keys. It guards against storage corruption, not against an adversary: a damaged
// entry escapes with probability 2⁻³², and byte length and dimensions are checked as well.
//
// Words are read in the platform's byte order (little-endian on every platform a browser runs on,
// where the digest equals the reference XXH32); a checksum is only ever compared with one computed
// on the same machine.

const P1 = 0x9e3779b1 | 0;
const P2 = 0x85ebca77 | 0;
const P3 = 0xc2b2ae3d | 0;
const P4 = 0x27d4eb2f | 0;
const P5 = 0x165667b1 | 0;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/** The XXH32 round over whole 16-byte stripes (`words` is a multiple of 4), in place on `lanes`. */
function stripes(lanes: Int32Array, w: Uint32Array, words: number): void {
  let v1 = lanes[0]!;
  let v2 = lanes[1]!;
  let v3 = lanes[2]!;
  let v4 = lanes[3]!;
  for (let i = 0; i < words; i += 4) {
    let a = (v1 + Math.imul(w[i]!, P2)) | 0;
    v1 = Math.imul((a << 13) | (a >>> 19), P1);
    a = (v2 + Math.imul(w[i + 1]!, P2)) | 0;
    v2 = Math.imul((a << 13) | (a >>> 19), P1);
    a = (v3 + Math.imul(w[i + 2]!, P2)) | 0;
    v3 = Math.imul((a << 13) | (a >>> 19), P1);
    a = (v4 + Math.imul(w[i + 3]!, P2)) | 0;
    v4 = Math.imul((a << 13) | (a >>> 19), P1);
  }
  lanes[0] = v1;
  lanes[1] = v2;
  lanes[2] = v3;
  lanes[3] = v4;
}

export class Xxh32 {
  /** The four accumulators v1..v4. */
  readonly #lanes = new Int32Array(4);
  readonly #seed: number;
  /** Total bytes seen, modulo 2³² as the algorithm specifies. */
  #total = 0;
  #large = false;
  /** Bytes of an incomplete 16-byte stripe carried to the next update. */
  readonly #mem = new Uint8Array(16);
  readonly #mem32 = new Uint32Array(this.#mem.buffer);
  #memLen = 0;

  constructor(seed = 0) {
    this.#seed = seed | 0;
    this.#lanes[0] = this.#seed + P1 + P2;
    this.#lanes[1] = this.#seed + P2;
    this.#lanes[2] = this.#seed;
    this.#lanes[3] = this.#seed - P1;
  }

  update(bytes: Uint8Array | Uint8ClampedArray): this {
    const n = bytes.length;
    if (n === 0) return this;
    this.#total = (this.#total + n) >>> 0;
    if (this.#total >= 16 || n >= 16) this.#large = true;
    let p = 0;
    if (this.#memLen > 0) {
      const take = Math.min(16 - this.#memLen, n);
      for (let i = 0; i < take; i++) this.#mem[this.#memLen + i] = bytes[i]!;
      this.#memLen += take;
      p = take;
      if (this.#memLen < 16) return this;
      stripes(this.#lanes, this.#mem32, 4);
      this.#memLen = 0;
    }
    const words = ((n - p) >> 4) << 2;
    if (words > 0) {
      const offset = bytes.byteOffset + p;
      if ((offset & 3) === 0) {
        stripes(this.#lanes, new Uint32Array(bytes.buffer, offset, words), words);
      } else {
        // Unaligned start: go through the stripe buffer (rare; pixel buffers start aligned).
        for (let i = 0; i < words; i += 4) {
          for (let j = 0; j < 16; j++) this.#mem[j] = bytes[p + i * 4 + j]!;
          stripes(this.#lanes, this.#mem32, 4);
        }
      }
      p += words * 4;
    }
    for (; p < n; p++) this.#mem[this.#memLen++] = bytes[p]!;
    return this;
  }

  /** The checksum as 8 hex digits. Does not change the state. */
  digest(): string {
    const v = this.#lanes;
    let h = this.#large
      ? (rotl(v[0]!, 1) + rotl(v[1]!, 7) + rotl(v[2]!, 12) + rotl(v[3]!, 18)) | 0
      : (this.#seed + P5) | 0;
    h = (h + this.#total) | 0;
    let i = 0;
    const m = this.#mem;
    for (; i + 4 <= this.#memLen; i += 4) {
      const w = m[i]! | (m[i + 1]! << 8) | (m[i + 2]! << 16) | (m[i + 3]! << 24);
      h = Math.imul(rotl((h + Math.imul(w, P3)) | 0, 17), P4);
    }
    for (; i < this.#memLen; i++) h = Math.imul(rotl((h + Math.imul(m[i]!, P5)) | 0, 11), P1);
    h ^= h >>> 15;
    h = Math.imul(h, P2);
    h ^= h >>> 13;
    h = Math.imul(h, P3);
    h ^= h >>> 16;
    return (h >>> 0).toString(16).padStart(8, '0');
  }
}

/** XXH32 of some bytes, as 8 hex digits. */
export function checksum(bytes: Uint8Array | Uint8ClampedArray, seed = 0): string {
  return new Xxh32(seed).update(bytes).digest();
}

const encoder = new TextEncoder();

/**
 * XXH32 of a structured value (a stored cache entry): every field, in a canonical order, so that a
 * change to any of them changes the checksum. Numbers are taken exactly (shortest round-trip text,
 * -0 apart from 0), strings, arrays and objects (keys sorted, fields holding `undefined` as if
 * absent) with their lengths, typed arrays byte for byte. A Blob counts by its size only: its bytes
 * are covered by a checksum stored beside it, which this covers in turn.
 */
export function valueChecksum(value: unknown): string {
  const h = new Xxh32();
  const text = (s: string) => {
    const b = encoder.encode(s);
    h.update(encoder.encode(`${b.length}:`)).update(b);
  };
  const walk = (v: unknown): void => {
    if (v === undefined) text('u');
    else if (v === null) text('z');
    else if (typeof v === 'number') text(`n${Object.is(v, -0) ? '-0' : String(v)}`);
    else if (typeof v === 'string') {
      text('s');
      text(v);
    } else if (typeof v === 'boolean') text(v ? 't' : 'f');
    else if (typeof Blob !== 'undefined' && v instanceof Blob) text(`B${v.size}`);
    else if (ArrayBuffer.isView(v)) {
      text(`A${Object.prototype.toString.call(v)}${v.byteLength}`);
      h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    } else if (Array.isArray(v)) {
      text(`L${v.length}`);
      for (const x of v) walk(x);
    } else if (typeof v === 'object') {
      const keys = Object.keys(v)
        .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
        .sort();
      text(`O${keys.length}`);
      for (const k of keys) {
        text(k);
        walk((v as Record<string, unknown>)[k]);
      }
    } else text(`?${typeof v}`);
  };
  walk(value);
  return h.digest();
}
