// `--cache DIR`: every step's full-resolution results kept on disk by content key, so a later run
// (another graph sharing the first steps, or the same graph after an interrupted run) reuses them.
// One JSON record per key with the outputs' shapes and a raw RGBA file per image output. The record
// holds a hash of each image's bytes and a hash of the whole record (sizes, scale, numbers and
// those hashes), so a record that does not read back whole and unchanged is a miss, never served.

import { mkdirSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { hashBytes128, hashText128 } from '../engine/hash';
import type { Outputs, ResultStore } from '../engine/types';
import { createImage, isHistogram, isImage } from '../ops/image';
import type { Histogram, Value } from '../ops/types';

type PortRecord =
  | { readonly kind: 'image'; readonly width: number; readonly height: number; readonly scale?: number; readonly hash: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'histogram'; readonly value: Record<string, number[]>; readonly pixels: number };

export class DiskStore implements ResultStore<Value> {
  readonly #dir: string;
  readonly #pending = new Set<Promise<void>>();

  constructor(dir: string) {
    this.#dir = dir;
    mkdirSync(dir, { recursive: true });
  }

  #file(key: string, suffix: string): string {
    return path.join(this.#dir, key.slice(0, 2), `${key}${suffix}`);
  }

  async get(key: string): Promise<Outputs<Value> | undefined> {
    try {
      const { ports: record, sum } = JSON.parse(await readFile(this.#file(key, '.json'), 'utf8')) as { ports: Record<string, PortRecord>; sum: string };
      if (sum !== recordSum(key, record)) return undefined;
      const out: Record<string, Value> = {};
      for (const [port, r] of Object.entries(record)) {
        if (r.kind === 'number') out[port] = r.value;
        else if (r.kind === 'histogram') {
          const h: Record<string, unknown> = { kind: 'histogram', pixels: r.pixels };
          for (const [k, v] of Object.entries(r.value)) h[k] = Uint32Array.from(v);
          out[port] = h as unknown as Histogram;
        } else {
          const bytes = await readFile(this.#file(key, `.${port}.rgba`));
          if (bytes.length !== r.width * r.height * 4 || hashBytes128(bytes) !== r.hash) return undefined;
          const img = createImage(r.width, r.height);
          img.data.set(bytes);
          out[port] = r.scale !== undefined ? { ...img, scale: r.scale } : img;
        }
      }
      return out;
    } catch {
      return undefined;
    }
  }

  put(key: string, outputs: Outputs<Value>, info: Parameters<ResultStore<Value>['put']>[2]): void {
    if (info.proxy) return;
    const p = this.#write(key, outputs).catch((e: unknown) => {
      console.warn(`pipette: could not keep a result in the cache (${e instanceof Error ? e.message : String(e)})`);
    });
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p));
  }

  /** Resolves once every result handed to `put` is on disk. */
  async flush(): Promise<void> {
    await Promise.all([...this.#pending]);
  }

  async #write(key: string, outputs: Outputs<Value>): Promise<void> {
    const record: Record<string, PortRecord> = {};
    const dir = path.dirname(this.#file(key, ''));
    mkdirSync(dir, { recursive: true });
    for (const [port, v] of Object.entries(outputs)) {
      if (isImage(v)) {
        const d = v.data;
        const bytes = d.buffer instanceof SharedArrayBuffer ? Buffer.from(d) : Buffer.from(d.buffer, d.byteOffset, d.byteLength);
        await writeFile(this.#file(key, `.${port}.rgba`), bytes);
        record[port] = { kind: 'image', width: v.width, height: v.height, ...(v.scale !== undefined ? { scale: v.scale } : {}), hash: hashBytes128(bytes) };
      } else if (typeof v === 'number') record[port] = { kind: 'number', value: v };
      else if (isHistogram(v)) {
        const value: Record<string, number[]> = {};
        for (const [k, a] of Object.entries(v)) if (a instanceof Uint32Array) value[k] = [...a];
        record[port] = { kind: 'histogram', value, pixels: v.pixels };
      }
    }
    // The record last, renamed into place: a reader never sees a record whose pixels are missing.
    const json = this.#file(key, '.json');
    await writeFile(`${json}.tmp`, JSON.stringify({ ports: record, sum: recordSum(key, record) }));
    await rename(`${json}.tmp`, json);
  }
}

/** The hash of a whole record, its key included (a record copied under another key is a miss too). */
function recordSum(key: string, ports: Record<string, PortRecord>): string {
  return hashText128(`pipette-cli-cache/1:${key}:${JSON.stringify(ports)}`);
}
