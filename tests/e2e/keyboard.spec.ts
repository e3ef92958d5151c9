// The editor by keyboard alone: skip links, named steps, moving between steps, connecting ports,
// and the whole flow (add, connect, select, edit, run, export); and an axe-core audit.
import { expect, test, type Locator, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

async function openApp(page: Page) {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto('/');
  await page.evaluate(() => window.pipette.ready);
  await page.evaluate(() => window.pipette.whenIdle());
}
type G = { nodes: { id: string; op: string; params: Record<string, unknown> }[]; edges: { from: { node: string; port: string }; to: { node: string; port: string } }[] };
const graph = async (page: Page): Promise<G> => (JSON.parse(await page.evaluate(() => window.pipette.exportGraph())) as { graph: G }).graph;
const panelTitle = (page: Page) => page.getByRole('region', { name: 'Parameters' }).getByRole('heading', { level: 2 });

/**
 * Presses Tab until `target` has the focus, as a keyboard user would. Looked up afresh each time:
 * tabbing across the steps selects each in turn, which redraws the panel.
 */
async function tabTo(page: Page, target: Locator, max = 200) {
  for (let i = 0; i < max; i++) {
    if ((await target.count()) === 1 && (await target.evaluate((el) => el === document.activeElement))) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${target.toString()}`);
}

test('the first Tab stop is a skip link that goes past the palette to the graph', async ({ page }) => {
  await openApp(page);
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to the graph' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(page.locator('.svelte-flow__node[data-id="photo"]')).toBeFocused();
  await expect(panelTitle(page)).toHaveText('coffee.png');
});

test('steps have accessible names', async ({ page }) => {
  await openApp(page);
  await expect(page.getByRole('group', { name: 'Step: Levels' })).toBeVisible();
  await expect(page.getByRole('group', { name: 'Step: Gaussian blur' })).toBeVisible();
});

test('ports are connected and disconnected from the keyboard', async ({ page }) => {
  await openApp(page);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  for (let i = 0; i < 4; i++) await page.keyboard.press('Alt+ArrowRight');
  await expect(panelTitle(page)).toHaveText('Blend');
  const top = page.getByRole('combobox', { name: /^Top/ });
  await expect(top).toHaveValue('blur\u0000image');
  await tabTo(page, top);
  await page.keyboard.type('Brightness');
  await expect.poll(async () => (await graph(page)).edges).toContainEqual({ from: { node: 'bc', port: 'image' }, to: { node: 'blend', port: 'top' } });
  // A source that would make a cycle is not offered.
  expect(await top.locator('option').allTextContents()).not.toContain('Blend');
  await page.keyboard.press('Home');
  await expect.poll(async () => (await graph(page)).edges.some((e) => e.to.node === 'blend' && e.to.port === 'top')).toBe(false);
});

test('the main flow works by keyboard alone: add, connect, select, edit, run and export', async ({ page }) => {
  await openApp(page);
  // Select: past the palette to the graph, the first step selected.
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await expect(panelTitle(page)).toHaveText('coffee.png');
  // Add: / searches the operations; Enter adds the best match, wired after the selected step.
  await page.keyboard.press('/');
  await expect(page.getByLabel('Search operations', { exact: true })).toBeFocused();
  await page.keyboard.type('invert');
  await page.keyboard.press('Enter');
  // The search keeps the focus for the next one.
  await page.keyboard.type('posterize');
  await page.keyboard.press('Enter');
  await expect(panelTitle(page)).toHaveText('Posterize');
  let g = await graph(page);
  expect(g.edges).toContainEqual({ from: { node: 'photo', port: 'image' }, to: { node: 'invert-1', port: 'image' } });
  expect(g.edges).toContainEqual({ from: { node: 'invert-1', port: 'image' }, to: { node: 'posterize-1', port: 'image' } });
  // Connect: feed Posterize from Levels instead, through its input list.
  await tabTo(page, page.getByRole('combobox', { name: /^image/ }));
  await page.keyboard.type('Levels');
  await expect.poll(async () => (await graph(page)).edges).toContainEqual({ from: { node: 'levels', port: 'image' }, to: { node: 'posterize-1', port: 'image' } });
  // Edit: the number field beside the slider.
  await tabTo(page, page.getByRole('spinbutton', { name: 'Levels value' }));
  await page.keyboard.press('Control+a');
  await page.keyboard.type('7');
  await page.keyboard.press('Tab');
  await expect.poll(async () => (await graph(page)).nodes.find((n) => n.id === 'posterize-1')?.params.levels).toBe(7);
  // Run: to here, then everything again.
  await tabTo(page, page.getByRole('button', { name: 'Run to here' }));
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('run-target')).toContainText('Posterize');
  await tabTo(page, page.getByTestId('run-target').getByRole('button', { name: 'Run all' }));
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('run-target')).toHaveCount(0);
  await page.evaluate(() => window.pipette.whenIdle());
  // Export: Download the selected step's result.
  const download = page.waitForEvent('download');
  await tabTo(page, page.getByRole('button', { name: 'Download', exact: true }));
  await page.keyboard.press('Enter');
  expect((await download).suggestedFilename()).toBe('posterize-1.png');
});

/** Serious and critical axe-core violations on the page as it is now. */
async function seriousViolations(page: Page) {
  // Evaluated rather than added as a <script>: the app's Content Security Policy refuses inline scripts.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: { id: string; impact: string | null; nodes: { target: unknown[] }[] }[] }> } }).axe;
    const { violations } = await axe.run(document, { resultTypes: ['violations'] });
    return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
}

test('axe-core finds no serious or critical accessibility violations', async ({ page }) => {
  await openApp(page);
  expect(await seriousViolations(page)).toEqual([]);
  // A step selected: parameters, connections, export.
  await page.locator('.svelte-flow__node[data-id="blend"]').click();
  expect(await seriousViolations(page)).toEqual([]);
  // Run to here shown, and the canvas search open.
  await page.getByRole('button', { name: 'Run to here' }).click();
  const r = (await page.getByTestId('canvas').boundingBox())!;
  await page.mouse.move(r.x + r.width / 2, r.y + 60);
  await page.keyboard.press('Shift+A');
  await expect(page.getByTestId('quick-add')).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});
