// The result cache the scheduler consults: a byte-bounded LRU in memory in front of a byte-bounded
// LRU in IndexedDB, both keyed by the engine's content keys.
//
// - get() answers synchronously from memory (or from a write still in flight); otherwise it reads
//   IndexedDB once per key however many callers ask, verifies the entry, promotes it to memory and
//   answers asynchronously. A damaged entry is deleted, counted and reported as a miss.
// - put() keeps the result in memory and returns at once; the IndexedDB write happens behind, one
//   at a time, coalesced by key, in slices that leave the main thread free between them.
// - Without IndexedDB (none, blocked, refused, full, taken away by another tab) the cache carries on
//   in memory alone and says so once through a notice.

import { MemoryStore } from '../engine/memory-store';
import type { OpDecl } from '../engine/op';
import type { Outputs, Peeked, PutInfo, ResultStore } from '../engine/types';
import type { Value } from '../ops/types';
import { defaultIndexedDB, isQuotaError, openPipetteDb } from './db';
import { ENTRY_FORMAT, decodeEntry, decodeEntryLight, encodeEntry, outputsBytes, outputsIntact, type CodecOptions } from './entry';
import { IdbTier } from './idb-tier';
import { UnreadableBlobError } from './blob-pixels';
import { defaultThumbnailCodec, type ThumbnailCodec } from './thumbnail';

const MiB = 1024 * 1024;
export const DEFAULT_MEMORY_BUDGET = 512 * MiB;
export const DEFAULT_IDB_BUDGET = 2048 * MiB;
/** Share of the origin's storage the cache may take: the graph, the batch queue and headroom need the rest. */
const QUOTA_SHARE = 0.8;
/** The least the stored results may be cut to when the browser runs short of blob storage. */
const MIN_BLOB_CAP = 8 * 1024 * 1024;
/** Most of the memory budget volatile results (a camera's frames, a timer's ticks) may hold together. */
export const VOLATILE_SHARE = 1 / 8;
/**
 * Most of the memory budget proxy results may hold, in an LRU of their own: full results (six 48 MB
 * an edit) would otherwise push a drag's proxies, the source's 1 MP proxy above all, out between two
 * drags. Full results get the budget less what the proxies hold.
 */
export const PROXY_SHARE = 1 / 8;

/** Accesses are written to the LRU index in batches, at most this long after they happen. */
const TOUCH_DELAY_MS = 250;
/** Light forms (thumbnails and sizes) kept for `peek`, newest last. */
const LIGHT_ENTRIES = 256;

export type CacheMode = 'opening' | 'tiered' | 'memory-only';

export interface CacheNotice {
  readonly kind: 'memory-only';
  readonly message: string;
}

export interface TierStats {
  readonly hits: number;
  readonly misses: number;
  /** hits / (hits + misses); 0 before the first lookup. */
  readonly hitRate: number;
  readonly bytes: number;
  readonly entries: number;
  readonly evictions: number;
  readonly budgetBytes: number;
}

export interface IdbTierStats extends TierStats {
  /** The budget asked for; `budgetBytes` is what applies after the storage-quota cap. */
  readonly requestedBudgetBytes: number;
  /** Entries actually read from IndexedDB (concurrent lookups of one key share a read). */
  readonly reads: number;
  /** Entries peeked at (`peek`): their record and thumbnail read, not their pixels. */
  readonly peeks: number;
}

export interface CacheStats {
  readonly mode: CacheMode;
  readonly memory: TierStats;
  readonly idb: IdbTierStats;
  /** Lookups answered, by either tier or by neither. */
  readonly lookups: number;
  readonly hits: number;
  readonly misses: number;
  readonly hitRate: number;
  /** Entries that failed validation on read (deleted and reported as misses). */
  readonly integrityFailures: number;
  /**
   * Entries that could not be read: IndexedDB failed, or a stored Blob was unreadable (then the
   * entry is deleted like a damaged one). Reported as misses.
   */
  readonly readErrors: number;
  /** Results waiting to be written to IndexedDB, or being written. */
  readonly writesPending: number;
  /** Results never written: the write queue overflowed, or a buffer was detached before it was copied. */
  readonly writesDropped: number;
  /** Writes that failed for a reason other than quota (including Blobs the browser could not hold). */
  readonly writeErrors: number;
  readonly notice: CacheNotice | null;
}

export interface TieredCacheOptions {
  readonly memoryBudgetBytes?: number;
  readonly idbBudgetBytes?: number;
  /** The IndexedDB factory: the page's `indexedDB` by default; null for a memory-only cache. */
  readonly indexedDB?: IDBFactory | null;
  readonly dbName?: string;
  /** Carry on without IndexedDB if it has not opened after this long (blocked by another tab). */
  readonly openTimeoutMs?: number;
  /** Caps the IndexedDB budget; `navigator.storage.estimate` by default; null for no cap. */
  readonly estimate?: (() => Promise<{ quota?: number; usage?: number }>) | null;
  /** How thumbnails are stored; the browser's PNG codec by default; null to drop them. */
  readonly thumbnails?: ThumbnailCodec | null;
  /** Bytes of results that may wait for their IndexedDB write; the oldest beyond it are dropped. */
  readonly maxPendingBytes?: number;
  readonly sliceBytes?: number;
  readonly yieldToMain?: () => Promise<void>;
  /** Clock for LRU stamps (ms); Date.now by default. */
  readonly now?: () => number;
  /**
   * Resolves when results may be written: the app passes "no run going". Storing a 12 MP result
   * (its Blob, the browser's IPC and disk work) takes seconds of CPU on other threads, which a run's
   * workers and the page would otherwise fight for. `flush()` and `close()` do not wait for it.
   */
  readonly quiet?: () => Promise<void>;
}

export interface Budgets {
  readonly memoryBytes?: number;
  readonly idbBytes?: number;
}

interface PendingWrite {
  readonly key: string;
  readonly outputs: Outputs<Value>;
  readonly bytes: number;
  stamp: number;
  readonly op?: string;
  readonly durationMs?: number;
  readonly generation: number;
}

type MemoryOnlyReason = 'unavailable' | 'quota' | 'lost';

const MESSAGES: Record<MemoryOnlyReason, string> = {
  unavailable:
    'Browser storage (IndexedDB) is not available here, as in some private windows: results are kept in memory only and will be recomputed after a reload.',
  quota:
    'Browser storage is full: results are kept in memory only. Clear the cache or free some space to store them again.',
  lost: 'Browser storage was closed (another tab upgraded Pipette, or site data was cleared): results are kept in memory only until you reload.',
};

export class TieredCache implements ResultStore<Value> {
  readonly #memory: MemoryStore<Value>;
  /** Proxy results (see PROXY_SHARE): memory only, never written to IndexedDB. */
  readonly #proxies: MemoryStore<Value>;
  /** The memory budget of both. */
  #memoryBytes: number;
  /** Volatile results in memory, oldest first, with their bytes (see #keepVolatile). */
  readonly #volatile = new Map<string, number>();
  #volatileBytes = 0;
  readonly #factory: IDBFactory | null;
  readonly #dbName: string | undefined;
  readonly #openTimeoutMs: number | undefined;
  readonly #estimate: (() => Promise<{ quota?: number; usage?: number }>) | null;
  readonly #codec: CodecOptions;
  readonly #maxPendingBytes: number;
  readonly #now: () => number;
  /** Resolves once the cache knows whether IndexedDB is usable; never rejects. */
  readonly ready: Promise<void>;

  #mode: CacheMode = 'opening';
  #memoryOnlyReason: MemoryOnlyReason | null = null;
  #tier: IdbTier | null = null;
  #closed = false;
  #idbRequested: number;
  #quotaCap = Infinity;
  /**
   * Set when the browser ran short of blob storage while a result was stored: in a private window
   * IndexedDB keeps its Blobs in memory, in the same blob storage as every other Blob of the page,
   * and once that is full nothing can be read or fetched (measured: after ~2 GB of stored results a
   * plain fetch failed). The tier then holds at most half of what it held.
   */
  #blobCap = Infinity;
  #stamp: number;
  /** Bumped by clear(): work begun before it must not bring old results back. */
  #generation = 0;

  #memHits = 0;
  #memMisses = 0;
  #idbHits = 0;
  #idbMisses = 0;
  #idbReads = 0;
  #idbPeeks = 0;
  /** Light forms peeked at, newest last (see peek): a later run's peek costs no read. */
  readonly #light = new Map<string, Outputs<Value>>();
  #idbEvictions = 0;
  #misses = 0;
  #integrityFailures = 0;
  #readErrors = 0;
  #writesDropped = 0;
  #writeErrors = 0;
  #notice: CacheNotice | null = null;

  readonly #pending = new Map<string, PendingWrite>();
  #pendingBytes = 0;
  #writing: PendingWrite | null = null;
  readonly #touches = new Map<string, number>();
  #touchTimer: ReturnType<typeof setTimeout> | null = null;
  readonly #ops: (() => Promise<void>)[] = [];
  #draining: Promise<void> | null = null;
  readonly #reads = new Map<string, Promise<Outputs<Value> | undefined>>();
  readonly #quiet: (() => Promise<void>) | undefined;
  /** Flushes under way: writes then go without waiting for `quiet`. */
  #urgent = 0;
  /** Ends a wait for `quiet` early (a flush came). */
  #wake: (() => void) | null = null;

  readonly #listeners = new Set<(stats: CacheStats) => void>();
  readonly #noticeListeners = new Set<(notice: CacheNotice) => void>();
  #emitQueued = false;

  constructor(opts: TieredCacheOptions = {}) {
    this.#memoryBytes = opts.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET;
    this.#memory = new MemoryStore<Value>({ budgetBytes: this.#memoryBytes, sizeOf: outputsBytes });
    this.#proxies = new MemoryStore<Value>({ budgetBytes: this.#memoryBytes * PROXY_SHARE, sizeOf: outputsBytes });
    this.#factory = opts.indexedDB === undefined ? defaultIndexedDB() : opts.indexedDB;
    this.#dbName = opts.dbName;
    this.#openTimeoutMs = opts.openTimeoutMs;
    this.#estimate = opts.estimate === undefined ? defaultEstimate() : opts.estimate;
    this.#codec = {
      thumbnails: opts.thumbnails === undefined ? defaultThumbnailCodec() : opts.thumbnails,
      ...(opts.sliceBytes !== undefined ? { sliceBytes: opts.sliceBytes } : {}),
      ...(opts.yieldToMain ? { yieldToMain: opts.yieldToMain } : {}),
    };
    this.#maxPendingBytes = opts.maxPendingBytes ?? DEFAULT_MEMORY_BUDGET;
    this.#now = opts.now ?? Date.now;
    this.#quiet = opts.quiet;
    this.#idbRequested = Math.max(0, opts.idbBudgetBytes ?? DEFAULT_IDB_BUDGET);
    this.#stamp = this.#now();
    if (this.#factory === null) {
      // Known at once: answer from memory from the first call, without waiting for an open.
      this.#memoryOnly('unavailable');
      this.ready = Promise.resolve();
    } else {
      this.ready = this.#open();
    }
  }

  // ---- ResultStore -------------------------------------------------------------------------------

  get(key: string): Outputs<Value> | undefined | Promise<Outputs<Value> | undefined> {
    const inMemory = this.#memoryGet(key);
    if (inMemory) {
      this.#memHits++;
      this.#touch(key);
      this.#emit();
      return inMemory;
    }
    const inFlight = this.#pending.get(key) ?? (this.#writing?.key === key ? this.#writing : undefined);
    if (inFlight && inFlight.generation === this.#generation) {
      this.#memHits++;
      this.#touch(key);
      this.#emit();
      return inFlight.outputs;
    }
    this.#memMisses++;
    // A key this tab never saw stored misses at once, with no IndexedDB read (a new edit's keys).
    if (this.#mode === 'tiered' && this.#tier && !this.#closed && !this.#tier.mightHave(key)) {
      this.#idbMisses++;
      this.#misses++;
      this.#emit();
      return undefined;
    }
    if (this.#mode === 'memory-only' || this.#closed) {
      this.#misses++;
      this.#emit();
      return undefined;
    }
    let read = this.#reads.get(key);
    if (!read) {
      read = this.#readIdb(key).finally(() => this.#reads.delete(key));
      this.#reads.set(key, read);
    }
    return read.then((outputs) => {
      if (outputs) this.#idbHits++;
      else {
        this.#idbMisses++;
        this.#misses++;
      }
      this.#emit();
      return outputs;
    });
  }

  /**
   * A stored result for a step that is only shown (ResultStore.peek): from memory as it is, else
   * from IndexedDB in its light form — numbers, histograms, each image's size and thumbnail — with
   * the pixels left in their Blob until `get` asks for them. On a reload this shows every step's
   * preview at the cost of a record and a thumbnail each, instead of 48 MB each at 12 MP.
   */
  peek(key: string): Peeked<Value> | undefined | Promise<Peeked<Value> | undefined> {
    const inMemory = this.#memoryGet(key);
    const inFlight = this.#pending.get(key) ?? (this.#writing?.key === key ? this.#writing : undefined);
    const full = inMemory ?? (inFlight && inFlight.generation === this.#generation ? inFlight.outputs : undefined);
    if (full) {
      this.#touch(key);
      return { outputs: full, light: false };
    }
    const known = this.#light.get(key);
    if (known) return { outputs: known, light: true };
    if (this.#mode === 'memory-only' || this.#closed || (this.#tier && !this.#tier.mightHave(key))) return undefined;
    return this.#peekIdb(key);
  }

  async #peekIdb(key: string): Promise<Peeked<Value> | undefined> {
    await this.ready;
    const tier = this.#tier;
    if (this.#mode !== 'tiered' || !tier || this.#closed) return undefined;
    const generation = this.#generation;
    let stored;
    try {
      stored = await tier.read(key);
    } catch {
      return undefined; // `get` decides what an unreadable entry is
    }
    if (!stored || stored.format !== ENTRY_FORMAT) return undefined;
    let outputs: Outputs<Value> | null = null;
    try {
      outputs = await decodeEntryLight(stored, this.#codec);
    } catch {
      outputs = null;
    }
    if (!outputs || generation !== this.#generation || this.#closed) return undefined;
    this.#idbPeeks++;
    this.#light.set(key, outputs);
    // Thumbnails only, but not without bound.
    while (this.#light.size > LIGHT_ENTRIES) this.#light.delete(this.#light.keys().next().value!);
    this.#touch(key);
    this.#emit();
    return { outputs, light: true };
  }

  put(key: string, outputs: Outputs<Value>, info?: PutInfo): void {
    // A batch job's results are not kept: each image is new, and six 12 MP results an image would
    // push the editor's results out of memory and keep a core busy writing them.
    if (this.#closed || info?.batch) return;
    // Not kept in memory if larger than its LRU's budget (a proxy's share, or the whole budget less
    // the proxies); IndexedDB may still take a full result.
    if (info?.proxy) {
      this.#proxies.put(key, outputs);
      this.#fitFull();
    } else {
      this.#memory.put(key, outputs);
    }
    if (info?.volatile) this.#keepVolatile(key, outputsBytes(outputs));
    // Proxies stay in memory: a slider drag makes dozens a second, and writing them would churn the
    // disk and evict full results that took far longer to compute. Volatile results (a camera
    // frame's, a timer tick's) likewise: their keys never come back after this session's moment.
    if (this.#mode === 'memory-only' || info?.proxy || info?.volatile) {
      this.#emit();
      return;
    }
    const bytes = outputsBytes(outputs);
    const beingWritten = this.#writing?.key === key && this.#writing.generation === this.#generation;
    if (bytes > this.#idbBudget || beingWritten) {
      // Too big for IndexedDB, or being written right now (same key, same content).
      this.#emit();
      return;
    }
    const old = this.#pending.get(key);
    if (old) {
      this.#pending.delete(key);
      this.#pendingBytes -= old.bytes;
    }
    this.#pending.set(key, {
      key,
      outputs,
      bytes,
      stamp: this.#nextStamp(),
      ...(info ? { op: info.op.id, durationMs: info.durationMs } : {}),
      generation: this.#generation,
    });
    this.#pendingBytes += bytes;
    // Bound what waits for the disk: the oldest waiting results give way (they may still be in memory).
    for (const [k, p] of this.#pending) {
      if (this.#pendingBytes <= this.#maxPendingBytes || this.#pending.size <= 1) break;
      this.#pending.delete(k);
      this.#pendingBytes -= p.bytes;
      this.#writesDropped++;
    }
    this.#kick();
    this.#emit();
  }

  // ---- Control -----------------------------------------------------------------------------------

  /**
   * Changes the budgets. The memory tier is trimmed before this returns; the promise resolves once
   * the IndexedDB tier fits its new budget too.
   */
  setBudgets(budgets: Budgets): Promise<void> {
    if (budgets.memoryBytes !== undefined) {
      this.#memoryBytes = budgets.memoryBytes;
      this.#proxies.setBudget(budgets.memoryBytes * PROXY_SHARE);
      this.#fitFull();
    }
    this.#emit();
    if (budgets.idbBytes === undefined) return Promise.resolve();
    this.#idbRequested = Math.max(0, budgets.idbBytes);
    return this.#enqueue(async (tier) => {
      await this.#updateQuotaCap(tier);
      const evicted = await tier.fit(this.#idbBudget);
      this.#idbEvictions += evicted.count;
    });
  }

  /**
   * Volatile results stay in memory only while they are recent (an edit below a camera while it
   * runs finds the current frame's results), and take at most VOLATILE_SHARE of the memory
   * budget: a camera at 30 fps would otherwise push every other result out within seconds.
   */
  #keepVolatile(key: string, bytes: number): void {
    this.#volatileBytes += bytes - (this.#volatile.get(key) ?? 0);
    this.#volatile.delete(key);
    this.#volatile.set(key, bytes);
    const cap = this.#memoryBytes * VOLATILE_SHARE;
    for (const [k, b] of this.#volatile) {
      if (this.#volatileBytes <= cap || this.#volatile.size <= 1) break;
      this.#volatile.delete(k);
      this.#volatileBytes -= b;
      this.#memory.delete(k);
      this.#proxies.delete(k);
    }
    this.#fitFull();
  }

  /** Empties both tiers. Statistics counters are kept (they describe the session). */
  async clear(): Promise<void> {
    this.#generation++;
    this.#memory.clear();
    this.#proxies.clear();
    this.#fitFull();
    this.#light.clear();
    this.#volatile.clear();
    this.#volatileBytes = 0;
    this.#pending.clear();
    this.#pendingBytes = 0;
    this.#touches.clear();
    this.#emit();
    await this.ready;
    const tier = this.#tier;
    if (!tier || this.#closed) return;
    if (this.#mode === 'memory-only') {
      // Storage was full: clearing it is the way back to a persistent cache.
      if (this.#memoryOnlyReason !== 'quota') return;
      try {
        await tier.clear();
        this.#mode = 'tiered';
        this.#memoryOnlyReason = null;
        this.#notice = null;
      } catch {
        // still unusable: stay in memory
      }
      this.#emit();
      return;
    }
    await this.#enqueue((t) => t.clear());
  }

  /** Resolves when every write, eviction and access record queued so far has reached IndexedDB. */
  async flush(): Promise<void> {
    await this.ready;
    if (this.#touchTimer !== null) {
      clearTimeout(this.#touchTimer);
      this.#touchTimer = null;
    }
    this.#urgent++;
    try {
      this.#wake?.();
      this.#kick();
      while (this.#draining) await this.#draining;
    } finally {
      this.#urgent--;
    }
  }

  /** Finishes pending writes and closes the database; the cache answers from memory afterwards. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    this.#closed = true;
    this.#tier?.close();
    this.#tier = null;
    this.#emit();
  }

  get mode(): CacheMode {
    return this.#mode;
  }

  get stats(): CacheStats {
    const full = this.#memory.stats, proxies = this.#proxies.stats;
    const m = {
      bytes: full.bytes + proxies.bytes,
      entries: full.entries + proxies.entries,
      evictions: full.evictions + proxies.evictions,
      budgetBytes: this.#memoryBytes,
    };
    const lookups = this.#memHits + this.#memMisses;
    const hits = this.#memHits + this.#idbHits;
    return {
      mode: this.#mode,
      memory: {
        hits: this.#memHits,
        misses: this.#memMisses,
        hitRate: rate(this.#memHits, this.#memMisses),
        bytes: m.bytes,
        entries: m.entries,
        evictions: m.evictions,
        budgetBytes: m.budgetBytes,
      },
      idb: {
        hits: this.#idbHits,
        misses: this.#idbMisses,
        hitRate: rate(this.#idbHits, this.#idbMisses),
        bytes: this.#tier?.bytes ?? 0,
        entries: this.#tier?.entries ?? 0,
        evictions: this.#idbEvictions,
        budgetBytes: this.#idbBudget,
        requestedBudgetBytes: this.#idbRequested,
        reads: this.#idbReads,
        peeks: this.#idbPeeks,
      },
      lookups,
      hits,
      misses: this.#misses,
      hitRate: rate(hits, this.#misses),
      integrityFailures: this.#integrityFailures,
      readErrors: this.#readErrors,
      writesPending: this.#pending.size + (this.#writing ? 1 : 0),
      writesDropped: this.#writesDropped,
      writeErrors: this.#writeErrors,
      notice: this.#notice,
    };
  }

  /** Calls `listener` with fresh statistics after every change (at most once per microtask). */
  subscribe(listener: (stats: CacheStats) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Calls `listener` for each notice, and at once with the current one if there is one. */
  onNotice(listener: (notice: CacheNotice) => void): () => void {
    this.#noticeListeners.add(listener);
    if (this.#notice) listener(this.#notice);
    return () => this.#noticeListeners.delete(listener);
  }

  // ---- Opening and modes -------------------------------------------------------------------------

  async #open(): Promise<void> {
    let db: Awaited<ReturnType<typeof openPipetteDb>> | null = null;
    try {
      db = await openPipetteDb(this.#factory, {
        ...(this.#dbName !== undefined ? { name: this.#dbName } : {}),
        ...(this.#openTimeoutMs !== undefined ? { timeoutMs: this.#openTimeoutMs } : {}),
        onVersionChange: () => this.#memoryOnly('lost'),
        onTerminated: () => this.#memoryOnly('lost'),
      });
      const tier = await IdbTier.open(db);
      if (this.#closed || this.#mode === 'memory-only') {
        // Closed by the caller, or by another tab's upgrade, while the tier was being read.
        tier.close();
        return;
      }
      this.#tier = tier;
      this.#stamp = Math.max(this.#stamp, tier.newestStamp);
      await this.#updateQuotaCap(tier);
      this.#mode = 'tiered';
      // The quota may have shrunk since the last visit.
      if (tier.bytes > this.#idbBudget) void this.#enqueue(async (t) => void (this.#idbEvictions += (await t.fit(this.#idbBudget)).count));
      this.#kick();
    } catch {
      db?.close();
      this.#memoryOnly('unavailable');
    }
    this.#emit();
  }

  #memoryOnly(reason: MemoryOnlyReason): void {
    if (this.#mode === 'memory-only' || this.#closed) return;
    this.#mode = 'memory-only';
    this.#memoryOnlyReason = reason;
    this.#pending.clear();
    this.#pendingBytes = 0;
    this.#touches.clear();
    if (reason !== 'quota') {
      // After a quota failure the connection stays open so that clear() can free the space.
      this.#tier?.close();
      this.#tier = null;
    }
    const notice: CacheNotice = { kind: 'memory-only', message: MESSAGES[reason] };
    this.#notice = notice;
    for (const l of this.#noticeListeners) l(notice);
    this.#emit();
  }

  async #updateQuotaCap(tier: IdbTier): Promise<void> {
    if (!this.#estimate) return;
    try {
      const { quota, usage } = await this.#estimate();
      if (typeof quota !== 'number' || !(quota > 0) || !Number.isFinite(quota)) return;
      // What this cache already stores counts as available to it.
      const others = Math.max(0, (usage ?? 0) - tier.bytes);
      this.#quotaCap = Math.floor(Math.max(0, quota - others) * QUOTA_SHARE);
    } catch {
      // no estimate: no cap
    }
  }

  get #idbBudget(): number {
    return Math.min(this.#idbRequested, this.#quotaCap, this.#blobCap);
  }

  /** The browser could not hold a new Blob: store less from now on, and free half of what is stored. */
  async #shortOfBlobs(tier: IdbTier): Promise<void> {
    this.#blobCap = Math.max(MIN_BLOB_CAP, Math.floor(Math.min(tier.bytes, this.#idbBudget) / 2));
    this.#idbEvictions += (await tier.fit(this.#idbBudget)).count;
    this.#emit();
  }

  // ---- Reads -------------------------------------------------------------------------------------

  #memoryGet(key: string): Outputs<Value> | undefined {
    const outputs = this.#memory.get(key) ?? this.#proxies.get(key);
    if (outputs && !outputsIntact(outputs)) {
      // Its buffer was transferred away since it was cached: never hand out an emptied image.
      this.#memory.delete(key);
      this.#proxies.delete(key);
      this.#fitFull();
      this.#integrityFailures++;
      return undefined;
    }
    return outputs;
  }

  /** Full results get the memory budget less what the proxies hold (trimmed at once, oldest first). */
  #fitFull(): void {
    this.#memory.setBudget(Math.max(0, this.#memoryBytes - this.#proxies.stats.bytes));
  }

  async #readIdb(key: string): Promise<Outputs<Value> | undefined> {
    await this.ready;
    const tier = this.#tier;
    if (this.#mode !== 'tiered' || !tier) return undefined;
    const generation = this.#generation;
    this.#idbReads++;
    let stored;
    try {
      stored = await tier.read(key);
    } catch {
      this.#readErrors++;
      return undefined; // an unreadable store is a miss, never an error
    }
    if (!stored) return undefined;
    const storedAt = stored.storedAt;
    let outputs: Outputs<Value> | null = null;
    if (stored.format === ENTRY_FORMAT) {
      try {
        outputs = await decodeEntry(stored, this.#codec);
        if (!outputs) this.#integrityFailures++;
      } catch (e) {
        if (e instanceof UnreadableBlobError) this.#readErrors++;
        else this.#integrityFailures++;
      }
    }
    if (!outputs) {
      // Damaged, unreadable or of another format: remove it. The step recomputes on this miss and
      // its put() stores a good entry again (which it would also do over a damaged one).
      void this.#enqueue(async (t) => void (await t.delete(key, storedAt)));
      return undefined;
    }
    if (generation === this.#generation && !this.#closed) {
      this.#memory.put(key, outputs);
      this.#touch(key);
    }
    return outputs;
  }

  // ---- Write-behind ------------------------------------------------------------------------------

  #nextStamp(): number {
    this.#stamp = Math.max(this.#now(), this.#stamp + 1);
    return this.#stamp;
  }

  /** Records an access for the IndexedDB LRU order, written in a batch a little later. */
  #touch(key: string): void {
    if (this.#mode === 'memory-only' || this.#closed) return;
    const stamp = this.#nextStamp();
    const pending = this.#pending.get(key);
    if (pending) {
      pending.stamp = stamp;
      return;
    }
    this.#touches.delete(key);
    this.#touches.set(key, stamp);
    if (this.#touchTimer === null) {
      this.#touchTimer = setTimeout(() => {
        this.#touchTimer = null;
        this.#kick();
      }, TOUCH_DELAY_MS);
    }
  }

  /** Queues a task on the write queue (ahead of pending writes); resolves when it has run or was dropped. */
  #enqueue(task: (tier: IdbTier) => Promise<void>): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#ops.push(async () => {
        const tier = this.#tier;
        try {
          if (tier && this.#mode === 'tiered') await task(tier);
        } catch (e) {
          this.#writeErrors++;
          if (isQuotaError(e)) this.#memoryOnly('quota');
        } finally {
          resolve();
          this.#emit();
        }
      });
      this.#kick();
    });
  }

  #kick(): void {
    if (this.#draining) return;
    this.#draining = this.#drain().finally(() => {
      this.#draining = null;
      if (this.#ops.length > 0 || this.#pending.size > 0) this.#kick();
    });
  }

  async #drain(): Promise<void> {
    await this.ready;
    for (;;) {
      if (this.#mode !== 'tiered' || !this.#tier || this.#closed) {
        // Nothing more will reach IndexedDB: let waiters go.
        for (const op of this.#ops.splice(0)) await op();
        this.#pending.clear();
        this.#pendingBytes = 0;
        return;
      }
      const op = this.#ops.shift();
      if (op) {
        await op();
        continue;
      }
      const next = this.#pending.values().next();
      if (!next.done) {
        if (this.#quiet && this.#urgent === 0 && (await this.#waitForQuiet())) continue; // things may have changed meanwhile
        const p = next.value;
        this.#pending.delete(p.key);
        this.#pendingBytes -= p.bytes;
        this.#writing = p;
        try {
          await this.#write(this.#tier, p);
        } finally {
          this.#writing = null;
          this.#emit();
        }
        continue;
      }
      if (this.#touches.size > 0) {
        if (this.#touchTimer !== null) return; // not due yet; the timer kicks again
        const batch = new Map(this.#touches);
        this.#touches.clear();
        try {
          await this.#tier.touch(batch);
        } catch {
          // An access stamp is a hint; losing one only makes the LRU order a little less exact.
        }
        continue;
      }
      return;
    }
  }

  /** Waits for `quiet` (or a flush); true when it had to wait at all. */
  async #waitForQuiet(): Promise<boolean> {
    let settled = false;
    const quiet = this.#quiet!().then(
      () => void (settled = true),
      () => void (settled = true),
    );
    await Promise.resolve();
    if (settled) return false;
    await new Promise<void>((resolve) => {
      if (this.#urgent > 0) resolve(); // a flush began meanwhile
      this.#wake = resolve;
      void quiet.then(resolve);
    });
    this.#wake = null;
    return true;
  }

  async #write(tier: IdbTier, p: PendingWrite): Promise<void> {
    let entry;
    try {
      entry = await encodeEntry(
        p.key,
        p.outputs,
        { storedAt: p.stamp, ...(p.op !== undefined ? { op: p.op } : {}), ...(p.durationMs !== undefined ? { durationMs: p.durationMs } : {}) },
        this.#codec,
      );
    } catch (e) {
      this.#writeErrors++; // the browser could not hold the Blob (see blob-pixels.ts)
      if (e instanceof UnreadableBlobError) await this.#shortOfBlobs(tier);
      return;
    }
    if (!entry) {
      this.#writesDropped++;
      return;
    }
    if (p.generation !== this.#generation || this.#mode !== 'tiered') return; // cleared meanwhile
    const budget = this.#idbBudget;
    if (entry.bytes > budget) return;
    const stamp = p.stamp;
    try {
      this.#idbEvictions += (await tier.put(entry, stamp, budget)).count;
      return;
    } catch (e) {
      if (!isQuotaError(e)) {
        this.#writeErrors++;
        return;
      }
    }
    // Out of storage: make room (at least this entry's size, oldest first) and try once more.
    try {
      this.#idbEvictions += (await tier.freeBytes(entry.bytes)).count;
      this.#idbEvictions += (await tier.put(entry, stamp, this.#idbBudget)).count;
    } catch (e) {
      if (isQuotaError(e)) this.#memoryOnly('quota');
      else this.#writeErrors++;
    }
  }

  #emit(): void {
    if (this.#emitQueued || this.#listeners.size === 0) return;
    this.#emitQueued = true;
    queueMicrotask(() => {
      this.#emitQueued = false;
      const stats = this.stats;
      for (const l of this.#listeners) l(stats);
    });
  }
}

function rate(hits: number, misses: number): number {
  return hits + misses === 0 ? 0 : hits / (hits + misses);
}

function defaultEstimate(): (() => Promise<{ quota?: number; usage?: number }>) | null {
  const storage = (globalThis as { navigator?: { storage?: StorageManager } }).navigator?.storage;
  return typeof storage?.estimate === 'function' ? () => storage.estimate() : null;
}
