// MurmurHash3 x86 128-bit over UTF-8 text, as 32 hex characters. Content keys are built from
// short canonical strings (operation, version, parameters, input keys), so a fast synchronous
// non-cryptographic hash is enough; 128 bits keep accidental collisions out of reach for any
// number of cached results a browser could hold. The output must never change for the same
// input: keys persist in IndexedDB across releases (a test pins known values).

const encoder = new TextEncoder();

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

export function hashBytes128(bytes: Uint8Array, seed = 0): string {
  const c1 = 0x239b961b;
  const c2 = 0xab0e9789;
  const c3 = 0x38b34ae5;
  const c4 = 0xa1e38b93;
  let h1 = seed | 0;
  let h2 = seed | 0;
  let h3 = seed | 0;
  let h4 = seed | 0;
  const len = bytes.length;
  const blocks = len - (len & 15);
  const b = bytes;
  const u32 = (i: number) => (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) | 0;

  for (let i = 0; i < blocks; i += 16) {
    let k1 = u32(i);
    let k2 = u32(i + 4);
    let k3 = u32(i + 8);
    let k4 = u32(i + 12);

    k1 = Math.imul(rotl(Math.imul(k1, c1), 15), c2);
    h1 ^= k1;
    h1 = rotl(h1, 19) + h2;
    h1 = (Math.imul(h1, 5) + 0x561ccd1b) | 0;

    k2 = Math.imul(rotl(Math.imul(k2, c2), 16), c3);
    h2 ^= k2;
    h2 = rotl(h2, 17) + h3;
    h2 = (Math.imul(h2, 5) + 0x0bcaa747) | 0;

    k3 = Math.imul(rotl(Math.imul(k3, c3), 17), c4);
    h3 ^= k3;
    h3 = rotl(h3, 15) + h4;
    h3 = (Math.imul(h3, 5) + 0x96cd1c35) | 0;

    k4 = Math.imul(rotl(Math.imul(k4, c4), 18), c1);
    h4 ^= k4;
    h4 = rotl(h4, 13) + h1;
    h4 = (Math.imul(h4, 5) + 0x32ac3b17) | 0;
  }

  // Tail: up to 15 bytes spread little-endian over four lanes; a lane is mixed only if it got bytes.
  const rest = len & 15;
  const k = [0, 0, 0, 0];
  for (let i = 0; i < rest; i++) k[i >> 2] = k[i >> 2]! | (b[blocks + i]! << ((i & 3) * 8));
  if (rest > 12) h4 ^= Math.imul(rotl(Math.imul(k[3]!, c4), 18), c1);
  if (rest > 8) h3 ^= Math.imul(rotl(Math.imul(k[2]!, c3), 17), c4);
  if (rest > 4) h2 ^= Math.imul(rotl(Math.imul(k[1]!, c2), 16), c3);
  if (rest > 0) h1 ^= Math.imul(rotl(Math.imul(k[0]!, c1), 15), c2);

  h1 ^= len;
  h2 ^= len;
  h3 ^= len;
  h4 ^= len;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h3 = fmix(h3);
  h4 = fmix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  return hex(h1) + hex(h2) + hex(h3) + hex(h4);
}

function hex(x: number): string {
  return (x >>> 0).toString(16).padStart(8, '0');
}

export function hashText128(text: string): string {
  return hashBytes128(encoder.encode(text));
}
