// Reads an image's size from its file header, so that a file too large for the browser is refused
// before a single pixel is allocated (createImageBitmap would decode it in full first).
// Only what each container needs for width and height is parsed; anything unrecognised gives null
// and the caller falls back to checking the decoded bitmap.

export interface HeaderInfo {
  readonly format: 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp' | 'avif';
  readonly width: number;
  readonly height: number;
}

/** Random access to the file's bytes; reads past the end return what there is. */
export interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

export function bytesOf(source: Blob | ArrayBuffer): ByteSource {
  if (source instanceof ArrayBuffer) {
    const all = new Uint8Array(source);
    return { size: all.length, read: async (o, n) => all.subarray(o, Math.min(all.length, o + n)) };
  }
  return {
    size: source.size,
    read: async (o, n) => new Uint8Array(await source.slice(o, Math.min(source.size, o + n)).arrayBuffer()),
  };
}

const be16 = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!;
const le16 = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8);
const be32 = (b: Uint8Array, i: number) => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
const le32 = (b: Uint8Array, i: number) => (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
const le24 = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16);
const ascii = (b: Uint8Array, i: number, n: number) => String.fromCharCode(...b.subarray(i, i + n));

export async function readHeader(src: ByteSource): Promise<HeaderInfo | null> {
  const head = await src.read(0, 64);
  if (head.length < 12) return null;
  if (be32(head, 0) === 0x89504e47 && be32(head, 4) === 0x0d0a1a0a && ascii(head, 12, 4) === 'IHDR') {
    return { format: 'png', width: be32(head, 16), height: be32(head, 20) };
  }
  if (ascii(head, 0, 4) === 'GIF8') return { format: 'gif', width: le16(head, 6), height: le16(head, 8) };
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'WEBP') return webp(head);
  if (head[0] === 0x42 && head[1] === 0x4d && head.length >= 26) {
    const dib = le32(head, 14);
    if (dib === 12) return { format: 'bmp', width: le16(head, 18), height: le16(head, 20) };
    const h = le32(head, 22) | 0;
    return { format: 'bmp', width: le32(head, 18) | 0, height: Math.abs(h) };
  }
  if (head[0] === 0xff && head[1] === 0xd8) return jpeg(src);
  if (ascii(head, 4, 4) === 'ftyp') return avif(src);
  return null;
}

function webp(b: Uint8Array): HeaderInfo | null {
  const chunk = ascii(b, 12, 4);
  if (chunk === 'VP8 ' && b.length >= 30) return { format: 'webp', width: le16(b, 26) & 0x3fff, height: le16(b, 28) & 0x3fff };
  if (chunk === 'VP8L' && b.length >= 25) {
    const bits = le32(b, 21);
    return { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X' && b.length >= 30) return { format: 'webp', width: le24(b, 24) + 1, height: le24(b, 27) + 1 };
  return null;
}

/** Walks the marker segments up to the first start-of-frame. */
async function jpeg(src: ByteSource): Promise<HeaderInfo | null> {
  let off = 2;
  for (let guard = 0; guard < 1000 && off + 4 <= src.size; guard++) {
    const seg = await src.read(off, 10);
    if (seg.length < 4 || seg[0] !== 0xff) return null;
    const marker = seg[1]!;
    if (marker === 0xff) {
      off += 1; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      off += 2; // standalone markers carry no length
      continue;
    }
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (seg.length < 9) return null;
      return { format: 'jpeg', width: be16(seg, 7), height: be16(seg, 5) };
    }
    if (marker === 0xda || marker === 0xd9) return null; // scan data before any frame header
    off += 2 + be16(seg, 2);
  }
  return null;
}

/** HEIF/AVIF: the largest `ispe` (image spatial extent) among the item properties. */
async function avif(src: ByteSource): Promise<HeaderInfo | null> {
  const limit = Math.min(src.size, 1 << 20);
  const b = await src.read(0, limit);
  const brand = ascii(b, 8, 4);
  if (brand !== 'avif' && brand !== 'avis' && brand !== 'mif1' && brand !== 'heic') return null;
  let best: HeaderInfo | null = null;
  const walk = (start: number, end: number, depth: number): void => {
    let off = start;
    while (off + 8 <= end && depth < 6) {
      let size = be32(b, off);
      const type = ascii(b, off + 4, 4);
      let header = 8;
      if (size === 1) {
        if (off + 16 > end) return;
        size = be32(b, off + 8) * 2 ** 32 + be32(b, off + 12);
        header = 16;
      } else if (size === 0) size = end - off;
      if (size < header || off + size > b.length + (1 << 30)) return;
      const boxEnd = Math.min(end, off + size);
      if (type === 'meta') walk(off + header + 4, boxEnd, depth + 1); // full box: version + flags
      else if (type === 'iprp' || type === 'ipco') walk(off + header, boxEnd, depth + 1);
      else if (type === 'ispe' && off + header + 12 <= b.length) {
        const width = be32(b, off + header + 4);
        const height = be32(b, off + header + 8);
        if (!best || width * height > best.width * best.height) best = { format: 'avif', width, height };
      }
      off += size;
    }
  };
  walk(0, b.length, 0);
  return best;
}
