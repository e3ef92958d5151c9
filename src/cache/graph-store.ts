// The autosaved current graph, in Pipette's IndexedDB database (object store `graph`). The document
// is opaque here: the engine defines and validates it; this only keeps the JSON value safe.
//
// A save is one put of the whole document, as JSON text, in one read-write transaction with strict
// durability. IndexedDB commits a transaction entirely or not at all, so a crash or a closed tab in
// the middle of a save leaves the previous version in place: there is never half a graph.
//
// A saved document the app cannot restore (damaged, or refused by a newer rule) is still something
// the user made. keepAside() copies its text, exactly as stored, to a record of its own that no
// save() replaces; the app calls it before it lets anything autosave over the slot.

import { LazyDb, StorageUnavailableError, isQuotaError, type GraphRecord, type LazyDbOptions } from './db';

export interface GraphStore {
  /** Replaces the saved document. Rejects if it is not JSON-serialisable or storage fails. */
  save(doc: unknown): Promise<void>;
  /** The saved document, or undefined if none was saved. Rejects if storage is unavailable or the record is damaged. */
  load(): Promise<unknown>;
  close(): void;
}

/** A graph store that can keep a saved document aside, out of reach of save(): the app's. */
export interface RecoverableGraphStore extends GraphStore {
  /**
   * Copies the saved document's text, as stored, to a kept-aside record that no save() replaces,
   * and answers that text (undefined when nothing is saved). Rejects if it could not be kept.
   */
  keepAside(): Promise<string | undefined>;
  /** The texts kept aside for this slot, newest first. */
  keptAside(): Promise<KeptAside[]>;
}

export interface KeptAside {
  readonly id: string;
  /** The document's text exactly as it was stored (a damaged record: as much of it as JSON can show). */
  readonly json: string;
  /** When the document was saved, and when it was kept aside. */
  readonly savedAt: number;
  readonly keptAt: number;
}

export interface GraphStoreOptions extends LazyDbOptions {
  /** Which document: one record per slot. */
  readonly slot?: string;
  /**
   * Refuse to overwrite a save made elsewhere (another tab): once this store has loaded or saved
   * the slot, a save succeeds only if the stored revision is still the one it knows, else it
   * rejects with GraphConflictError. The app's store; off by default.
   */
  readonly revisions?: boolean;
}

/** Another tab saved the graph since this one loaded or saved it: nothing was overwritten. */
export class GraphConflictError extends Error {
  constructor(
    /** The document saved elsewhere, as stored. */
    readonly json: string,
    readonly rev: number,
    readonly savedAt: number,
  ) {
    super('The graph was saved in another tab since this one loaded it');
    this.name = 'GraphConflictError';
  }
}

const DEFAULT_SLOT = 'current';

export class IdbGraphStore implements RecoverableGraphStore {
  readonly #opts: GraphStoreOptions;
  readonly #db: LazyDb;
  /** The stored revision this store last loaded or wrote; undefined: it may overwrite whatever is there. */
  #base: number | undefined;

  constructor(opts: GraphStoreOptions = {}) {
    this.#opts = opts;
    this.#db = new LazyDb(opts);
  }

  async save(doc: unknown): Promise<void> {
    // Serialised now, so that the caller may go on changing its objects while the write happens,
    // and so that a value JSON cannot carry fails here rather than loading back differently.
    const json = JSON.stringify(doc);
    if (json === undefined) throw new TypeError('The graph document cannot be saved: it is not a JSON value');
    const db = await this.#db.open();
    const tx = db.transaction('graph', 'readwrite', { durability: 'strict' });
    const current = await tx.store.get(this.#slot);
    const rev = current?.rev ?? 0;
    if (this.#opts.revisions && this.#base !== undefined && rev !== this.#base && current) {
      tx.abort();
      await tx.done.catch(() => {});
      throw new GraphConflictError(current.json, rev, current.savedAt);
    }
    await Promise.all([tx.store.put({ id: this.#slot, json, savedAt: Date.now(), rev: rev + 1 }), tx.done]);
    this.#base = rev + 1;
  }

  /** The stored revision this store is based on (see `revisions`); undefined before a load or save. */
  get revision(): number | undefined {
    return this.#base;
  }

  /** The next save overwrites whatever is stored ("keep mine"). */
  override(): void {
    this.#base = undefined;
  }

  /** The stored document's text, revision and save time, without changing what this store is based on. */
  async latest(): Promise<{ readonly json: string; readonly rev: number; readonly savedAt: number } | undefined> {
    const db = await this.#db.open();
    const record = await db.get('graph', this.#slot);
    return record && typeof record.json === 'string' ? { json: record.json, rev: record.rev ?? 0, savedAt: record.savedAt } : undefined;
  }

  async load(): Promise<unknown> {
    const db = await this.#db.open();
    const record = await db.get('graph', this.#slot);
    this.#base = record?.rev ?? 0;
    if (!record) return undefined;
    if (typeof record.json !== 'string') throw new Error('The saved graph is damaged and cannot be read');
    try {
      return JSON.parse(record.json) as unknown;
    } catch (e) {
      throw new Error('The saved graph is damaged and cannot be read', { cause: e });
    }
  }

  async keepAside(): Promise<string | undefined> {
    const db = await this.#db.open();
    const tx = db.transaction('graph', 'readwrite', { durability: 'strict' });
    const record = (await tx.store.get(this.#slot)) as Partial<GraphRecord> | undefined;
    if (!record) {
      await tx.done;
      return undefined;
    }
    const json = typeof record.json === 'string' ? record.json : showDamaged(record);
    const savedAt = typeof record.savedAt === 'number' && Number.isFinite(record.savedAt) ? record.savedAt : Date.now();
    // One record per saved version: keeping the same document aside again (each reload that fails
    // to restore it) rewrites its own record, and never one kept from an earlier failure.
    const kept: GraphRecord = { id: `${this.#recoveryPrefix}${savedAt}`, json, savedAt, keptAt: Date.now() };
    await Promise.all([tx.store.put(kept), tx.done]);
    return json;
  }

  async keptAside(): Promise<KeptAside[]> {
    const db = await this.#db.open();
    const prefix = this.#recoveryPrefix;
    const records = await db.getAll('graph', IDBKeyRange.bound(prefix, `${prefix}\uffff`));
    return records
      .map((r) => ({ id: r.id, json: r.json, savedAt: r.savedAt, keptAt: r.keptAt ?? r.savedAt }))
      .sort((a, b) => b.keptAt - a.keptAt);
  }

  close(): void {
    this.#db.close();
  }

  get #slot(): string {
    return this.#opts.slot ?? DEFAULT_SLOT;
  }

  /** Kept-aside records of this slot: `recovery:<slot>:<savedAt>`, beside the slot in the same store. */
  get #recoveryPrefix(): string {
    return `recovery:${this.#slot}:`;
  }

}

/** What came of restoring the saved document (see restoreSaved). */
export interface Restored {
  /** Why the saved document could not be restored; undefined when it was (or none was saved). */
  readonly error?: unknown;
  /** The text of the document that could not be restored, now kept aside in storage. */
  readonly keptAside?: string;
  /**
   * Whether saves may go to the slot now: the document was restored, none was saved, or the one
   * that could not be restored is kept aside. False when storage failed before anything was kept:
   * it may still hold a good document, and a save would overwrite the only copy.
   */
  readonly mayAutosave: boolean;
}

/**
 * Loads the saved document and hands it to `open`, which throws if it cannot take it. A document
 * that cannot be loaded or opened is kept aside (keepAside) before this resolves, so nothing the
 * caller saves afterwards can replace it.
 */
export async function restoreSaved(store: RecoverableGraphStore, open: (doc: unknown) => void): Promise<Restored> {
  try {
    const saved = await store.load();
    if (saved !== undefined) open(saved);
    return { mayAutosave: true };
  } catch (error) {
    // Storage that could not be opened may still hold a good document: leave it be.
    if (error instanceof StorageUnavailableError) return { error, mayAutosave: false };
    try {
      const kept = await store.keepAside();
      return { error, ...(kept !== undefined ? { keptAside: kept } : {}), mayAutosave: true };
    } catch {
      return { error, mayAutosave: false };
    }
  }
}

/** A record whose text is missing or not a string, shown as JSON as far as it can be. */
function showDamaged(record: unknown): string {
  try {
    return JSON.stringify(record) ?? String(record);
  } catch {
    return String(record);
  }
}

/** The app's graph store: revisions on, so one tab never silently overwrites another's save. */
export function openGraphStore(opts: GraphStoreOptions = {}): IdbGraphStore {
  return new IdbGraphStore({ revisions: true, ...opts });
}

export { StorageUnavailableError };

/**
 * Saving that makes room when storage is full: on a quota error `makeRoom` is called (the app
 * drops its cached results, which can always be computed again) and the save is tried once more.
 * The graph is what the user made; the results are not.
 */
export function makingRoom(store: Pick<GraphStore, 'save'>, makeRoom: () => Promise<void>): Pick<GraphStore, 'save'> {
  return {
    async save(doc) {
      try {
        await store.save(doc);
      } catch (e) {
        if (!isQuotaError(e)) throw e;
        await makeRoom();
        await store.save(doc);
      }
    },
  };
}

/** What a person is told when the graph cannot be saved, and what they can do. */
export function saveProblem(e: unknown): string {
  return isQuotaError(e)
    ? "Your graph is not being saved: this browser's storage for Pipette is full, even after dropping the cached results."
    : `Your graph is not being saved (${e instanceof Error ? e.message : String(e)}).`;
}

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
