// Issue 19, "Nothing the user made is ever lost", against the built app: a file name that cannot be
// a label, an autosave that cannot be restored, a graph file too large to open, what
// `window.pipette.loadImage` may fetch, and source images kept apart from the result cache.

import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { chainGraph } from './graphs';
import { buildPng } from '../png-fixture';

const PNG = buildPng({ width: 6, height: 4, colorType: 2, bitDepth: 8, sample: (x, y) => [x * 40, y * 60, 128] });

const smallGraph = {
  format: 'pipette-graph',
  version: 1,
  graph: {
    nodes: [
      { id: 'src', op: 'gradient', params: { width: 64, height: 48 } },
      { id: 'inv', op: 'invert', params: {} },
    ],
    edges: [{ from: { node: 'src', port: 'image' }, to: { node: 'inv', port: 'image' } }],
  },
};

interface SavedNode {
  id: string;
  op: string;
  label?: string;
}

async function openApp(page: Page) {
  await page.goto('/');
  await page.evaluate(() => window.pipette.ready);
  await page.evaluate(() => window.pipette.whenIdle());
}

async function nodes(page: Page): Promise<SavedNode[]> {
  return JSON.parse(await page.evaluate(() => window.pipette.exportGraph())).graph.nodes;
}

/** Every record of the autosave's object store. Only once the app has opened (and so created) the database. */
function graphRecords(page: Page): Promise<{ id: string; json: string }[]> {
  return page.evaluate(
    () =>
      new Promise<{ id: string; json: string }[]>((resolve, reject) => {
        const open = indexedDB.open('pipette');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const req = db.transaction('graph').objectStore('graph').getAll();
          req.onsuccess = () => {
            db.close();
            resolve(req.result);
          };
          req.onerror = () => {
            db.close();
            reject(req.error);
          };
        };
      }),
  );
}

/** Writes the autosaved graph's record directly, as an older build or a damaged disk might have left it. */
function plantAutosave(page: Page, json: string): Promise<void> {
  return page.evaluate(
    (text) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('pipette');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction('graph', 'readwrite');
          tx.objectStore('graph').put({ id: 'current', json: text, savedAt: Date.now() });
          tx.oncomplete = () => {
            db.close();
            resolve();
          };
          tx.onerror = () => {
            db.close();
            reject(tx.error);
          };
        };
      }),
    json,
  );
}

test('an image dropped with a right-to-left override and a line break in its name is restored after a reload, with a clean label', async ({ page }) => {
  await openApp(page);
  await page.evaluate(() => window.pipette.select(null)); // a new image step, not a new image for a selected one
  const before = (await nodes(page)).map((n) => n.id);

  // Shows as "holidayexe.png" with the override; the line break would make it two lines.
  const name = 'holiday\u202egnp.exe\nsecond line.png';
  await page.evaluate(
    ({ bytes, name }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], name, { type: 'image/png' }));
      document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    { bytes: [...PNG], name },
  );
  await expect.poll(async () => (await nodes(page)).length).toBe(before.length + 1);
  const added = (await nodes(page)).find((n) => !before.includes(n.id))!;
  expect(added.op).toBe('image-source');
  expect(added.label).toBe('holidaygnp.exe second line.png');
  await expect(page.locator(`.svelte-flow__node[data-id="${added.id}"]`)).toContainText('holidaygnp.exe second line.png');
  const saved = await page.evaluate(() => window.pipette.exportGraph());
  await page.evaluate(() => window.pipette.flush());

  await page.reload();
  await page.evaluate(() => window.pipette.ready);
  await expect(page.getByTestId('error')).toHaveCount(0);
  expect(JSON.parse(await page.evaluate(() => window.pipette.exportGraph()))).toEqual(JSON.parse(saved));
  const restored = (await nodes(page)).find((n) => n.id === added.id);
  expect(restored?.label).toBe('holidaygnp.exe second line.png');
  await expect(page.locator(`.svelte-flow__node[data-id="${added.id}"]`)).toBeVisible();
});

test('an autosave that cannot be restored is kept aside, offered for download, and not overwritten by the next edit', async ({ page }) => {
  await openApp(page);
  await page.evaluate(() => window.pipette.flush());
  // What an older build saved for such a drop: a label the file format refuses.
  const planted = JSON.stringify({
    format: 'pipette-graph',
    version: 1,
    graph: { nodes: [{ id: 'photo', op: 'image-source', params: {}, label: 'holiday\u202egnp.exe' }], edges: [] },
  });
  await plantAutosave(page, planted);

  await page.reload();
  await page.evaluate(() => window.pipette.ready);
  const error = page.getByTestId('error');
  await expect(error).toContainText('The autosaved graph could not be restored');
  await expect(error).toContainText('nodes[0].label');
  await expect(error).toContainText('kept aside');
  expect(await nodes(page)).toEqual([]);

  // The text offered is exactly what was stored.
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download the unreadable graph' }).click();
  expect(readFileSync(await (await download).path(), 'utf8')).toBe(planted);

  // The next edit is autosaved, and the planted text is still stored beside it.
  await page.evaluate((doc) => window.pipette.loadGraph(doc), smallGraph);
  await page.evaluate(() => window.pipette.flush());
  const records = await graphRecords(page);
  const current = records.find((r) => r.id === 'current');
  expect(JSON.parse(current!.json).graph.nodes.map((n: SavedNode) => n.id)).toEqual(['src', 'inv']);
  expect(records.filter((r) => r.id !== 'current').map((r) => r.json)).toEqual([planted]);

  // And the graph made since is what the next visit restores.
  await page.reload();
  await page.evaluate(() => window.pipette.ready);
  await expect(page.getByTestId('error')).toHaveCount(0);
  expect((await nodes(page)).map((n) => n.id)).toEqual(['src', 'inv']);
  expect((await graphRecords(page)).filter((r) => r.id !== 'current').map((r) => r.json)).toEqual([planted]);
});

test('a graph file over the size limit is refused before it is read, and the graph is kept', async ({ page }) => {
  await openApp(page);
  const before = await page.evaluate(() => window.pipette.exportGraph());
  // Counts reads of any file's text (File inherits Blob's).
  await page.evaluate(() => {
    const text = Blob.prototype.text;
    const w = window as unknown as { textReads: number };
    w.textReads = 0;
    Blob.prototype.text = function (this: Blob) {
      w.textReads++;
      return text.call(this);
    };
  });
  await page.getByLabel('Open a graph file').setInputFiles({
    name: 'huge.json',
    mimeType: 'application/json',
    buffer: Buffer.alloc(5 * 1024 * 1024 + 1, 0x20),
  });
  await expect(page.getByTestId('error')).toContainText('This file cannot be opened: it is larger than 5 MB');
  expect(await page.evaluate(() => (window as unknown as { textReads: number }).textReads)).toBe(0);
  expect(await page.evaluate(() => window.pipette.exportGraph())).toBe(before);
});

test('loadImage() takes the page\'s own images and blob: URLs it made, and refuses any other origin before a request is made', async ({ page }) => {
  await openApp(page);
  const origin = new URL(page.url()).origin;
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  const r = await page.evaluate(async (bytes) => {
    const attempt = async (url: string): Promise<{ asset?: string; error?: string }> => {
      try {
        return { asset: await window.pipette.loadImage(url) };
      } catch (e) {
        return { error: e instanceof Error ? e.message : String(e) };
      }
    };
    const png = new Uint8Array(bytes);
    return {
      own: await attempt('/samples/coffee.png'),
      blob: await attempt(URL.createObjectURL(new Blob([png], { type: 'image/png' }))),
      other: await attempt('https://example.com/cat.png'),
      otherPort: await attempt(`${location.protocol}//${location.hostname}:1/cat.png`),
      data: await attempt(`data:image/png;base64,${btoa(String.fromCharCode(...png))}`),
    };
  }, [...PNG]);
  expect(r.own.asset).toEqual(expect.any(String));
  expect(r.blob.asset).toEqual(expect.any(String));
  expect(r.other.error).toBe(`Images can only be loaded from this page's own origin (${origin}) or a blob: URL it made, not from https://example.com`);
  expect(r.otherPort.error).toMatch(/^Images can only be loaded from this page's own origin .* not from http:\/\/[^/]+:1$/);
  expect(r.data.error).toMatch(/not from a data: URL$/);
  expect(requests.filter((u) => u.startsWith('https://example.com') || u.includes(':1/'))).toEqual([]);
});

/**
 * On Pipette's IndexedDB database in the page (once the app has created it): the ids of the stored
 * source images, or (wipe) the result cache's stores emptied, as Clear cache, a tiny budget or a
 * damaged disk would leave them. (No eval here: the page's policy forbids it.)
 */
function onDb(page: Page, what: 'sources' | 'wipe'): Promise<string[]> {
  return page.evaluate(
    (what) =>
      new Promise<string[]>((resolve, reject) => {
        const open = indexedDB.open('pipette');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const done = (v: string[]) => {
            db.close();
            resolve(v);
          };
          if (what === 'sources') {
            const r = db.transaction('sources').objectStore('sources').getAllKeys();
            r.onsuccess = () => done(r.result as string[]);
            r.onerror = () => reject(r.error);
          } else {
            const tx = db.transaction(['results', 'access', 'meta'], 'readwrite');
            for (const n of ['results', 'access', 'meta']) tx.objectStore(n).clear();
            tx.oncomplete = () => done([]);
            tx.onerror = () => reject(tx.error);
          }
        };
      }),
    what,
  );
}

const sourceIds = (page: Page) => onDb(page, 'sources');
const wipeResults = (page: Page) => onDb(page, 'wipe');

const imageGraph = (asset: string) => chainGraph(undefined, asset);

test('a loaded image survives a wiped result cache: after a reload its step recomputes from the stored file', async ({ page }) => {
  await openApp(page);
  const asset = await page.evaluate(() => window.pipette.loadImage('/samples/chelsea.png'));
  await page.evaluate((doc) => window.pipette.loadGraph(doc), imageGraph(asset));
  await page.evaluate(() => window.pipette.whenIdle());
  const before = await page.evaluate(async () => [...(await window.pipette.pixels('inv')).data.subarray(0, 4000)]);
  await page.evaluate(() => window.pipette.flush());
  expect(await sourceIds(page)).toContain(asset);
  await wipeResults(page);

  await page.reload();
  await page.evaluate(() => window.pipette.ready);
  await page.evaluate(() => window.pipette.whenIdle());
  const steps = await page.evaluate(() => window.pipette.steps().map((s) => [s.id, s.state, s.cached]));
  expect(steps).toEqual([
    ['img', 'done', false],
    ['inv', 'done', false],
  ]);
  const after = await page.evaluate(async () => [...(await window.pipette.pixels('inv')).data.subarray(0, 4000)]);
  expect(after).toEqual(before);
});

test('a stored image that neither the saved graph nor the tab\'s undo history uses is deleted at the next start; the ones in use are kept', async ({ page }) => {
  await openApp(page);
  const old = await page.evaluate(() => window.pipette.loadImage('/samples/coffee.png'));
  await page.evaluate((doc) => window.pipette.loadGraph(doc), imageGraph(old));
  await page.evaluate(() => window.pipette.whenIdle());
  const used = await page.evaluate(() => window.pipette.loadImage('/samples/chelsea.png'));
  await page.evaluate((doc) => window.pipette.loadGraph(doc), imageGraph(used));
  await page.evaluate(() => window.pipette.whenIdle());
  await page.evaluate(() => window.pipette.flush());
  expect((await sourceIds(page)).sort()).toEqual([old, used].sort());

  // This tab's undo history comes back with the reload and still names the first image: it is kept,
  // and an undo finds it.
  await page.reload();
  await page.evaluate(() => window.pipette.ready);
  await page.evaluate(() => window.pipette.whenIdle());
  expect((await sourceIds(page)).sort()).toEqual([old, used].sort());
  expect(await page.evaluate(() => window.pipette.undo())).toBe(true);
  expect(await page.evaluate(() => window.pipette.exportGraph())).toContain(old);
  expect((await page.evaluate(async () => (await window.pipette.pixels('inv')).width)) > 0).toBe(true);
  expect((await page.evaluate(() => window.pipette.steps())).find((st) => st.id === 'img')?.state).toMatch(/done|cached/);
  expect(await page.evaluate(() => window.pipette.redo())).toBe(true);
  await page.evaluate(() => window.pipette.flush());

  // A new tab has no such history: only the saved graph's image stays.
  const fresh = await page.context().newPage();
  await page.close();
  await openApp(fresh);
  await expect.poll(() => sourceIds(fresh)).toEqual([used]);
});


test('a full disk is shown, the cached results make room first, and the edits are saved once there is space', async ({ page }) => {
  // Storage "full" for the graph's store while the flag is set: its puts fail as a full disk makes them.
  await page.addInitScript(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (this.name === 'graph' && (window as unknown as { __full?: boolean }).__full) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return put.apply(this, args);
    };
  });
  await openApp(page);
  await page.evaluate(() => window.pipette.flush());
  await page.evaluate(() => ((window as unknown as { __full: boolean }).__full = true));
  await page.evaluate((doc) => window.pipette.loadGraph(doc), smallGraph);
  const banner = page.getByTestId('not-saved');
  await expect(banner).toContainText("Your graph is not being saved: this browser's storage for Pipette is full");
  // Making room came first: the cached results were dropped before giving up.
  expect(await page.evaluate(() => window.pipette.cacheStats().idb.entries)).toBe(0);
  const download = page.waitForEvent('download');
  await banner.getByRole('button', { name: 'Download the graph' }).click();
  const saved = JSON.parse(readFileSync(await (await download).path(), 'utf8'));
  expect(saved.graph.nodes.map((n: SavedNode) => n.id)).toEqual(['src', 'inv']);

  await page.evaluate(() => ((window as unknown as { __full: boolean }).__full = false));
  await banner.getByRole('button', { name: 'Clear cached results and save' }).click();
  await expect(banner).toHaveCount(0);
  await page.reload();
  await page.evaluate(() => window.pipette.ready);
  expect((await nodes(page)).map((n) => n.id)).toEqual(['src', 'inv']);
});
