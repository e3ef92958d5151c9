// Decoded source images the app holds, by id (the hash of their pixels). Source steps name an asset
// in a parameter; the pool hands the image to the kernel through its context. Images are shared,
// never copied: with SharedArrayBuffer-backed pixels every worker reads the same memory.
// Persisting assets across reloads is a later issue.

import type { AssetLookup, Image } from '../ops/types';

export class AssetStore implements AssetLookup {
  readonly #images = new Map<string, Image>();

  /** Stores an image under `id` (replacing any image stored under it) and returns the id. */
  add(id: string, image: Image): string {
    if (!id) throw new RangeError('An asset needs a non-empty id');
    this.#images.set(id, image);
    return id;
  }

  get(id: string): Image | undefined {
    return this.#images.get(id);
  }

  has(id: string): boolean {
    return this.#images.has(id);
  }

  delete(id: string): boolean {
    return this.#images.delete(id);
  }

  get size(): number {
    return this.#images.size;
  }

  /** Pixel bytes held. */
  get bytes(): number {
    let n = 0;
    for (const img of this.#images.values()) n += img.data.byteLength;
    return n;
  }

  ids(): IterableIterator<string> {
    return this.#images.keys();
  }
}
