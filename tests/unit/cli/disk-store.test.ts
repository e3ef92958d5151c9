import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { DiskStore } from '../../../src/cli/disk-store';
import { createImage } from '../../../src/ops/image';
import type { Image, Value } from '../../../src/ops/types';
import type { OpDecl } from '../../../src/engine/op';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const op = {} as OpDecl;
const KEY = 'ab' + '0'.repeat(30);

async function stored(): Promise<{ dir: string; store: DiskStore; image: Image }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'pipette-disk-'));
  dirs.push(dir);
  const store = new DiskStore(dir);
  const image = createImage(6, 4);
  for (let i = 0; i < image.data.length; i++) image.data[i] = (i * 37) & 255;
  store.put(KEY, { image, mean: 0.25 } as Record<string, Value>, { op, durationMs: 1 });
  await store.flush();
  return { dir, store, image };
}

const json = (dir: string, key = KEY) => path.join(dir, key.slice(0, 2), `${key}.json`);

describe('the CLI result cache on disk', () => {
  test('a result reads back whole: pixels, size and numbers', async () => {
    const { store, image } = await stored();
    const back = (await store.get(KEY))!;
    const img = back.image as Image;
    expect([img.width, img.height]).toEqual([6, 4]);
    expect(Buffer.compare(Buffer.from(img.data), Buffer.from(image.data))).toBe(0);
    expect(back.mean).toBe(0.25);
    expect(await store.get('cd' + '1'.repeat(30))).toBeUndefined();
  });

  test('a swapped width and height, a changed number, changed pixels or a record under another key are misses', async () => {
    const { dir, store } = await stored();
    const original = readFileSync(json(dir), 'utf8');
    const edit = (f: (r: { ports: Record<string, Record<string, unknown>> }) => void) => {
      const r = JSON.parse(original);
      f(r);
      writeFileSync(json(dir), JSON.stringify(r));
    };
    edit((r) => {
      r.ports.image!.width = 4;
      r.ports.image!.height = 6;
    });
    expect(await store.get(KEY)).toBeUndefined();
    edit((r) => (r.ports.mean!.value = 0.5));
    expect(await store.get(KEY)).toBeUndefined();
    writeFileSync(json(dir), original);
    expect(await store.get(KEY)).toBeDefined();
    const rgba = path.join(dir, KEY.slice(0, 2), readdirSync(path.join(dir, KEY.slice(0, 2))).find((f) => f.endsWith('.rgba'))!);
    const bytes = readFileSync(rgba);
    bytes[5] = bytes[5]! ^ 1;
    writeFileSync(rgba, bytes);
    expect(await store.get(KEY)).toBeUndefined();
    const other = 'ab' + '2'.repeat(30);
    copyFileSync(json(dir), json(dir, other));
    expect(await store.get(other)).toBeUndefined();
  });
});
