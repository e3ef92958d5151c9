// Pipette's one IndexedDB database: its schema and how it is opened. The result cache and the graph
// autosave and the source images share it, each in its own object stores; a new store means a new
// DB_VERSION here.
//
// The open request is handled here rather than by idb's openDB, for two reasons: the factory is
// injected (each unit test gets a fresh database; a browser passes `indexedDB`), and an open that
// is blocked by another tab or never answers must end in a clear failure after a time limit, so
// that the app can carry on without storage instead of waiting for ever.

import { wrap, type DBSchema, type IDBPDatabase } from 'idb';
import type { StoredEntry } from './entry';
import type { BatchJob, BatchPipeline } from '../batch/model';

export const DB_NAME = 'pipette';
export const DB_VERSION = 3;

/** When each result entry was last read or written, and its size: the LRU order of the IndexedDB tier. */
export interface AccessRecord {
  readonly key: string;
  /** Monotonic stamp (milliseconds since the epoch, nudged forward so no two are equal). */
  readonly lastAccess: number;
  readonly bytes: number;
}

/** The running totals of the result stores, kept in the same transaction as every change to them. */
export interface MetaRecord {
  readonly id: string;
  readonly bytes: number;
  readonly entries: number;
}

export interface GraphRecord {
  readonly id: string;
  /** The document as JSON text, so what is loaded is exactly what JSON can carry. */
  readonly json: string;
  readonly savedAt: number;
  /** On a kept-aside copy of a document that could not be restored (see graph-store.ts): when it was kept. */
  readonly keptAt?: number;
  /** Counts the saves of the slot (absent on records from before revisions: 0), so a tab can tell that another saved since. */
  readonly rev?: number;
}

/** A source image file the user loaded, by asset id (see source-store.ts). */
export interface SourceRecord {
  readonly id: string;
  readonly blob: Blob;
  readonly bytes: number;
  readonly savedAt: number;
}

export interface PipetteDB extends DBSchema {
  /** The payload of each cached result (pixels as Blobs), written once per key. */
  results: { key: string; value: StoredEntry };
  /** Small records rewritten on every access, so that a hit never rewrites a payload. */
  access: { key: string; value: AccessRecord; indexes: { lastAccess: number } };
  meta: { key: string; value: MetaRecord };
  graph: { key: string; value: GraphRecord };
  sources: { key: string; value: SourceRecord };
  /** The batch queue (src/batch): jobs, their frozen pipelines, inputs by content, committed results. */
  batchJobs: { key: string; value: BatchJob };
  /** Before several outputs, a pipeline had one `step` instead of `outputs` (store.ts reads both). */
  batchPipelines: { key: string; value: BatchPipeline | (Omit<BatchPipeline, 'outputs'> & { readonly step: string }) };
  batchInputs: { key: string; value: { readonly id: string; readonly blob: Blob } };
  /** `{ id, files: [{ name, blob }] }`; before several outputs, `{ id, blob, name }` (store.ts reads both). */
  batchResults: { key: string; value: { readonly id: string } };
  batchMeta: { key: string; value: { readonly id: string; readonly paused: boolean; readonly running: boolean } };
}

export const RESULTS_META = 'results';

export type PipetteDatabase = IDBPDatabase<PipetteDB>;

export interface OpenOptions {
  readonly name?: string;
  /** Give up (and close the connection if it opens later) after this long; default 5 s. */
  readonly timeoutMs?: number;
  /** Another tab wants a newer schema: the connection is closed right after this is called. */
  readonly onVersionChange?: () => void;
  /** The browser closed the connection (storage cleared, disk error). */
  readonly onTerminated?: () => void;
}

export class StorageUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageUnavailableError';
  }
}

/** The page's IndexedDB, or null where there is none (some private modes, old browsers, Node). */
export function defaultIndexedDB(): IDBFactory | null {
  try {
    return typeof indexedDB === 'undefined' ? null : indexedDB;
  } catch {
    return null; // reading the property itself can throw where storage is disabled
  }
}

export function openPipetteDb(factory: IDBFactory | null, opts: OpenOptions = {}): Promise<PipetteDatabase> {
  if (!factory) return Promise.reject(new StorageUnavailableError('IndexedDB is not available in this browser'));
  const timeoutMs = opts.timeoutMs ?? 5000;
  return new Promise<PipetteDatabase>((resolve, reject) => {
    let settled = false;
    let request: IDBOpenDBRequest;
    const fail = (message: string, cause?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new StorageUnavailableError(message, { cause }));
    };
    const timer = setTimeout(() => fail(`Opening IndexedDB took longer than ${timeoutMs} ms`), timeoutMs);
    try {
      request = factory.open(opts.name ?? DB_NAME, DB_VERSION);
    } catch (e) {
      // Firefox's private mode used to throw here (InvalidStateError).
      fail('IndexedDB cannot be opened here', e);
      return;
    }
    request.addEventListener('upgradeneeded', (event) => {
      upgrade(request.result, (event as IDBVersionChangeEvent).oldVersion);
    });
    request.addEventListener('blocked', () => {
      // Another tab holds an older version open and has not let go: wait until the time limit.
    });
    request.addEventListener('error', (event) => {
      // Handled here: keep the failed open from surfacing as an uncaught error.
      event.preventDefault?.();
      fail('IndexedDB refused to open', request.error);
    });
    request.addEventListener('success', () => {
      const raw = request.result;
      if (settled) {
        raw.close(); // too late: the caller already carries on without storage
        return;
      }
      settled = true;
      clearTimeout(timer);
      raw.addEventListener('versionchange', () => {
        opts.onVersionChange?.();
        raw.close();
      });
      raw.addEventListener('close', () => opts.onTerminated?.());
      resolve(wrap(raw) as unknown as PipetteDatabase);
    });
  });
}

function upgrade(db: IDBDatabase, oldVersion: number): void {
  if (oldVersion < 1) {
    db.createObjectStore('results', { keyPath: 'key' });
    const access = db.createObjectStore('access', { keyPath: 'key' });
    access.createIndex('lastAccess', 'lastAccess');
    db.createObjectStore('meta', { keyPath: 'id' });
    db.createObjectStore('graph', { keyPath: 'id' });
  }
  if (oldVersion < 2) db.createObjectStore('sources', { keyPath: 'id' });
  if (oldVersion < 3) {
    db.createObjectStore('batchJobs', { keyPath: 'id' });
    db.createObjectStore('batchPipelines', { keyPath: 'id' });
    db.createObjectStore('batchInputs', { keyPath: 'id' });
    db.createObjectStore('batchResults', { keyPath: 'id' });
    db.createObjectStore('batchMeta', { keyPath: 'id' });
  }
}

export interface LazyDbOptions {
  /** The IndexedDB factory: the page's `indexedDB` by default. */
  readonly indexedDB?: IDBFactory | null;
  readonly dbName?: string;
  readonly openTimeoutMs?: number;
}

/**
 * A connection opened on first use and kept; opened afresh after another tab upgrades the schema,
 * the browser closes it, or an open failed (a failure is retried on the next call, not remembered).
 */
export class LazyDb {
  readonly #opts: LazyDbOptions;
  #db: Promise<PipetteDatabase> | null = null;

  constructor(opts: LazyDbOptions = {}) {
    this.#opts = opts;
  }

  open(): Promise<PipetteDatabase> {
    if (!this.#db) {
      const factory = this.#opts.indexedDB === undefined ? defaultIndexedDB() : this.#opts.indexedDB;
      const opening = openPipetteDb(factory, {
        ...(this.#opts.dbName !== undefined ? { name: this.#opts.dbName } : {}),
        ...(this.#opts.openTimeoutMs !== undefined ? { timeoutMs: this.#opts.openTimeoutMs } : {}),
        onVersionChange: () => {
          if (this.#db === opening) this.#db = null;
        },
        onTerminated: () => {
          if (this.#db === opening) this.#db = null;
        },
      });
      this.#db = opening;
      opening.catch(() => {
        if (this.#db === opening) this.#db = null;
      });
    }
    return this.#db;
  }

  close(): void {
    const db = this.#db;
    this.#db = null;
    void db?.then((d) => d.close(), () => {});
  }
}

/** Whether an IndexedDB failure means the origin ran out of storage. */
export function isQuotaError(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const name = (e as { name?: unknown }).name;
  // 22 is the legacy DOMException code; Firefox has reported NS_ERROR_DOM_QUOTA_REACHED.
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || (e as { code?: unknown }).code === 22;
}
