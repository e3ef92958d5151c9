// Decoded source images the app holds, by id (the hash of their pixels). Source steps name an asset
// in a parameter; the pool hands the image to the kernel through its context. Images are shared,
// never copied: with SharedArrayBuffer-backed pixels every worker reads the same memory.
// Across reloads the images come back through a loader (the app's: the source files it stored,
// decoded again), asked once per id when a step needs an image this store does not hold.

import type { AssetLookup, Image } from '../ops/types';

/** Finds an image this store does not hold (undefined when it cannot). */
export type AssetLoader = (id: string) => Promise<Image | undefined>;

export class AssetStore implements AssetLookup {
  readonly #images = new Map<string, Image>();
  readonly #loading = new Map<string, Promise<Image | undefined>>();
  readonly #pins = new Map<string, number>();
  /** Asked for an image this store does not hold; null for none. */
  loader: AssetLoader | null = null;

  /** Stores an image under `id` (replacing any image stored under it) and returns the id. */
  add(id: string, image: Image): string {
    if (!id) throw new RangeError('An asset needs a non-empty id');
    this.#images.delete(id); // the newest last: `trim` lets go of the oldest first
    this.#images.set(id, image);
    return id;
  }

  /** Keeps `id` from `trim` until the returned function is called (an image some work still needs). */
  pin(id: string): () => void {
    this.#pins.set(id, (this.#pins.get(id) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const n = this.#pins.get(id)! - 1;
      if (n > 0) this.#pins.set(id, n);
      else this.#pins.delete(id);
    };
  }

  /**
   * Lets go of images nothing needs now, so that a session that loads image after image does not
   * hold them all: of those not in `keep` and not pinned, the oldest go until the rest hold at most
   * `spareBytes` (recent ones stay for an undo). Only sensible with a loader that can bring them
   * back. Answers how many went.
   */
  trim(keep: ReadonlySet<string>, spareBytes: number): number {
    const spare = [...this.#images].filter(([id]) => !keep.has(id) && !this.#pins.has(id));
    let bytes = spare.reduce((n, [, img]) => n + img.data.byteLength, 0);
    let dropped = 0;
    for (const [id, img] of spare) {
      if (bytes <= spareBytes) break;
      this.#images.delete(id);
      bytes -= img.data.byteLength;
      dropped++;
    }
    return dropped;
  }

  get(id: string): Image | undefined {
    return this.#images.get(id);
  }

  /**
   * The image, at once when it is held; else what the loader finds (asked once per id however
   * many steps wait, and kept). A loader that fails finds nothing: the step then says the image is
   * no longer available.
   */
  resolve(id: string): Image | undefined | Promise<Image | undefined> {
    const held = this.#images.get(id);
    if (held || !this.loader) return held;
    let p = this.#loading.get(id);
    if (!p) {
      p = this.loader(id)
        .then(
          (img) => {
            if (img) this.add(id, img);
            return img;
          },
          () => undefined,
        )
        .finally(() => this.#loading.delete(id));
      this.#loading.set(id, p);
    }
    return p;
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
