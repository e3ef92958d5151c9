// Undo after a reload: the restored graph is not an undo step, and this tab's history comes back.
import { expect, test, type Page } from '@playwright/test';

async function ready(page: Page) {
  await page.evaluate(() => window.pipette.ready);
  await page.evaluate(() => window.pipette.whenIdle());
}
async function openApp(page: Page) {
  await page.goto('/');
  await ready(page);
}
const graph = async (page: Page) =>
  (JSON.parse(await page.evaluate(() => window.pipette.exportGraph())) as { graph: { nodes: { id: string; params: Record<string, unknown> }[] } }).graph;
const brightness = async (page: Page) => (await graph(page)).nodes.find((n) => n.id === 'bc')?.params.brightness;

test('undo right after a reload does not wipe the restored graph', async ({ page }) => {
  await openApp(page);
  await page.evaluate(() => window.pipette.flush());
  await page.reload();
  await ready(page);
  expect((await graph(page)).nodes).toHaveLength(6);
  await page.locator('.svelte-flow__pane').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('flash')).toHaveText('Nothing to undo');
  expect((await graph(page)).nodes).toHaveLength(6);
  await expect(page.locator('.svelte-flow__node')).toHaveCount(6);
});

test('the first example opened at first start is not an undo step', async ({ page }) => {
  await openApp(page);
  expect(await page.evaluate(() => window.pipette.undo())).toBe(false);
  expect((await graph(page)).nodes).toHaveLength(6);
});

test('edits made before a reload can be undone and redone after it', async ({ page }) => {
  await openApp(page);
  expect(await brightness(page)).toBe(10);
  await page.evaluate(() => window.pipette.setParam('bc', 'brightness', 30));
  await page.evaluate(() => window.pipette.setParam('bc', 'brightness', 40));
  await page.evaluate(() => window.pipette.flush());
  await page.reload();
  await ready(page);
  expect(await brightness(page)).toBe(40);
  await page.locator('.svelte-flow__pane').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+z');
  await expect.poll(() => brightness(page)).toBe(30);
  await page.keyboard.press('Control+z');
  await expect.poll(() => brightness(page)).toBe(10);
  // The restored graph is the start of the history: nothing before it.
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('flash')).toHaveText('Nothing to undo');
  expect((await graph(page)).nodes).toHaveLength(6);
  await page.keyboard.press('Control+Shift+z');
  await expect.poll(() => brightness(page)).toBe(30);
});
