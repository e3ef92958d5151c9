// The one pace of UI updates while a run goes: at most one redraw per interval, leading and
// trailing. Each redraw is its own short timer task; they are deliberately not moved into an
// animation frame callback, where the Svelte update would join style, layout and paint in one task
// (measured: that made every 12 MP run show main-thread long tasks on 2 busy cores).

/** Default: at most ten redraws a second. */
export const REDRAW_MS = 100;

export class Throttle {
  readonly #fn: () => void;
  readonly #ms: number;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #last = -Infinity;
  #stopped = false;

  constructor(fn: () => void, ms = REDRAW_MS) {
    this.#fn = fn;
    this.#ms = ms;
  }

  /**
   * Asks for a run: at once after a quiet spell, else at most every `ms`. `now` skips the wait
   * (news the user is looking at, such as a proxy preview of the selected step).
   */
  request(now = false): void {
    if (this.#stopped) return;
    if (this.#timer !== null) {
      if (!now) return;
      clearTimeout(this.#timer);
    }
    const wait = now ? 0 : Math.max(0, this.#last + this.#ms - performance.now());
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#last = performance.now();
      this.#fn();
    }, wait);
  }

  /** No more runs, not even one already asked for. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
