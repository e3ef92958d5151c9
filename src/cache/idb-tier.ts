// The IndexedDB tier: a byte-bounded LRU of stored results. Three object stores work together:
//
// - `results` holds each entry's payload (pixels as Blobs), written once per key;
// - `access` holds {key, lastAccess, bytes} with an index on lastAccess: a hit rewrites only this
//   small record, and eviction walks the index from the oldest end, touching only what it removes;
// - `meta` holds the running totals {bytes, entries}, read and rewritten inside every transaction
//   that adds or removes an entry, so the total can never drift from the stores, even with two tabs
//   writing (IndexedDB serialises read-write transactions over the same stores). If the record is
//   missing (a database written by an older build, say), it is recomputed once at open from `access`.
//
// Each change is one transaction: a crash leaves either the old state or the new one. This class
// does no queueing of its own; TieredCache runs its writes one at a time.

import type { IDBPTransaction } from 'idb';
import { RESULTS_META, type MetaRecord, type PipetteDB, type PipetteDatabase } from './db';
import type { StoredEntry } from './entry';

type ResultTx = IDBPTransaction<PipetteDB, ('results' | 'access' | 'meta')[], 'readwrite'>;

export interface Removed {
  readonly count: number;
  readonly bytes: number;
}

const NONE: Removed = { count: 0, bytes: 0 };
const STORES = ['results', 'access', 'meta'] as const;

export class IdbTier {
  readonly #db: PipetteDatabase;
  #bytes: number;
  #entries: number;
  /** Newest lastAccess stored when the tier was opened, so that new stamps sort after it. */
  readonly newestStamp: number;
  /**
   * Keys this tab knows to be stored (read at open, added by its puts, removed by its deletes):
   * a key not in it is a miss without a read. Keys evicted since stay in it (a read then misses),
   * and what another tab stores meanwhile is not in it (recomputed here instead): never a wrong
   * result, at worst a slower miss or a recomputation.
   */
  readonly #keys: Set<string>;

  private constructor(db: PipetteDatabase, meta: MetaRecord, newestStamp: number, keys: Iterable<string>) {
    this.#db = db;
    this.#bytes = meta.bytes;
    this.#entries = meta.entries;
    this.newestStamp = newestStamp;
    this.#keys = new Set(keys);
  }

  static async open(db: PipetteDatabase): Promise<IdbTier> {
    const tx = db.transaction(['access', 'meta'], 'readwrite');
    let meta = await tx.objectStore('meta').get(RESULTS_META);
    if (!meta) {
      // Recompute once from the small access records (never from the payloads).
      let bytes = 0;
      let entries = 0;
      for (let c = await tx.objectStore('access').openCursor(); c; c = await c.continue()) {
        bytes += c.value.bytes;
        entries++;
      }
      meta = { id: RESULTS_META, bytes, entries };
      await tx.objectStore('meta').put(meta);
    }
    const newest = await tx.objectStore('access').index('lastAccess').openCursor(null, 'prev');
    const newestStamp = newest?.value.lastAccess ?? 0;
    const keys = await tx.objectStore('access').getAllKeys();
    await tx.done;
    return new IdbTier(db, meta, newestStamp, keys);
  }

  /** Totals as of the last transaction this tier completed. */
  get bytes(): number {
    return this.#bytes;
  }

  get entries(): number {
    return this.#entries;
  }

  close(): void {
    this.#db.close();
  }

  /** False when the key is surely not stored (see `#keys`), so a miss costs no read. */
  mightHave(key: string): boolean {
    return this.#keys.has(key);
  }

  read(key: string): Promise<StoredEntry | undefined> {
    return this.#db.get('results', key);
  }

  /**
   * Stores an entry (replacing any under the same key) and, in the same transaction, evicts the
   * least recently used entries until everything fits in `budget`. The caller makes sure the entry
   * alone fits.
   */
  async put(entry: StoredEntry, lastAccess: number, budget: number): Promise<Removed> {
    // Known before the write commits: a read racing it finds the entry or misses, as without the set.
    this.#keys.add(entry.key);
    return this.#change(async (tx, meta) => {
      const old = await tx.objectStore('access').get(entry.key);
      let bytes = meta.bytes - (old?.bytes ?? 0);
      let entries = meta.entries - (old ? 1 : 0);
      const evicted = await evictOldest(tx, bytes + entry.bytes - budget, entry.key);
      bytes -= evicted.bytes;
      entries -= evicted.count;
      await Promise.all([
        tx.objectStore('results').put(entry),
        tx.objectStore('access').put({ key: entry.key, lastAccess, bytes: entry.bytes }),
      ]);
      return { meta: { id: RESULTS_META, bytes: bytes + entry.bytes, entries: entries + 1 }, result: evicted };
    });
  }

  /** Evicts least recently used entries until at least `bytes` are freed (or nothing is left). */
  freeBytes(bytes: number): Promise<Removed> {
    return this.#change(async (tx, meta) => {
      const evicted = await evictOldest(tx, bytes, null);
      return { meta: shrink(meta, evicted), result: evicted };
    });
  }

  /** Evicts least recently used entries until the total fits in `budget`. */
  fit(budget: number): Promise<Removed> {
    return this.#change(async (tx, meta) => {
      const evicted = await evictOldest(tx, meta.bytes - budget, null);
      return { meta: shrink(meta, evicted), result: evicted };
    });
  }

  /** Deletes one entry; with `storedAt`, only if it is still that very write (not a newer one). */
  delete(key: string, storedAt?: number): Promise<Removed> {
    return this.#change(async (tx, meta) => {
      const [entry, access] = await Promise.all([tx.objectStore('results').get(key), tx.objectStore('access').get(key)]);
      if (!entry && !access) return { meta, result: NONE };
      if (storedAt !== undefined && entry && entry.storedAt !== storedAt) return { meta, result: NONE };
      await Promise.all([tx.objectStore('results').delete(key), tx.objectStore('access').delete(key)]);
      this.#keys.delete(key);
      const removed = { count: access ? 1 : 0, bytes: access?.bytes ?? 0 };
      return { meta: shrink(meta, removed), result: removed };
    });
  }

  /** Records accesses (key → stamp) of entries that exist; a later stamp never goes backwards. */
  async touch(stamps: ReadonlyMap<string, number>): Promise<void> {
    if (stamps.size === 0) return;
    const tx = this.#db.transaction('access', 'readwrite');
    tx.done.catch(() => {});
    try {
      const keys = [...stamps.keys()];
      const records = await Promise.all(keys.map((k) => tx.store.get(k)));
      const writes: Promise<unknown>[] = [];
      records.forEach((rec, i) => {
        const stamp = stamps.get(keys[i]!)!;
        if (rec && rec.lastAccess < stamp) writes.push(tx.store.put({ ...rec, lastAccess: stamp }));
      });
      await Promise.all([...writes, tx.done]);
    } catch (e) {
      abort(tx);
      throw failureOf(tx, e);
    }
  }

  async clear(): Promise<void> {
    await this.#change(async (tx) => {
      await Promise.all([tx.objectStore('results').clear(), tx.objectStore('access').clear()]);
      this.#keys.clear();
      return { meta: { id: RESULTS_META, bytes: 0, entries: 0 }, result: NONE };
    });
  }

  /** Runs one read-write transaction over the result stores that ends by writing the new totals. */
  async #change<R>(body: (tx: ResultTx, meta: MetaRecord) => Promise<{ meta: MetaRecord; result: R }>): Promise<R> {
    const tx = this.#db.transaction([...STORES], 'readwrite');
    tx.done.catch(() => {}); // observed below; keeps an aborted transaction from being reported twice
    try {
      const meta = (await tx.objectStore('meta').get(RESULTS_META)) ?? { id: RESULTS_META, bytes: 0, entries: 0 };
      const { meta: next, result } = await body(tx, meta);
      await Promise.all([tx.objectStore('meta').put(next), tx.done]);
      this.#bytes = next.bytes;
      this.#entries = next.entries;
      return result;
    } catch (e) {
      // Whatever went wrong, nothing of this transaction may commit: evictions without the new
      // totals would make the running total drift.
      abort(tx);
      throw failureOf(tx, e);
    }
  }
}

/** Walks the lastAccess index from the oldest end, deleting entries until `need` bytes are freed. */
async function evictOldest(tx: ResultTx, need: number, keep: string | null): Promise<Removed> {
  if (need <= 0) return NONE;
  const access = tx.objectStore('access');
  const results = tx.objectStore('results');
  let count = 0;
  let bytes = 0;
  const deletes: Promise<unknown>[] = [];
  for (let c = await access.index('lastAccess').openCursor(); c && bytes < need; c = await c.continue()) {
    const rec = c.value;
    if (rec.key === keep) continue;
    deletes.push(results.delete(rec.key), access.delete(rec.key));
    bytes += rec.bytes;
    count++;
  }
  await Promise.all(deletes);
  return { count, bytes };
}

function shrink(meta: MetaRecord, removed: Removed): MetaRecord {
  return { id: RESULTS_META, bytes: meta.bytes - removed.bytes, entries: meta.entries - removed.count };
}

/**
 * The transaction's own error when the browser aborted it (a QuotaExceededError is reported there,
 * while the pending requests merely fail with AbortError), else what was thrown.
 */
function failureOf(tx: { readonly error: DOMException | null }, thrown: unknown): unknown {
  try {
    return tx.error ?? thrown;
  } catch {
    return thrown;
  }
}

function abort(tx: { abort(): void }): void {
  try {
    tx.abort();
  } catch {
    // already finished or aborted
  }
}
