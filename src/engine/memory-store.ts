// A byte-bounded LRU of results in memory. A Map keeps insertion order, so re-inserting on access
// makes the first entry the least recently used and eviction never scans.

import type { Outputs, ResultStore } from './types';

export interface MemoryStoreOptions<V> {
  /** Upper bound on the bytes held; the least recently used entries go first. */
  readonly budgetBytes: number;
  /** How many bytes a result holds (pixel buffers dominate; numbers count as 8). */
  readonly sizeOf: (outputs: Outputs<V>) => number;
  readonly onEvict?: (key: string, bytes: number) => void;
}

export interface MemoryStoreStats {
  readonly entries: number;
  readonly bytes: number;
  readonly budgetBytes: number;
  readonly hits: number;
  readonly misses: number;
  readonly evictions: number;
}

export class MemoryStore<V> implements ResultStore<V> {
  readonly #opts: MemoryStoreOptions<V>;
  readonly #entries = new Map<string, { outputs: Outputs<V>; bytes: number }>();
  #bytes = 0;
  #budget: number;
  #hits = 0;
  #misses = 0;
  #evictions = 0;

  constructor(opts: MemoryStoreOptions<V>) {
    this.#opts = opts;
    this.#budget = opts.budgetBytes;
  }

  get(key: string): Outputs<V> | undefined {
    const e = this.#entries.get(key);
    if (!e) {
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    this.#entries.delete(key);
    this.#entries.set(key, e);
    return e.outputs;
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  put(key: string, outputs: Outputs<V>): void {
    const bytes = this.#opts.sizeOf(outputs);
    const old = this.#entries.get(key);
    if (old) {
      this.#entries.delete(key);
      this.#bytes -= old.bytes;
    }
    // A result larger than the whole budget is not kept (it would evict everything else for nothing).
    if (bytes > this.#budget) return;
    this.#entries.set(key, { outputs, bytes });
    this.#bytes += bytes;
    this.#fit();
  }

  delete(key: string): void {
    const e = this.#entries.get(key);
    if (!e) return;
    this.#entries.delete(key);
    this.#bytes -= e.bytes;
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  setBudget(bytes: number): void {
    this.#budget = Math.max(0, bytes);
    this.#fit();
  }

  get stats(): MemoryStoreStats {
    return {
      entries: this.#entries.size,
      bytes: this.#bytes,
      budgetBytes: this.#budget,
      hits: this.#hits,
      misses: this.#misses,
      evictions: this.#evictions,
    };
  }

  #fit(): void {
    for (const [key, e] of this.#entries) {
      if (this.#bytes <= this.#budget) break;
      this.#entries.delete(key);
      this.#bytes -= e.bytes;
      this.#evictions++;
      this.#opts.onEvict?.(key, e.bytes);
    }
  }
}
