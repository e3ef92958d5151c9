import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { buildPng } from '../png-fixture';

// Files that carry the graph: a PNG exported with "Include the graph" opens that graph when it is
// dropped on the editor; an image step picked again takes the new file's name.

async function openApp(page: Page) {
  await page.goto('/');
  await page.evaluate(() => window.pipette.ready);
  await page.evaluate(() => window.pipette.whenIdle());
}

const graphOf = async (page: Page) => JSON.parse(await page.evaluate(() => window.pipette.exportGraph())).graph as { nodes: { id: string; op: string; label?: string }[]; edges: unknown[] };

async function drop(page: Page, bytes: Uint8Array, name: string) {
  await page.evaluate(
    ({ bytes, name }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], name, { type: 'image/png' }));
      document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    { bytes: [...bytes], name },
  );
}

test('an image step given another file in the panel takes that file’s name', async ({ page }) => {
  await openApp(page);
  await page.locator('.svelte-flow__node[data-id="photo"]').click({ position: { x: 40, y: 12 } });
  await expect(page.locator('.svelte-flow__node[data-id="photo"] .title')).toHaveText('coffee.png');
  const png = buildPng({ width: 8, height: 8, colorType: 6, bitDepth: 8, sample: (x, y) => [x * 30, y * 30, 90, 255] });
  await page.getByLabel('Image file').setInputFiles({ name: 'mine.png', mimeType: 'image/png', buffer: Buffer.from(png) });
  await expect(page.locator('.svelte-flow__node[data-id="photo"] .title')).toHaveText('mine.png');
  expect((await graphOf(page)).nodes.find((n) => n.id === 'photo')!.label).toBe('mine.png');
  await page.evaluate(() => window.pipette.whenIdle());
  expect((await page.evaluate(() => window.pipette.steps())).find((s) => s.id === 'photo')!.size).toEqual({ width: 8, height: 8 });
});

test('a PNG exported with the graph opens that graph when dropped; one without is loaded as an image', async ({ page }) => {
  await openApp(page);
  const original = await graphOf(page);
  await page.locator('.svelte-flow__node[data-id="hsl"]').click();
  await page.getByTestId('export-with-graph').check();
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download' }).click();
  const bytes = new Uint8Array(readFileSync(await (await download).path()));
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

  // Another graph now; dropping the PNG brings the exported one back.
  await page.getByRole('button', { name: 'Moody black and white' }).click();
  await expect.poll(async () => (await graphOf(page)).nodes.map((n) => n.id).sort()).not.toEqual(original.nodes.map((n) => n.id).sort());
  await drop(page, bytes, 'hsl.png');
  await expect(page.getByTestId('flash')).toContainText('Opened the graph saved in hsl.png');
  expect(await graphOf(page)).toEqual(original);

  // A plain PNG is an image, as before: a new image step.
  await page.evaluate(() => window.pipette.select(null));
  const plain = buildPng({ width: 4, height: 4, colorType: 6, bitDepth: 8, sample: () => [1, 2, 3, 255] });
  await drop(page, plain, 'plain.png');
  await expect.poll(async () => (await graphOf(page)).nodes.length).toBe(original.nodes.length + 1);
  expect((await graphOf(page)).nodes.at(-1)).toMatchObject({ op: 'image-source', label: 'plain.png' });
});

test('a graph saved with its images opens in a fresh browser profile with its images', async ({ page, browser }) => {
  await openApp(page);
  // An image that exists only here (not one of the bundled samples).
  await page.locator('.svelte-flow__node[data-id="photo"]').click({ position: { x: 40, y: 12 } });
  const png = buildPng({ width: 12, height: 10, colorType: 6, bitDepth: 8, sample: (x, y) => [x * 20, y * 25, 200, 255] });
  await page.getByLabel('Image file').setInputFiles({ name: 'only-here.png', mimeType: 'image/png', buffer: Buffer.from(png) });
  await expect(page.locator('.svelte-flow__node[data-id="photo"] .title')).toHaveText('only-here.png');
  await page.evaluate(() => window.pipette.flush());
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Save with images' }).click();
  const text = readFileSync(await (await download).path(), 'utf8');
  const doc = JSON.parse(text);
  const asset = doc.graph.nodes.find((n: { id: string }) => n.id === 'photo').params.asset as string;
  expect(Object.keys(doc.images)).toEqual([asset]);
  expect(doc.images[asset].type).toBe('image/png');

  // A new context has its own, empty storage: nothing of the first page's images is there.
  const fresh = await browser.newContext();
  const other = await fresh.newPage();
  try {
    await openApp(other);
    await other.getByLabel('Open a graph file').setInputFiles({ name: 'pipeline.pipette.json', mimeType: 'application/json', buffer: Buffer.from(text) });
    await expect.poll(async () => (await other.evaluate(() => window.pipette.exportGraph())).includes(asset)).toBe(true);
    await other.evaluate(() => window.pipette.whenIdle());
    const steps = await other.evaluate(() => window.pipette.steps());
    expect(steps.filter((s) => s.state !== 'done' && s.state !== 'cached')).toEqual([]);
    expect(steps.find((s) => s.id === 'photo')!.size).toEqual({ width: 12, height: 10 });
    const pixels = await other.evaluate(async () => Array.from((await window.pipette.pixels('photo')).data.slice(0, 8)));
    expect(pixels).toEqual([0, 0, 200, 255, 20, 0, 200, 255]);
    await expect(other.getByTestId('error')).toHaveCount(0);
  } finally {
    await fresh.close();
  }
});

test('an embedded image that is not base64 makes the file refused, and the graph is kept', async ({ page }) => {
  await openApp(page);
  const before = await page.evaluate(() => window.pipette.exportGraph());
  const doc = JSON.parse(before);
  doc.images = { ['0'.repeat(32)]: { type: 'image/png', data: '<script>' } };
  await page.getByLabel('Open a graph file').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(doc)) });
  await expect(page.getByTestId('error')).toContainText('must be {"type": "image/…", "data": base64}');
  expect(await page.evaluate(() => window.pipette.exportGraph())).toBe(before);
});
