import { afterEach, describe, expect, test, vi } from 'vitest';
import { freshFactory, imageOut, makeCache, snapshot } from './helpers';
import type { CacheNotice } from '../../../src/cache/tiered-cache';
import { DB_VERSION } from '../../../src/cache/db';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Makes the next `times` writes of a result payload fail as a full disk would. */
function failPayloadWrites(times: number) {
  const realPut = IDBObjectStore.prototype.put;
  let left = times;
  let attempts = 0;
  vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
    if (this.name === 'results') {
      attempts++;
      if (left > 0) {
        left--;
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      }
    }
    return realPut.call(this, value, key);
  });
  return { attempts: () => attempts };
}

describe('storage quota', () => {
  test('a QuotaExceededError evicts old entries and retries once', async () => {
    const factory = freshFactory();
    const cache = makeCache(factory, { memoryBudgetBytes: 0 });
    const notices: CacheNotice[] = [];
    cache.onNotice((n) => notices.push(n));
    for (const k of ['a', 'b', 'c']) {
      cache.put(k, imageOut(100));
      await cache.flush();
    }
    const spy = failPayloadWrites(1);
    cache.put('d', imageOut(100));
    await cache.flush();
    expect(spy.attempts()).toBe(2);
    const s = await snapshot(factory);
    expect(s.resultKeys).toEqual(['b', 'c', 'd']); // a, the oldest, made room
    expect(s.metaBytes).toBe(300);
    expect(cache.stats.idb.evictions).toBe(1);
    expect(cache.mode).toBe('tiered');
    expect(notices).toEqual([]);
    await cache.close();
  });

  test('a second QuotaExceededError leaves the cache in memory only, with a notice', async () => {
    const factory = freshFactory();
    const cache = makeCache(factory);
    const notices: CacheNotice[] = [];
    cache.onNotice((n) => notices.push(n));
    cache.put('a', imageOut(100));
    await cache.flush();
    const spy = failPayloadWrites(Infinity);
    cache.put('b', imageOut(100, 2));
    await cache.flush();
    expect(spy.attempts()).toBe(2);
    expect(cache.mode).toBe('memory-only');
    expect(notices).toHaveLength(1);
    expect(notices[0]!.kind).toBe('memory-only');
    expect(notices[0]!.message).toMatch(/full/);
    expect(cache.stats.notice).toEqual(notices[0]);
    // The transaction that failed left nothing half-done.
    const s = await snapshot(factory);
    expect(s.resultKeys).toEqual([]); // 'a' was evicted to make room before the retry
    expect(s.metaBytes).toBe(s.accessBytes);

    // Memory keeps working, and IndexedDB is no longer consulted or written.
    expect(cache.get('b')).toBeDefined();
    cache.put('c', imageOut(100, 3));
    expect(cache.get('c')).toBeDefined();
    expect(cache.get('nope')).toBeUndefined(); // synchronous: no IndexedDB read
    await cache.flush();
    expect(spy.attempts()).toBe(2);
    await cache.close();
  });

  test('clearing the cache after a quota failure brings IndexedDB back', async () => {
    const factory = freshFactory();
    const cache = makeCache(factory);
    failPayloadWrites(2);
    cache.put('a', imageOut(100));
    await cache.flush();
    expect(cache.mode).toBe('memory-only');
    vi.restoreAllMocks();
    await cache.clear();
    expect(cache.mode).toBe('tiered');
    expect(cache.stats.notice).toBeNull();
    cache.put('b', imageOut(100));
    await cache.flush();
    expect((await snapshot(factory)).resultKeys).toEqual(['b']);
    await cache.close();
  });

  test('a late notice subscriber still hears about memory-only mode', async () => {
    const cache = makeCache(freshFactory());
    failPayloadWrites(Infinity);
    cache.put('a', imageOut(100));
    await cache.flush();
    const notices: CacheNotice[] = [];
    cache.onNotice((n) => notices.push(n));
    expect(notices.map((n) => n.kind)).toEqual(['memory-only']);
    await cache.close();
  });
});

describe('IndexedDB unavailable', () => {
  async function expectMemoryOnly(factory: IDBFactory | null, opts: { openTimeoutMs?: number } = {}) {
    const cache = makeCache(factory, opts);
    const notices: CacheNotice[] = [];
    cache.onNotice((n) => notices.push(n));
    await cache.ready;
    expect(cache.mode).toBe('memory-only');
    expect(notices).toHaveLength(1);
    expect(notices[0]!.kind).toBe('memory-only');
    expect(notices[0]!.message).toMatch(/memory only/);
    const out = imageOut(64);
    cache.put('a', out);
    expect(cache.get('a')).toBe(out);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.stats.writesPending).toBe(0);
    await cache.flush();
    await cache.clear();
    expect(cache.get('a')).toBeUndefined();
    await cache.close();
  }

  test('no indexedDB at all: memory only with a notice', async () => {
    await expectMemoryOnly(null);
  });

  test('open throws (as in old private modes): memory only with a notice', async () => {
    const factory = {
      open() {
        throw new DOMException('A mutation operation was attempted on a database that did not allow mutations.', 'InvalidStateError');
      },
    } as unknown as IDBFactory;
    await expectMemoryOnly(factory);
  });

  test('open fails (a newer schema already exists): memory only with a notice', async () => {
    const factory = freshFactory();
    await new Promise<void>((resolve, reject) => {
      const req = factory.open('pipette', 99);
      req.onsuccess = () => {
        req.result.close();
        resolve();
      };
      req.onerror = () => reject(req.error);
    });
    await expectMemoryOnly(factory);
  });

  test('open blocked for ever by another tab: memory only after the time limit', async () => {
    const factory = {
      open() {
        const request = new EventTarget();
        setTimeout(() => request.dispatchEvent(new Event('blocked')), 0);
        return request;
      },
    } as unknown as IDBFactory;
    await expectMemoryOnly(factory, { openTimeoutMs: 20 });
  });

  test('another tab upgrading the schema closes the connection: memory only with a notice', async () => {
    const factory = freshFactory();
    const cache = makeCache(factory);
    await cache.ready;
    const notices: CacheNotice[] = [];
    cache.onNotice((n) => notices.push(n));
    await new Promise<void>((resolve, reject) => {
      const req = factory.open('pipette', DB_VERSION + 1);
      req.onsuccess = () => {
        req.result.close();
        resolve();
      };
      req.onerror = () => reject(req.error);
    });
    expect(cache.mode).toBe('memory-only');
    expect(notices.map((n) => n.kind)).toEqual(['memory-only']);
    cache.put('a', imageOut(8));
    expect(cache.get('a')).toBeDefined();
    await cache.close();
  });

  test('a store that cannot be read is a miss, not an error', async () => {
    const factory = freshFactory();
    const writer = makeCache(factory);
    writer.put('k', imageOut(64));
    await writer.close();
    const cache = makeCache(factory, { memoryBudgetBytes: 0 });
    await cache.ready;
    vi.spyOn(IDBObjectStore.prototype, 'get').mockImplementation(() => {
      throw new DOMException('Disk read failed', 'UnknownError');
    });
    await expect(cache.get('k')).resolves.toBeUndefined();
    vi.restoreAllMocks();
    expect(cache.stats.integrityFailures).toBe(0);
    expect(cache.stats.readErrors).toBe(1);
    expect((await snapshot(factory)).resultKeys).toEqual(['k']);
    await cache.close();
  });
});
