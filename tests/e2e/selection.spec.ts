// One selection: the highlighted step is the step the parameter panel edits, the viewer shows and
// the keys act on, however it was chosen.
import { expect, test, type Page } from '@playwright/test';

async function openApp(page: Page) {
  await page.goto('/');
  await page.evaluate(() => window.pipette.ready);
  await page.evaluate(() => window.pipette.whenIdle());
}

const node = (page: Page, id: string) => page.locator(`.svelte-flow__node[data-id="${id}"]`);
const stepIds = async (page: Page) =>
  (JSON.parse(await page.evaluate(() => window.pipette.exportGraph())) as { graph: { nodes: { id: string }[] } }).graph.nodes.map((n) => n.id);

/** Exactly `id` is highlighted, and the parameter panel edits it. */
async function expectSelected(page: Page, id: string, title: string) {
  await expect(page.locator('.svelte-flow__node.selected')).toHaveCount(1);
  await expect(page.locator('.svelte-flow__node.selected')).toHaveAttribute('data-id', id);
  await expect(page.getByRole('region', { name: 'Parameters' }).getByRole('heading', { level: 2 })).toHaveText(title);
}

test('a step added from the palette is the one highlighted and edited', async ({ page }) => {
  await openApp(page);
  await node(page, 'levels').click();
  await expectSelected(page, 'levels', 'Levels');
  await page.getByLabel('Search operations').fill('invert');
  await page.getByLabel('Search operations').press('Enter');
  await expectSelected(page, 'invert-1', 'Invert');
  // A palette button does the same.
  await page.getByRole('button', { name: 'Posterize', exact: true }).click();
  await expectSelected(page, 'posterize-1', 'Posterize');
});

test('Step highlights the step it computes', async ({ page }) => {
  await openApp(page);
  await page.evaluate(() => window.pipette.runTo('photo'));
  await node(page, 'levels').click();
  await page.evaluate(() => window.pipette.setParam('bc', 'brightness', 30));
  await page.evaluate(() => window.pipette.whenIdle());
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expectSelected(page, 'bc', 'Brightness / Contrast');
});

test('Enter on a focused step selects it for the panel', async ({ page }) => {
  await openApp(page);
  await node(page, 'levels').click();
  await node(page, 'blur').focus();
  await page.keyboard.press('Enter');
  await expectSelected(page, 'blur', 'Gaussian blur');
});

test('a step selected by a script is highlighted, and Delete removes that step', async ({ page }) => {
  await openApp(page);
  await node(page, 'levels').click();
  await page.evaluate(() => window.pipette.select('hsl'));
  await expectSelected(page, 'hsl', 'Hue / Saturation');
  await page.keyboard.press('Delete');
  await expect.poll(() => stepIds(page)).not.toContain('hsl');
  expect(await stepIds(page)).toContain('levels');
});

test('Ctrl+D selects the copy, and Delete then removes the copy, not the original', async ({ page }) => {
  await openApp(page);
  await node(page, 'levels').click();
  await page.keyboard.press('Control+d');
  await expectSelected(page, 'levels-1', 'Levels');
  await page.keyboard.press('Delete');
  await expect.poll(() => stepIds(page)).not.toContain('levels-1');
  expect(await stepIds(page)).toContain('levels');
});

test('Ctrl+D on several steps selects all the copies', async ({ page }) => {
  await openApp(page);
  await node(page, 'levels').click();
  await node(page, 'blur').click({ modifiers: ['Control'] });
  await expect(page.locator('.svelte-flow__node.selected')).toHaveCount(2);
  await page.keyboard.press('Control+d');
  await expect(page.locator('.svelte-flow__node.selected')).toHaveCount(2);
  const lit = await page.locator('.svelte-flow__node.selected').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')).sort());
  expect(lit).toEqual(['gaussian-blur-1', 'levels-1']);
  await page.keyboard.press('Delete');
  await expect.poll(() => stepIds(page)).toEqual(['photo', 'bc', 'hsl', 'levels', 'blur', 'blend']);
});

test('Alt+Arrow keys move the selection along the wires, and Tab onto a step selects it', async ({ page }) => {
  await openApp(page);
  await node(page, 'photo').click();
  await page.keyboard.press('Alt+ArrowRight');
  await expectSelected(page, 'bc', 'Brightness / Contrast');
  await page.keyboard.press('Alt+ArrowRight');
  await expectSelected(page, 'hsl', 'Hue / Saturation');
  await page.keyboard.press('Alt+ArrowDown');
  await expectSelected(page, 'blur', 'Gaussian blur');
  await page.keyboard.press('Alt+ArrowLeft');
  await expectSelected(page, 'hsl', 'Hue / Saturation');
  // The step did not move: the arrow chose a step, it did not nudge one.
  const g = JSON.parse(await page.evaluate(() => window.pipette.exportGraph())) as { graph: { nodes: { id: string; position: { x: number } }[] } };
  expect(g.graph.nodes.find((n) => n.id === 'hsl')?.position.x).toBe(520);
  // Keyboard focus went with the selection; Tab moves on to the next step and selects it.
  await expect(node(page, 'hsl')).toBeFocused();
  await page.keyboard.press('Tab');
  await expectSelected(page, 'levels', 'Levels');
});

test('an arrow key nudges the focused step, and the move is saved with the graph and undoable', async ({ page }) => {
  await openApp(page);
  await node(page, 'levels').click();
  await expect(node(page, 'levels')).toBeFocused();
  const x = async () => (JSON.parse(await page.evaluate(() => window.pipette.exportGraph())) as { graph: { nodes: { id: string; position: { x: number; y: number } }[] } }).graph.nodes.find((n) => n.id === 'levels')!.position;
  const before = await x();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowDown');
  await expect.poll(async () => (await x()).x).toBeGreaterThan(before.x);
  const after = await x();
  expect(after.y).toBeGreaterThan(before.y);
  // Saved with the graph: it is where it was left after a reload.
  await page.evaluate(() => window.pipette.flush());
  await page.reload();
  await page.evaluate(() => window.pipette.ready);
  expect(await x()).toEqual(after);
  // Each press is one undo step.
  await page.keyboard.press('Control+z');
  await expect.poll(async () => (await x()).y).toBe(before.y);
  expect((await x()).x).toBe(after.x);
});
