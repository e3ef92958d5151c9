// Two tabs on the same saved graph (issue 19, item 3): a tab learns at once when the other saves,
// never overwrites that save silently, and offers to load it, keep its own, or keep its own as a
// file and load the other.
import { readFileSync } from 'node:fs';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';

async function open(page: Page) {
  await page.goto('/');
  await page.evaluate(() => window.pipette.ready);
  await page.evaluate(() => window.pipette.whenIdle());
}

const firstStep = (page: Page) => page.evaluate(() => window.pipette.steps().find((s) => s.op === 'brightness-contrast')!.id);
const brightness = (page: Page, id: string) =>
  page.evaluate((id) => JSON.parse(window.pipette.exportGraph()).graph.nodes.find((n: { id: string }) => n.id === id).params.brightness as number, id);
/** What is stored now, read from IndexedDB in the page. */
const storedBrightness = (page: Page, id: string) =>
  page.evaluate(
    (id) =>
      new Promise<number>((resolve, reject) => {
        const req = indexedDB.open('pipette');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          const get = db.transaction('graph').objectStore('graph').get('current');
          get.onsuccess = () => {
            db.close();
            resolve(JSON.parse(get.result.json).graph.nodes.find((n: { id: string }) => n.id === id).params.brightness);
          };
          get.onerror = () => reject(get.error);
        };
      }),
    id,
  );
/** Saves now; answers the error message instead of throwing when the save is refused. */
const save = (page: Page) => page.evaluate(() => window.pipette.flush().then(() => 'saved', (e: Error) => e.message));

/** Tab a saves, then tab b opens the same graph: both based on the same revision. */
async function twoTabs(context: BrowserContext): Promise<{ a: Page; b: Page; id: string }> {
  const a = await context.newPage();
  await open(a);
  expect(await save(a)).toBe('saved');
  const b = await context.newPage();
  await open(b);
  return { a, b, id: await firstStep(a) };
}

test('a save in one tab is never overwritten silently by the other, which can load it or keep its own', async ({ context }) => {
  const { a, b, id } = await twoTabs(context);

  await a.evaluate((id) => window.pipette.setParam(id, 'brightness', 31), id);
  expect(await save(a)).toBe('saved');
  // b hears of it at once, before it saves anything.
  const banner = b.getByTestId('conflict');
  await expect(banner).toContainText('This graph was changed in another tab');
  // b's own edit is not saved over a's.
  await b.evaluate((id) => window.pipette.setParam(id, 'brightness', -12), id);
  expect(await save(b)).toMatch(/saved in another tab/);
  expect(await storedBrightness(b, id)).toBe(31);

  // Keep mine: b's graph is saved on purpose, and now a is the one told.
  await banner.getByRole('button', { name: 'Keep mine' }).click();
  await expect(banner).toHaveCount(0);
  await expect.poll(() => storedBrightness(b, id)).toBe(-12);
  await expect(a.getByTestId('conflict')).toBeVisible();

  // Load the other tab's version: a takes b's graph, and that does not bounce back to b.
  await a.getByTestId('conflict').getByRole('button', { name: "Load the other tab's version" }).click();
  await expect(a.getByTestId('conflict')).toHaveCount(0);
  expect(await brightness(a, id)).toBe(-12);
  await a.waitForTimeout(1000); // longer than the autosave's pause: a would have saved by now
  await expect(b.getByTestId('conflict')).toHaveCount(0);
});

test('"download mine, then load theirs" keeps this tab\'s graph as a file and shows the other one', async ({ context }) => {
  const { a, b, id } = await twoTabs(context);
  await b.evaluate((id) => window.pipette.setParam(id, 'brightness', 44), id);
  await a.evaluate((id) => window.pipette.setParam(id, 'brightness', 7), id);
  expect(await save(a)).toBe('saved');
  const banner = b.getByTestId('conflict');
  await expect(banner).toBeVisible();
  const download = b.waitForEvent('download');
  await banner.getByRole('button', { name: 'Download mine, then load theirs' }).click();
  const file = JSON.parse(readFileSync(await (await download).path(), 'utf8'));
  expect(file.graph.nodes.find((n: { id: string }) => n.id === id).params.brightness).toBe(44);
  await expect(banner).toHaveCount(0);
  expect(await brightness(b, id)).toBe(7);
});
