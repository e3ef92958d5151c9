// Adding steps: where they land, finding them by name, and the ways of adding one on the canvas.
import { expect, test, type Locator, type Page } from '@playwright/test';

async function openApp(page: Page) {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto('/');
  await page.evaluate(() => window.pipette.ready);
  await page.evaluate(() => window.pipette.whenIdle());
}
type G = { nodes: { id: string; op: string; position: { x: number; y: number } }[]; edges: { from: { node: string; port: string }; to: { node: string; port: string } }[] };
const graph = async (page: Page): Promise<G> => (JSON.parse(await page.evaluate(() => window.pipette.exportGraph())) as { graph: G }).graph;
const node = (page: Page, id: string) => page.locator(`.svelte-flow__node[data-id="${id}"]`);
const box = async (l: Locator) => (await l.boundingBox())!;
const centre = (b: { x: number; y: number; width: number; height: number }) => ({ x: b.x + b.width / 2, y: b.y + b.height / 2 });
/** A point on the canvas with no step under it (above the example's steps). */
async function emptySpot(page: Page) {
  const r = await box(page.getByTestId('canvas'));
  return { x: r.x + r.width * 0.5, y: r.y + 60 };
}
const overlaps = (a: { x: number; y: number; width: number; height: number }, b: typeof a) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

test('Enter in the palette search adds the best match by title, and the palette lists sources first', async ({ page }) => {
  await openApp(page);
  await expect(page.getByRole('region', { name: 'Operations' }).locator('h2').first()).toHaveText('source');
  await page.locator('.svelte-flow__pane').click({ position: { x: 5, y: 5 } });
  await page.getByLabel('Search operations').fill('image');
  await expect(page.getByTestId('palette-best')).toHaveText('Enter adds Image');
  await page.getByLabel('Search operations').press('Enter');
  const added = (await graph(page)).nodes.filter((n) => !['photo', 'bc', 'hsl', 'levels', 'blur', 'blend'].includes(n.id));
  expect(added.map((n) => n.op)).toEqual(['image-source']);
});

test('new steps land in view and on top of no other step', async ({ page }) => {
  await openApp(page);
  const canvas = await box(page.getByTestId('canvas'));
  const inView = async (id: string) => {
    await expect(node(page, id)).toBeVisible();
    const b = await box(node(page, id));
    expect(b.x >= canvas.x && b.y >= canvas.y && b.x + b.width <= canvas.x + canvas.width && b.y + b.height <= canvas.y + canvas.height, `${id} is in view`).toBe(true);
  };
  // Nothing selected: in the middle of the view.
  await page.locator('.svelte-flow__pane').click({ position: { x: 5, y: 5 } });
  await page.getByRole('button', { name: 'Invert', exact: true }).click();
  await inView('invert-1');
  // Again with nothing selected: not on top of the first.
  await page.locator('.svelte-flow__pane').click({ position: { x: 5, y: 5 } });
  await page.getByRole('button', { name: 'Invert', exact: true }).click();
  await inView('invert-2');
  // After a selected step: beside it, and again after it where that place is taken already.
  await node(page, 'levels').click();
  await page.getByRole('button', { name: 'Posterize', exact: true }).click();
  await inView('posterize-1');
  await node(page, 'levels').click();
  await page.getByRole('button', { name: 'Threshold', exact: true }).click();
  await inView('threshold-1');
  const g = await graph(page);
  expect(g.edges).toContainEqual({ from: { node: 'levels', port: 'image' }, to: { node: 'threshold-1', port: 'image' } });
  // No two steps overlap (compared where the graph keeps them, whatever is scrolled into view).
  const size = { width: 198, height: 172 };
  for (const a of g.nodes)
    for (const b of g.nodes)
      if (a !== b) expect(overlaps({ ...a.position, ...size }, { ...b.position, ...size }), `${a.id} overlaps ${b.id}`).toBe(false);
});

test('a palette entry dragged onto the canvas is added where it is dropped', async ({ page }) => {
  await openApp(page);
  const spot = await emptySpot(page);
  await page.getByRole('button', { name: 'Posterize', exact: true }).dragTo(page.getByTestId('canvas'), {
    targetPosition: { x: spot.x - (await box(page.getByTestId('canvas'))).x, y: spot.y - (await box(page.getByTestId('canvas'))).y },
  });
  await expect(node(page, 'posterize-1')).toBeVisible();
  const b = await box(node(page, 'posterize-1'));
  expect(spot.x > b.x && spot.x < b.x + b.width && spot.y > b.y && spot.y < b.y + b.height).toBe(true);
  // Dropped, not wired after the selection.
  expect((await graph(page)).edges.some((e) => e.to.node === 'posterize-1')).toBe(false);
});

test('a palette entry dropped onto a wire is inserted into it, as one undo step', async ({ page }) => {
  await openApp(page);
  const canvas = await box(page.getByTestId('canvas'));
  const a = centre(await box(node(page, 'bc').locator('.svelte-flow__handle.source')));
  const z = centre(await box(node(page, 'hsl').locator('.svelte-flow__handle.target')));
  await page.getByRole('button', { name: 'Posterize', exact: true }).dragTo(page.getByTestId('canvas'), {
    targetPosition: { x: (a.x + z.x) / 2 - canvas.x, y: (a.y + z.y) / 2 - canvas.y },
  });
  await expect.poll(async () => (await graph(page)).edges).toContainEqual({ from: { node: 'bc', port: 'image' }, to: { node: 'posterize-1', port: 'image' } });
  const g = await graph(page);
  expect(g.edges).toContainEqual({ from: { node: 'posterize-1', port: 'image' }, to: { node: 'hsl', port: 'image' } });
  expect(g.edges.some((e) => e.from.node === 'bc' && e.to.node === 'hsl')).toBe(false);
  await page.locator('.svelte-flow__pane').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+z');
  await expect.poll(async () => (await graph(page)).nodes.map((n) => n.id)).toEqual(['photo', 'bc', 'hsl', 'levels', 'blur', 'blend']);
  expect((await graph(page)).edges).toContainEqual({ from: { node: 'bc', port: 'image' }, to: { node: 'hsl', port: 'image' } });
});

test('a wire let go on empty canvas opens a search of the steps that fit, and connects the one chosen', async ({ page }) => {
  await openApp(page);
  const from = centre(await box(node(page, 'levels').locator('.svelte-flow__handle.source')));
  const spot = await emptySpot(page);
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(from.x + ((spot.x - from.x) * i) / 10, from.y + ((spot.y - from.y) * i) / 10);
  await page.mouse.up();
  const quick = page.getByTestId('quick-add');
  await expect(quick).toBeVisible();
  await expect(quick).toContainText('fed by this wire');
  // Only steps that take an image: no source is offered.
  await expect(quick.getByRole('option', { name: /^Image/ })).toHaveCount(0);
  await page.keyboard.type('inv');
  await page.keyboard.press('Enter');
  await expect(quick).toHaveCount(0);
  const g = await graph(page);
  expect(g.edges).toContainEqual({ from: { node: 'levels', port: 'image' }, to: { node: 'invert-1', port: 'image' } });
  const b = await box(node(page, 'invert-1'));
  expect(Math.abs(b.x - spot.x)).toBeLessThan(80);
});

test('Shift+A and a double-click on the canvas open the search at the cursor', async ({ page }) => {
  await openApp(page);
  const spot = await emptySpot(page);
  await page.mouse.move(spot.x, spot.y);
  await page.keyboard.press('Shift+A');
  const quick = page.getByTestId('quick-add');
  await expect(quick).toBeVisible();
  const q = await box(quick);
  expect(Math.abs(q.x - spot.x)).toBeLessThan(250);
  expect(Math.abs(q.y - spot.y)).toBeLessThan(330);
  await expect(quick.getByRole('combobox')).toBeFocused();
  await page.keyboard.type('gauss');
  await page.keyboard.press('Enter');
  await expect(node(page, 'gaussian-blur-1')).toBeVisible();
  await expect(node(page, 'gaussian-blur-1')).toBeFocused();
  const b = await box(node(page, 'gaussian-blur-1'));
  expect(spot.x >= b.x - 2 && spot.x < b.x + b.width && spot.y >= b.y - 2 && spot.y < b.y + b.height).toBe(true);
  // Escape closes it without adding anything.
  await page.mouse.dblclick((await box(page.getByTestId('canvas'))).x + 30, spot.y);
  await expect(quick).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(quick).toHaveCount(0);
  expect((await graph(page)).nodes).toHaveLength(7);
});

test('a step dropped onto a wire is inserted into it', async ({ page }) => {
  await openApp(page);
  // A new, unwired step above the graph.
  const spot = await emptySpot(page);
  await page.mouse.move(spot.x, spot.y);
  await page.keyboard.press('Shift+A');
  await page.keyboard.type('invert');
  await page.keyboard.press('Enter');
  await expect(node(page, 'invert-1')).toBeVisible();
  await page.evaluate(() => window.pipette.whenIdle());
  // Drag it by its middle onto the middle of the bc → hsl wire.
  const a = centre(await box(node(page, 'bc').locator('.svelte-flow__handle.source')));
  const z = centre(await box(node(page, 'hsl').locator('.svelte-flow__handle.target')));
  const mid = { x: (a.x + z.x) / 2, y: (a.y + z.y) / 2 };
  const start = centre(await box(node(page, 'invert-1')));
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  for (let i = 1; i <= 15; i++) await page.mouse.move(start.x + ((mid.x - start.x) * i) / 15, start.y + ((mid.y - start.y) * i) / 15);
  await page.mouse.up();
  await expect.poll(async () => (await graph(page)).edges.filter((e) => e.from.node === 'invert-1' || e.to.node === 'invert-1').length).toBe(2);
  const g = await graph(page);
  expect(g.edges).toContainEqual({ from: { node: 'bc', port: 'image' }, to: { node: 'invert-1', port: 'image' } });
  expect(g.edges).toContainEqual({ from: { node: 'invert-1', port: 'image' }, to: { node: 'hsl', port: 'image' } });
  expect(g.edges.some((e) => e.from.node === 'bc' && e.to.node === 'hsl')).toBe(false);
  // One undo takes it out of the wire again.
  await page.keyboard.press('Control+z');
  await expect.poll(async () => (await graph(page)).edges.some((e) => e.from.node === 'bc' && e.to.node === 'hsl')).toBe(true);
});

test('Ctrl+A selects every step, not the page text', async ({ page }) => {
  await openApp(page);
  await page.locator('.svelte-flow__pane').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+a');
  await expect(page.locator('.svelte-flow__node.selected')).toHaveCount(6);
  expect(await page.evaluate(() => window.getSelection()?.toString() ?? '')).toBe('');
});

test('New graph empties the canvas, Undo brings the graph back, and a reload keeps the new graph', async ({ page }) => {
  await openApp(page);
  await page.getByRole('button', { name: 'New graph' }).click();
  await expect(page.locator('.svelte-flow__node')).toHaveCount(0);
  await expect(page.getByTestId('flash')).toContainText('Undo');
  await page.keyboard.press('Control+z');
  await expect(page.locator('.svelte-flow__node')).toHaveCount(6);
  await page.getByRole('button', { name: 'New graph' }).click();
  await page.evaluate(() => window.pipette.flush());
  await page.reload();
  await page.evaluate(() => window.pipette.ready);
  expect((await graph(page)).nodes).toHaveLength(0);
});
