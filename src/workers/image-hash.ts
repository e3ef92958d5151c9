import { hashBytes128, hashText128 } from '../engine/hash';
import type { Image } from '../ops/types';

/**
 * The pixel-content key of an image: its size and every byte. An image step's `asset` parameter
 * is this hash, so the browser and the command-line runner key the same pixels the same way.
 */
export function imageHash(image: Image): string {
  const d = image.data;
  const bytes = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  return hashText128(`rgba8:${image.width}x${image.height}:${hashBytes128(bytes)}`);
}
