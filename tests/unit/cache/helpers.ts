// Shared pieces of the cache tests. `fake-indexeddb/auto` provides the IDB classes idb checks
// against; each test still gets its own empty database through a fresh IDBFactory.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import type { Outputs } from '../../../src/engine/types';
import type { Image, Value } from '../../../src/ops/types';
import { openPipetteDb, type PipetteDatabase } from '../../../src/cache/db';
import { TieredCache, type TieredCacheOptions } from '../../../src/cache/tiered-cache';
import type { ThumbnailCodec } from '../../../src/cache/thumbnail';

export function freshFactory(): IDBFactory {
  return new IDBFactory() as unknown as IDBFactory;
}

/** A w×h image whose bytes depend on `seed`, backed by plain or shared memory. */
export function image(w: number, h: number, seed = 1, shared = false): Image {
  const n = w * h * 4;
  const data = new Uint8ClampedArray(shared ? new SharedArrayBuffer(n) : new ArrayBuffer(n));
  for (let i = 0; i < n; i++) data[i] = (i * 31 + seed * 97 + (i >> 7)) & 255;
  return { width: w, height: h, data };
}

/** One image output of `bytes` bytes (a multiple of 4). */
export function imageOut(bytes: number, seed = 1): Outputs<Value> {
  return { out: image(bytes / 4, 1, seed) };
}

export function sameBytes(a: Uint8Array | Uint8ClampedArray, b: Uint8Array | Uint8ClampedArray): boolean {
  return (
    a.byteLength === b.byteLength &&
    Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0
  );
}

export function imageOf(outputs: Outputs<Value> | undefined, port = 'out'): Image {
  const v = outputs?.[port];
  if (typeof v !== 'object' || v === null || !('data' in v)) throw new Error(`no image on ${port}`);
  return v;
}

/** A cache over `factory` with no quota cap and no thumbnail codec unless given. */
export function makeCache(factory: IDBFactory | null, opts: TieredCacheOptions = {}): TieredCache {
  return new TieredCache({ indexedDB: factory, estimate: null, thumbnails: null, ...opts });
}

/** A second connection to the same database, for looking at and damaging what the cache stored. */
export function rawDb(factory: IDBFactory): Promise<PipetteDatabase> {
  return openPipetteDb(factory);
}

export interface Snapshot {
  readonly resultKeys: string[];
  readonly accessKeys: string[];
  /** Access keys from least to most recently used. */
  readonly lruOrder: string[];
  readonly metaBytes: number;
  readonly metaEntries: number;
  readonly accessBytes: number;
}

export async function snapshot(factory: IDBFactory): Promise<Snapshot> {
  const db = await rawDb(factory);
  try {
    const resultKeys = (await db.getAllKeys('results')).sort();
    const access = await db.getAllFromIndex('access', 'lastAccess');
    const meta = await db.get('meta', 'results');
    return {
      resultKeys,
      accessKeys: access.map((a) => a.key).sort(),
      lruOrder: access.map((a) => a.key),
      metaBytes: meta?.bytes ?? 0,
      metaEntries: meta?.entries ?? 0,
      accessBytes: access.reduce((s, a) => s + a.bytes, 0),
    };
  } finally {
    db.close();
  }
}

export { deferred } from '../engine/fixtures';

/** Thumbnails for Node, which has no ImageBitmap: a plain object and a JSON codec. */
export interface FakeBitmap {
  readonly width: number;
  readonly height: number;
  readonly tag: string;
  close(): void;
}

export function fakeBitmap(width: number, height: number, tag: string): ImageBitmap {
  const b: FakeBitmap = { width, height, tag, close() {} };
  return b as unknown as ImageBitmap;
}

export function fakeThumbnailCodec(): ThumbnailCodec {
  return {
    async encode(bitmap) {
      const b = bitmap as unknown as FakeBitmap;
      return new Blob([JSON.stringify({ width: b.width, height: b.height, tag: b.tag })]);
    },
    async decode(blob) {
      const { width, height, tag } = JSON.parse(await blob.text()) as FakeBitmap;
      return fakeBitmap(width, height, tag);
    },
  };
}
