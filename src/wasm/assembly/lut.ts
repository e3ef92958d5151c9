// Per-channel 256-entry curves on 32-bit pixels (little-endian 0xAABBGGRR), alpha kept. src may
// equal dst.

/**
 * `tables` holds three u32 tables of 256 entries: red's levels, green's shifted left by 8 and
 * blue's by 16, so a pixel is three lookups or'ed with its alpha.
 */
export function channelLuts(s: usize, d: usize, pixels: i32, tables: usize): void {
  const tg = tables + 1024, tb = tables + 2048;
  const end = <usize>pixels << 2;
  let i: usize = 0;
  for (; i + 8 <= end; i += 8) {
    const p = load<u32>(s + i), q = load<u32>(s + i, 4);
    store<u32>(d + i, load<u32>(tables + ((p & 255) << 2)) | load<u32>(tg + ((p >> 6) & 1020)) | load<u32>(tb + ((p >> 14) & 1020)) | (p & 0xff000000));
    store<u32>(d + i, load<u32>(tables + ((q & 255) << 2)) | load<u32>(tg + ((q >> 6) & 1020)) | load<u32>(tb + ((q >> 14) & 1020)) | (q & 0xff000000), 4);
  }
  if (i < end) {
    const p = load<u32>(s + i);
    store<u32>(d + i, load<u32>(tables + ((p & 255) << 2)) | load<u32>(tg + ((p >> 6) & 1020)) | load<u32>(tb + ((p >> 14) & 1020)) | (p & 0xff000000));
  }
}

/**
 * Red and green looked up together: `rg` (u16 × 65536, built by channelLutsPair from `tables`)
 * maps a pixel's low 16 bits to its new red and green, so a pixel costs two table reads (that and
 * blue's) instead of three. The same bytes as channelLuts.
 */
export function channelLutsPair(tables: usize, rg: usize): void {
  const tg = tables + 1024;
  for (let g: usize = 0; g < 256; g++) {
    const gv = load<u32>(tg + (g << 2));
    const row = rg + (g << 9);
    for (let r: usize = 0; r < 256; r++) store<u16>(row + (r << 1), <u16>(gv | load<u32>(tables + (r << 2))));
  }
}

export function channelLutsRG(s: usize, d: usize, pixels: i32, tables: usize, rg: usize): void {
  const tb = tables + 2048;
  const end = <usize>pixels << 2;
  let i: usize = 0;
  for (; i + 8 <= end; i += 8) {
    const p = load<u32>(s + i), q = load<u32>(s + i, 4);
    store<u32>(d + i, <u32>load<u16>(rg + ((p & 0xffff) << 1)) | load<u32>(tb + ((p >> 14) & 1020)) | (p & 0xff000000));
    store<u32>(d + i, <u32>load<u16>(rg + ((q & 0xffff) << 1)) | load<u32>(tb + ((q >> 14) & 1020)) | (q & 0xff000000), 4);
  }
  if (i < end) {
    const p = load<u32>(s + i);
    store<u32>(d + i, <u32>load<u16>(rg + ((p & 0xffff) << 1)) | load<u32>(tb + ((p >> 14) & 1020)) | (p & 0xff000000));
  }
}
