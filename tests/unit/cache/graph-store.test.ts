import { afterEach, describe, expect, test, vi } from 'vitest';
import { deferred, freshFactory, imageOut, makeCache, rawDb } from './helpers';
import { createAutosaver, GraphConflictError, IdbGraphStore, makingRoom, restoreSaved, saveProblem, type GraphStore } from '../../../src/cache/graph-store';
import { StorageUnavailableError } from '../../../src/cache/db';

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

const doc = (n: number) => ({ version: 1, nodes: [{ id: `n${n}`, op: 'blur', params: { sigma: n } }], edges: [] });

describe('graph store', () => {
  test('load() answers undefined before anything was saved', async () => {
    const store = new IdbGraphStore({ indexedDB: freshFactory() });
    expect(await store.load()).toBeUndefined();
    store.close();
  });

  test('a saved document loads back equal, in a new connection too', async () => {
    const factory = freshFactory();
    const store = new IdbGraphStore({ indexedDB: factory });
    await store.save(doc(1));
    expect(await store.load()).toEqual(doc(1));
    store.close();
    const again = new IdbGraphStore({ indexedDB: factory });
    expect(await again.load()).toEqual(doc(1));
    again.close();
  });

  test('a save replaces the previous document', async () => {
    const store = new IdbGraphStore({ indexedDB: freshFactory() });
    await store.save(doc(1));
    await store.save(doc(2));
    expect(await store.load()).toEqual(doc(2));
    store.close();
  });

  test('what is saved is a snapshot: later changes to the object are not seen', async () => {
    const store = new IdbGraphStore({ indexedDB: freshFactory() });
    const d = doc(1);
    const saving = store.save(d);
    d.nodes[0]!.params.sigma = 99;
    await saving;
    expect(await store.load()).toEqual(doc(1));
    store.close();
  });

  test('a save that fails mid-write keeps the previous version', async () => {
    const store = new IdbGraphStore({ indexedDB: freshFactory() });
    await store.save(doc(1));
    const realPut = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      const request = realPut.call(this, value, key);
      this.transaction.abort(); // the tab dies before the transaction commits
      return request;
    });
    await expect(store.save(doc(2))).rejects.toBeDefined();
    vi.restoreAllMocks();
    expect(await store.load()).toEqual(doc(1));
    store.close();
  });

  test('a value JSON cannot carry is refused', async () => {
    const store = new IdbGraphStore({ indexedDB: freshFactory() });
    await expect(store.save(undefined)).rejects.toThrow(TypeError);
    await expect(store.save({ n: 1n })).rejects.toThrow(TypeError);
    store.close();
  });

  test('a damaged record is reported, not returned', async () => {
    const factory = freshFactory();
    const store = new IdbGraphStore({ indexedDB: factory });
    await store.save(doc(1));
    const db = await rawDb(factory);
    await db.put('graph', { id: 'current', json: '{"nodes": [', savedAt: 0 });
    db.close();
    await expect(store.load()).rejects.toThrow(/damaged/);
    store.close();
  });

  test('without IndexedDB, save and load reject with StorageUnavailableError', async () => {
    const store = new IdbGraphStore({ indexedDB: null });
    await expect(store.save(doc(1))).rejects.toThrow(StorageUnavailableError);
    await expect(store.load()).rejects.toThrow(StorageUnavailableError);
  });

  test('shares the database with the result cache without either disturbing the other', async () => {
    const factory = freshFactory();
    const cache = makeCache(factory);
    const store = new IdbGraphStore({ indexedDB: factory });
    await store.save(doc(3));
    cache.put('k', imageOut(16));
    await cache.flush();
    await cache.clear();
    expect(await store.load()).toEqual(doc(3));
    await cache.close();
    store.close();
  });
});

describe('keeping aside a saved graph that could not be restored', () => {
  // The document of issue 19: valid JSON that the file format refuses (a label with a right-to-left override).
  const unreadable = '{"format":"pipette-graph","version":1,"graph":{"nodes":[{"id":"a","op":"image-source","label":"photo\u202egnp.exe"}],"edges":[]}}';

  test('its text, exactly as stored, survives the saves that follow', async () => {
    const factory = freshFactory();
    const db = await rawDb(factory);
    await db.put('graph', { id: 'current', json: unreadable, savedAt: 1000 });
    db.close();

    const store = new IdbGraphStore({ indexedDB: factory });
    expect(await store.load()).toEqual(JSON.parse(unreadable)); // JSON: the store cannot tell it is refused
    expect(await store.keepAside()).toBe(unreadable);
    await store.save(doc(1));
    await store.save(doc(2));
    expect(await store.load()).toEqual(doc(2));
    const kept = await store.keptAside();
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ json: unreadable, savedAt: 1000 });
    store.close();

    // In a new connection too, and next to the slot the autosave uses, never in it.
    const again = new IdbGraphStore({ indexedDB: factory });
    expect((await again.keptAside()).map((k) => k.json)).toEqual([unreadable]);
    expect(await again.load()).toEqual(doc(2));
    again.close();
  });

  test('a damaged record is kept as it is, and keeping the same one again does not multiply it', async () => {
    const factory = freshFactory();
    const db = await rawDb(factory);
    await db.put('graph', { id: 'current', json: '{"nodes": [', savedAt: 5 });
    db.close();
    const store = new IdbGraphStore({ indexedDB: factory });
    await expect(store.load()).rejects.toThrow(/damaged/);
    expect(await store.keepAside()).toBe('{"nodes": [');
    expect(await store.keepAside()).toBe('{"nodes": ['); // the next reload fails the same way
    expect((await store.keptAside()).map((k) => k.json)).toEqual(['{"nodes": [']);
    store.close();
  });

  test('a later failure keeps its own copy beside the earlier one', async () => {
    const factory = freshFactory();
    const store = new IdbGraphStore({ indexedDB: factory });
    const db = await rawDb(factory);
    await db.put('graph', { id: 'current', json: 'first', savedAt: 1 });
    await store.keepAside();
    await db.put('graph', { id: 'current', json: 'second', savedAt: 2 });
    await store.keepAside();
    db.close();
    expect((await store.keptAside()).map((k) => k.json).sort()).toEqual(['first', 'second']);
    store.close();
  });

  test('with nothing saved there is nothing to keep', async () => {
    const store = new IdbGraphStore({ indexedDB: freshFactory() });
    expect(await store.keepAside()).toBeUndefined();
    expect(await store.keptAside()).toEqual([]);
    store.close();
  });

  test('without IndexedDB it rejects, so the caller knows the text is not safe', async () => {
    const store = new IdbGraphStore({ indexedDB: null });
    await expect(store.keepAside()).rejects.toThrow(StorageUnavailableError);
  });
});

describe('restoring the saved graph at start', () => {
  const refuse = () => {
    throw new Error('nodes[0].label: must be a line of text of at most 200 characters');
  };

  test('a document that cannot be opened is kept aside before anything may save over it', async () => {
    const factory = freshFactory();
    const planted = JSON.stringify({ planted: '\u202e' });
    const db = await rawDb(factory);
    await db.put('graph', { id: 'current', json: planted, savedAt: 7 });
    db.close();
    const store = new IdbGraphStore({ indexedDB: factory });
    const restored = await restoreSaved(store, refuse);
    expect(restored.error).toBeInstanceOf(Error);
    expect(restored.keptAside).toBe(planted);
    expect(restored.mayAutosave).toBe(true);
    // The next edit autosaves over the slot; the planted text is still there.
    const autosaver = createAutosaver(store, 10);
    autosaver.schedule(doc(1));
    await autosaver.flush();
    expect(await store.load()).toEqual(doc(1));
    expect((await store.keptAside()).map((k) => k.json)).toEqual([planted]);
    store.close();
  });

  test('a damaged record is kept aside too', async () => {
    const factory = freshFactory();
    const db = await rawDb(factory);
    await db.put('graph', { id: 'current', json: '{"nodes": [', savedAt: 7 });
    db.close();
    const store = new IdbGraphStore({ indexedDB: factory });
    const opened: unknown[] = [];
    const restored = await restoreSaved(store, (d) => opened.push(d));
    expect(opened).toEqual([]);
    expect(restored).toMatchObject({ keptAside: '{"nodes": [', mayAutosave: true });
    expect(String(restored.error)).toMatch(/damaged/);
    store.close();
  });

  test('a document that opens is handed over and nothing is kept aside', async () => {
    const factory = freshFactory();
    const store = new IdbGraphStore({ indexedDB: factory });
    await store.save(doc(4));
    const opened: unknown[] = [];
    expect(await restoreSaved(store, (d) => opened.push(d))).toEqual({ mayAutosave: true });
    expect(opened).toEqual([doc(4)]);
    expect(await store.keptAside()).toEqual([]);
    store.close();
  });

  test('with nothing saved, saving may start at once', async () => {
    const store = new IdbGraphStore({ indexedDB: freshFactory() });
    expect(await restoreSaved(store, refuse)).toEqual({ mayAutosave: true });
    store.close();
  });

  test('storage that does not open may hold a good graph: saving stays off', async () => {
    const store = new IdbGraphStore({ indexedDB: null });
    const restored = await restoreSaved(store, refuse);
    expect(restored.error).toBeInstanceOf(StorageUnavailableError);
    expect(restored.mayAutosave).toBe(false);
  });

  test('a document that could not be kept aside keeps saving off', async () => {
    const factory = freshFactory();
    const store = new IdbGraphStore({ indexedDB: factory });
    await store.save(doc(5));
    vi.spyOn(store, 'keepAside').mockRejectedValue(new DOMException('The disk is full', 'QuotaExceededError'));
    const restored = await restoreSaved(store, refuse);
    expect(restored).toMatchObject({ mayAutosave: false });
    expect(restored.keptAside).toBeUndefined();
    expect(await store.load()).toEqual(doc(5));
    store.close();
  });
});

describe('autosaver', () => {
  function recordingStore() {
    const saved: unknown[] = [];
    const store: GraphStore = {
      async save(d) {
        saved.push(d);
      },
      async load() {
        return saved.at(-1);
      },
      close() {},
    };
    return { store, saved };
  }

  test('a burst of edits becomes one save of the latest document after the delay', async () => {
    vi.useFakeTimers();
    const { store, saved } = recordingStore();
    const auto = createAutosaver(store, 500);
    auto.schedule(doc(1));
    await vi.advanceTimersByTimeAsync(300);
    auto.schedule(doc(2));
    await vi.advanceTimersByTimeAsync(300);
    auto.schedule(doc(3));
    expect(saved).toEqual([]);
    expect(auto.pending).toBe(true);
    await vi.advanceTimersByTimeAsync(500);
    expect(saved).toEqual([doc(3)]);
    expect(auto.pending).toBe(false);
  });

  test('edits that never pause are still saved after the longest wait', async () => {
    vi.useFakeTimers();
    const { store, saved } = recordingStore();
    const auto = createAutosaver(store, 100, { maxWaitMs: 1000 });
    for (let i = 0; i < 15; i++) {
      auto.schedule(doc(i));
      await vi.advanceTimersByTimeAsync(80);
    }
    expect(saved.length).toBeGreaterThanOrEqual(1);
    expect(saved[0]).toEqual(doc(12)); // scheduled at 960 ms, saved at the 1000 ms limit
  });

  test('flush() saves at once and resolves once saved', async () => {
    const { store, saved } = recordingStore();
    const auto = createAutosaver(store, 60_000);
    auto.schedule(doc(1));
    await auto.flush();
    expect(saved).toEqual([doc(1)]);
    await auto.flush(); // nothing pending
    expect(saved).toEqual([doc(1)]);
  });

  test('saves never overlap, and the newest document is saved last', async () => {
    const gates: ReturnType<typeof deferred<void>>[] = [];
    const started: unknown[] = [];
    let running = 0;
    let overlap = false;
    const store: GraphStore = {
      async save(d) {
        running++;
        if (running > 1) overlap = true;
        started.push(d);
        const g = deferred();
        gates.push(g);
        await g.promise;
        running--;
      },
      async load() {
        return undefined;
      },
      close() {},
    };
    const auto = createAutosaver(store, 10);
    auto.schedule(doc(1));
    const first = auto.flush();
    auto.schedule(doc(2));
    auto.schedule(doc(3));
    const second = auto.flush();
    await vi.waitFor(() => expect(gates).toHaveLength(1));
    expect(started).toEqual([doc(1)]);
    gates[0]!.resolve();
    await first;
    await vi.waitFor(() => expect(gates).toHaveLength(2));
    expect(started).toEqual([doc(1), doc(3)]);
    gates[1]!.resolve();
    await second;
    expect(overlap).toBe(false);
  });

  test('a failed save is reported and kept for the next attempt', async () => {
    vi.useFakeTimers();
    let fail = true;
    const saved: unknown[] = [];
    const errors: unknown[] = [];
    const store: GraphStore = {
      async save(d) {
        if (fail) throw new Error('disk full');
        saved.push(d);
      },
      async load() {
        return undefined;
      },
      close() {},
    };
    const auto = createAutosaver(store, 100, { onError: (e) => errors.push(e) });
    auto.schedule(doc(1));
    await vi.advanceTimersByTimeAsync(100);
    expect(errors).toHaveLength(1);
    expect(auto.pending).toBe(true);
    await expect(auto.flush()).rejects.toThrow('disk full');
    fail = false;
    await auto.flush();
    expect(saved).toEqual([doc(1)]);
  });

  test('cancel() forgets the scheduled document', async () => {
    vi.useFakeTimers();
    const { store, saved } = recordingStore();
    const auto = createAutosaver(store, 100);
    auto.schedule(doc(1));
    auto.cancel();
    await vi.advanceTimersByTimeAsync(1000);
    await auto.flush();
    expect(saved).toEqual([]);
  });
});

describe('saving when storage is full', () => {
  const quota = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError');

  test('a quota error makes room once and saves again; other errors do not', async () => {
    const saved: unknown[] = [];
    let full = true;
    let roomMade = 0;
    const store = makingRoom(
      {
        async save(doc) {
          if (full) throw quota();
          saved.push(doc);
        },
      },
      async () => {
        roomMade++;
        full = false;
      },
    );
    await store.save({ a: 1 });
    expect(roomMade).toBe(1);
    expect(saved).toEqual([{ a: 1 }]);

    const broken = makingRoom({ save: () => Promise.reject(new Error('disk on fire')) }, async () => void roomMade++);
    await expect(broken.save({})).rejects.toThrow('disk on fire');
    expect(roomMade).toBe(1);
    const stillFull = makingRoom({ save: () => Promise.reject(quota()) }, async () => void roomMade++);
    await expect(stillFull.save({})).rejects.toThrow(/quota/);
    expect(roomMade).toBe(2);
  });

  test('the message says the graph is not being saved, and why', () => {
    expect(saveProblem(quota())).toMatch(/^Your graph is not being saved: this browser's storage for Pipette is full/);
    expect(saveProblem(new Error('IndexedDB refused to open'))).toBe('Your graph is not being saved (IndexedDB refused to open).');
  });
});

describe('two tabs on one saved graph (revisions)', () => {
  test('a tab never overwrites a save made since it loaded; keeping its own is a choice', async () => {
    const factory = freshFactory();
    const a = new IdbGraphStore({ indexedDB: factory, revisions: true });
    const b = new IdbGraphStore({ indexedDB: factory, revisions: true });
    expect(await a.load()).toBeUndefined();
    expect(await b.load()).toBeUndefined();
    await a.save({ from: 'a', n: 1 });
    expect(a.revision).toBe(1);
    // b loaded before a saved: its save is refused and a's document is what stays.
    const conflict = await b.save({ from: 'b' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(conflict).toBeInstanceOf(GraphConflictError);
    expect(JSON.parse((conflict as GraphConflictError).json)).toEqual({ from: 'a', n: 1 });
    expect((conflict as GraphConflictError).rev).toBe(1);
    expect(await new IdbGraphStore({ indexedDB: factory }).load()).toEqual({ from: 'a', n: 1 });
    // Keep mine: b overwrites on purpose; then a, based on revision 1, is refused in turn.
    b.override();
    await b.save({ from: 'b' });
    expect(b.revision).toBe(2);
    await expect(a.save({ from: 'a', n: 2 })).rejects.toBeInstanceOf(GraphConflictError);
    // Load theirs: a takes the newest and saves on from it.
    expect(await a.load()).toEqual({ from: 'b' });
    await a.save({ from: 'a', n: 3 });
    expect((await a.latest())!.rev).toBe(3);
    a.close();
    b.close();
  });

  test('without revisions (the default) a save overwrites, as before', async () => {
    const factory = freshFactory();
    const a = new IdbGraphStore({ indexedDB: factory });
    const b = new IdbGraphStore({ indexedDB: factory });
    await a.load();
    await b.save({ from: 'b' });
    await a.save({ from: 'a' });
    expect(await b.load()).toEqual({ from: 'a' });
  });
});
