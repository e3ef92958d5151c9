// The image files the user loaded, by asset id (the hash of their decoded pixels), in Pipette's
// IndexedDB database (object store `sources`), apart from the result cache: clearing the cache, a
// tiny budget or a damaged result entry never loses a source. The file is kept as it came (a
// Blob, compressed as the user's file was) and decoded again when a step needs it; decoding is
// deterministic, so it gives the same pixels and the same id.
//
// A source is deleted only when no saved graph refers to it: `retain(ids)` after a restore, with
// the ids of the autosaved graph and of every graph kept aside.

import { LazyDb, type LazyDbOptions } from './db';

export interface SourceStore {
  /** Keeps the file under its asset id (once: a second put of the same id is a no-op). */
  put(id: string, file: Blob): Promise<void>;
  /** The file stored under the id, or undefined. Rejects only when storage cannot be opened. */
  get(id: string): Promise<Blob | undefined>;
  /**
   * Deletes every source whose id is not in the set `keep` answers; answers how many went. `keep`
   * is asked once the deleting transaction exists, so a source put by a call made before that is
   * either in the set or written after the deletions, never deleted unseen.
   */
  retain(keep: () => ReadonlySet<string>): Promise<number>;
  /** Resolves once every put so far is committed (or has failed). */
  flush(): Promise<void>;
  close(): void;
}

export class IdbSourceStore implements SourceStore {
  readonly #db: LazyDb;
  readonly #pending = new Set<Promise<unknown>>();

  constructor(opts: LazyDbOptions = {}) {
    this.#db = new LazyDb(opts);
  }

  put(id: string, file: Blob): Promise<void> {
    const p = (async () => {
      const db = await this.#db.open();
      const tx = db.transaction('sources', 'readwrite', { durability: 'strict' });
      if (await tx.store.getKey(id)) {
        await tx.done;
        return;
      }
      await Promise.all([tx.store.put({ id, blob: file, bytes: file.size, savedAt: Date.now() }), tx.done]);
    })();
    this.#pending.add(p);
    void p.then(
      () => this.#pending.delete(p),
      () => this.#pending.delete(p),
    );
    return p;
  }

  async get(id: string): Promise<Blob | undefined> {
    // A file still being written is read once it is there.
    await Promise.allSettled([...this.#pending]);
    const db = await this.#db.open();
    const record = await db.get('sources', id);
    return record && record.blob instanceof Blob ? record.blob : undefined;
  }

  async retain(keep: () => ReadonlySet<string>): Promise<number> {
    const db = await this.#db.open();
    const tx = db.transaction('sources', 'readwrite');
    const ids = keep();
    let deleted = 0;
    for (const id of await tx.store.getAllKeys()) {
      if (ids.has(id)) continue;
      await tx.store.delete(id);
      deleted++;
    }
    await tx.done;
    return deleted;
  }

  async flush(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }

  close(): void {
    this.#db.close();
  }
}

/** The asset ids a graph document refers to, found in its text (so a document that cannot be opened still counts). */
export function assetIdsIn(json: string): Set<string> {
  const ids = new Set<string>();
  for (const m of json.matchAll(/"asset"\s*:\s*"([0-9a-f]{32})"/g)) ids.add(m[1]!);
  return ids;
}

