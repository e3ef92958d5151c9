// Text in a PNG file's metadata: an iTXt chunk (UTF-8, uncompressed) added before IEND, and read
// back. Pipette writes the graph that made an exported image under the keyword "pipette-graph", so
// dropping the PNG on the editor opens that graph. Plain bytes in and out; no DOM.

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
export const GRAPH_KEYWORD = 'pipette-graph';

let table: Uint32Array | null = null;
function crc32(bytes: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const b of bytes) c = table[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function isPngBytes(b: Uint8Array): boolean {
  return b.length >= 8 && SIGNATURE.every((v, i) => b[i] === v);
}

/** The offset of each chunk: [type, start of its length field, data length]. Stops at a damaged one. */
function* chunks(png: Uint8Array): Generator<{ type: string; at: number; length: number }> {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let at = 8;
  while (at + 12 <= png.length) {
    const length = view.getUint32(at);
    if (at + 12 + length > png.length) return;
    const type = String.fromCharCode(png[at + 4]!, png[at + 5]!, png[at + 6]!, png[at + 7]!);
    yield { type, at, length };
    at += 12 + length;
  }
}

/** The PNG with an iTXt chunk `keyword` = `text` added just before its IEND chunk. */
export function withTextChunk(png: Uint8Array, keyword: string, text: string): Uint8Array {
  if (!isPngBytes(png)) throw new Error('Not a PNG file');
  if (!/^[\x20-\x7e]{1,79}$/.test(keyword)) throw new Error('A PNG keyword is 1–79 printable Latin characters');
  const end = [...chunks(png)].find((c) => c.type === 'IEND');
  if (!end) throw new Error('The PNG has no end chunk');
  const enc = new TextEncoder();
  // keyword \0, compression flag 0, method 0, language tag "" \0, translated keyword "" \0, text
  const data = new Uint8Array([...enc.encode(keyword), 0, 0, 0, 0, 0, ...enc.encode(text)]);
  const chunk = new Uint8Array(12 + data.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  chunk.set(enc.encode('iTXt'), 4);
  chunk.set(data, 8);
  view.setUint32(8 + data.length, crc32(chunk.subarray(4, 8 + data.length)));
  const out = new Uint8Array(png.length + chunk.length);
  out.set(png.subarray(0, end.at), 0);
  out.set(chunk, end.at);
  out.set(png.subarray(end.at), end.at + chunk.length);
  return out;
}

/** The text of the first uncompressed iTXt chunk `keyword` whose CRC is right, or null. */
export function readTextChunk(png: Uint8Array, keyword: string): string | null {
  if (!isPngBytes(png)) return null;
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const dec = new TextDecoder('utf-8', { fatal: true });
  for (const c of chunks(png)) {
    if (c.type !== 'iTXt') continue;
    const data = png.subarray(c.at + 8, c.at + 8 + c.length);
    if (crc32(png.subarray(c.at + 4, c.at + 8 + c.length)) !== view.getUint32(c.at + 8 + c.length)) continue;
    const k = data.indexOf(0);
    if (k < 0 || dec.decode(data.subarray(0, k)) !== keyword) continue;
    if (data[k + 1] !== 0) continue; // compressed: Pipette never writes one
    const lang = data.indexOf(0, k + 3);
    const translated = lang < 0 ? -1 : data.indexOf(0, lang + 1);
    if (translated < 0) continue;
    try {
      return dec.decode(data.subarray(translated + 1));
    } catch {
      return null;
    }
  }
  return null;
}
