// Preparing straight-alpha RGBA for formats without alpha, shared by the step worker and the
// command-line runner so both write the same JPEG pixels.

/** Whether every pixel has alpha 255. */
export function opaque(data: Uint8ClampedArray): boolean {
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 255) return false;
  return true;
}

/** Straight-alpha RGBA composited on an opaque colour: c·a + bg·(1 − a), rounded; alpha 255. */
export function flatten(data: Uint8ClampedArray, bg: readonly [number, number, number]): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(data.length);
  for (let i = 0; i < data.length; i += 4) {
    const a = data[i + 3]!;
    const na = 255 - a;
    out[i] = ((data[i]! * a + bg[0] * na + 127) / 255) | 0;
    out[i + 1] = ((data[i + 1]! * a + bg[1] * na + 127) / 255) | 0;
    out[i + 2] = ((data[i + 2]! * a + bg[2] * na + 127) / 255) | 0;
    out[i + 3] = 255;
  }
  return out;
}
