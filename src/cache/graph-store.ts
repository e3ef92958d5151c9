// The autosaved current graph, in Pipette's IndexedDB database (object store `graph`). The document
// is opaque here: the engine defines and validates it; this only keeps the JSON value safe.
//
// A save is one put of the whole document, as JSON text, in one read-write transaction with strict
// durability. IndexedDB commits a transaction entirely or not at all, so a crash or a closed tab in
// the middle of a save leaves the previous version in place: there is never half a graph.

import { StorageUnavailableError, defaultIndexedDB, openPipetteDb, type PipetteDatabase } from './db';

export interface GraphStore {
  /** Replaces the saved document. Rejects if it is not JSON-serialisable or storage fails. */
  save(doc: unknown): Promise<void>;
  /** The saved document, or undefined if none was saved. Rejects if storage is unavailable or the record is damaged. */
  load(): Promise<unknown>;
  close(): void;
}

export interface GraphStoreOptions {
  /** The IndexedDB factory: the page's `indexedDB` by default. */
  readonly indexedDB?: IDBFactory | null;
  readonly dbName?: string;
  readonly openTimeoutMs?: number;
  /** Which document: one record per slot. */
  readonly slot?: string;
}

const DEFAULT_SLOT = 'current';

export class IdbGraphStore implements GraphStore {
  readonly #opts: GraphStoreOptions;
  #db: Promise<PipetteDatabase> | null = null;

  constructor(opts: GraphStoreOptions = {}) {
    this.#opts = opts;
  }

  async save(doc: unknown): Promise<void> {
    // Serialised now, so that the caller may go on changing its objects while the write happens,
    // and so that a value JSON cannot carry fails here rather than loading back differently.
    const json = JSON.stringify(doc);
    if (json === undefined) throw new TypeError('The graph document cannot be saved: it is not a JSON value');
    const db = await this.#open();
    const tx = db.transaction('graph', 'readwrite', { durability: 'strict' });
    await Promise.all([tx.store.put({ id: this.#slot, json, savedAt: Date.now() }), tx.done]);
  }

  async load(): Promise<unknown> {
    const db = await this.#open();
    const record = await db.get('graph', this.#slot);
    if (!record) return undefined;
    if (typeof record.json !== 'string') throw new Error('The saved graph is damaged and cannot be read');
    try {
      return JSON.parse(record.json) as unknown;
    } catch (e) {
      throw new Error('The saved graph is damaged and cannot be read', { cause: e });
    }
  }

  close(): void {
    const db = this.#db;
    this.#db = null;
    void db?.then((d) => d.close(), () => {});
  }

  get #slot(): string {
    return this.#opts.slot ?? DEFAULT_SLOT;
  }

  #open(): Promise<PipetteDatabase> {
    if (!this.#db) {
      const factory = this.#opts.indexedDB === undefined ? defaultIndexedDB() : this.#opts.indexedDB;
      const opening = openPipetteDb(factory, {
        ...(this.#opts.dbName !== undefined ? { name: this.#opts.dbName } : {}),
        ...(this.#opts.openTimeoutMs !== undefined ? { timeoutMs: this.#opts.openTimeoutMs } : {}),
        // Another tab upgrades the schema, or the browser closes the connection: open afresh next time.
        onVersionChange: () => {
          if (this.#db === opening) this.#db = null;
        },
        onTerminated: () => {
          if (this.#db === opening) this.#db = null;
        },
      });
      this.#db = opening;
      // A failed open is retried on the next call rather than remembered.
      opening.catch(() => {
        if (this.#db === opening) this.#db = null;
      });
    }
    return this.#db;
  }
}

export function openGraphStore(opts: GraphStoreOptions = {}): GraphStore {
  return new IdbGraphStore(opts);
}

export { StorageUnavailableError };

export interface Autosaver {
  /** Saves `doc` once edits pause for the delay (superseding any document scheduled before). */
  schedule(doc: unknown): void;
  /**
   * Saves the scheduled document now, if any, and resolves when everything scheduled so far is
   * saved. Rejects if that save fails (the document stays scheduled for the next attempt).
   */
  flush(): Promise<void>;
  /** Forgets the scheduled document. */
  cancel(): void;
  /** Whether a document is waiting to be saved. */
  readonly pending: boolean;
}

export interface AutosaverOptions {
  /** A save happens at most this long after the first unsaved edit, even if edits never pause. Default 5 × delay. */
  readonly maxWaitMs?: number;
  /** Failures of saves started by the timer (a failed flush rejects instead). */
  readonly onError?: (error: unknown) => void;
  readonly onSaved?: (doc: unknown) => void;
}

/**
 * Debounced saving: bursts of edits become one save, saves never overlap, and the latest document
 * always wins. Call flush() when the page is being hidden (`pagehide`, `visibilitychange`).
 */
export function createAutosaver(store: Pick<GraphStore, 'save'>, delayMs: number, opts: AutosaverOptions = {}): Autosaver {
  const maxWait = Math.max(delayMs, opts.maxWaitMs ?? delayMs * 5);
  let timer: ReturnType<typeof setTimeout> | null = null;
  let scheduled = false;
  let latest: unknown;
  let firstAt = 0;
  /** The last save started; each save waits for the one before it. */
  let chain: Promise<void> = Promise.resolve();

  const stopTimer = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };

  const saveNow = (): Promise<void> => {
    stopTimer();
    if (!scheduled) return chain.catch(() => {});
    const doc = latest;
    scheduled = false;
    latest = undefined;
    const run = chain
      .catch(() => {})
      .then(() => store.save(doc))
      .then(
        () => opts.onSaved?.(doc),
        (e: unknown) => {
          // Keep it for the next attempt unless something newer is already waiting.
          if (!scheduled) {
            scheduled = true;
            latest = doc;
            firstAt = Date.now();
          }
          throw e;
        },
      );
    chain = run;
    return run;
  };

  return {
    schedule(doc) {
      if (!scheduled) firstAt = Date.now();
      scheduled = true;
      latest = doc;
      stopTimer();
      const wait = Math.max(0, Math.min(delayMs, firstAt + maxWait - Date.now()));
      timer = setTimeout(() => {
        timer = null;
        saveNow().catch((e: unknown) => opts.onError?.(e));
      }, wait);
    },
    flush: saveNow,
    cancel() {
      stopTimer();
      scheduled = false;
      latest = undefined;
    },
    get pending() {
      return scheduled;
    },
  };
}
