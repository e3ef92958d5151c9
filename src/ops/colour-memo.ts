// A memo of one RGB → RGB mapping over all 2²⁴ colours, for pointwise operations whose channels
// depend on one another (hue/saturation), which no per-channel table can express. An edit upstream
// of such a step reruns it with the same parameters on nearly the same colours; the memo then maps
// a pixel with one table read instead of the whole colour-space round trip, and computes only the
// colours it has not seen. Entries are the mapped colour's 24 bits under a one-byte tag, so a new
// mapping starts by changing the tag, not by clearing 64 MB (that happens once in 255 mappings).
// Kernel-side only: a worker holds one memo per operation that uses it.

/** Below this many pixels a pass goes straight to the kernel: the table would not pay for itself. */
export const MEMO_MIN_PIXELS = 1 << 18;

export class ColourMemo {
  #table: Uint32Array | undefined;
  #failed = false;
  #tag = 0;
  #key: string | undefined;
  #last: string | undefined;
  readonly #minPixels: number;
  /** Memo passes made, and the colours they had to compute (for tests and diagnostics). */
  readonly counts = { passes: 0, misses: 0 };

  constructor(minPixels = MEMO_MIN_PIXELS) {
    this.#minPixels = minPixels;
  }

  /**
   * Whether a pass of `pixels` pixels of the mapping `key` should go through the memo: only when the
   * call before asked for the same mapping (a drag on the step's own slider changes it every run,
   * and a memo pass that misses everywhere costs more than the kernel) and the image is large enough.
   */
  worth(key: string, pixels: number): boolean {
    const again = key === this.#last;
    this.#last = key;
    return again && pixels >= this.#minPixels && !this.#failed;
  }

  /**
   * The table for `key`, allocated on first use, and the tag under which it holds that mapping:
   * an entry whose top byte equals the tag holds the mapped colour in its low 24 bits. Undefined if
   * the 64 MB table could not be allocated (the caller then runs the kernel alone).
   */
  open(key: string): { table: Uint32Array; tag: number } | undefined {
    if (!this.#table) {
      try {
        this.#table = new Uint32Array(1 << 24);
      } catch {
        this.#failed = true;
        return undefined;
      }
    }
    if (key !== this.#key) {
      this.#key = key;
      if (this.#tag === 255) {
        this.#table.fill(0);
        this.#tag = 1;
      } else this.#tag++;
    }
    return { table: this.#table, tag: this.#tag };
  }
}
