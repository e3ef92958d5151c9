// Subgraphs: steps grouped behind a typed interface, drilled into, with a parameter exposed on the
// instance, kept through a reload and ungrouped again.
import { expect, test, type Page } from '@playwright/test';

async function ready(page: Page) {
  await page.evaluate(() => window.pipette.ready);
  await page.evaluate(() => window.pipette.whenIdle());
}
const node = (page: Page, id: string) => page.locator(`.svelte-flow__node[data-id="${id}"]`);
/** A digest of a step's full-resolution pixels, computed in the page (the pixels stay there). */
const digest = (page: Page, step: string) =>
  page.evaluate(async (s) => {
    const { width, height, data } = await window.pipette.pixels(s);
    const bytes = new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(data)));
    return `${width}x${height}:${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
  }, step);
const graphFile = async (page: Page) =>
  JSON.parse(await page.evaluate(() => window.pipette.exportGraph())) as {
    version: number;
    graph: { nodes: { id: string; op: string; params: Record<string, unknown> }[]; definitions?: { title: string; params: { name: string }[] }[] };
  };
const step = (page: Page, id: string) => page.evaluate((s) => window.pipette.steps().find((x) => x.id === s) ?? null, id);

test('steps grouped with Ctrl+G keep their result, open to show their own previews, take an exposed parameter, survive a reload and ungroup', async ({ page }) => {
  await page.goto('/');
  await ready(page);
  // The touch-up example: photo → bc → hsl → (levels, blur) → blend.
  const before = await digest(page, 'blend');
  const runs = await page.evaluate(() => window.pipette.kernelRuns());

  // Select Brightness/Contrast and Hue/Saturation, group them.
  await node(page, 'bc').click();
  await node(page, 'hsl').click({ modifiers: ['Control'] });
  await page.keyboard.press('Control+g');
  await expect(page.locator('.svelte-flow__node')).toHaveCount(5);
  const instance = 'subgraph-1';
  await expect(node(page, instance)).toContainText('Group 1');
  await ready(page);
  // The same steps on the same input: the same keys, so nothing is computed again.
  expect(await digest(page, 'blend')).toBe(before);
  expect(await page.evaluate(() => window.pipette.kernelRuns())).toBe(runs);
  expect((await step(page, instance))?.size).not.toBeNull();

  // Drill in: the inner steps, each with its own state and preview, and a way back.
  await node(page, instance).dblclick();
  await expect(page.getByTestId('breadcrumb')).toContainText('Graph');
  await expect(page.getByTestId('breadcrumb')).toContainText('Group 1');
  await expect(page.locator('.svelte-flow__node')).toHaveCount(2);
  for (const inner of ['bc', 'hsl']) {
    await expect(node(page, `${instance}/${inner}`).getByTestId('step-badge')).toBeVisible();
    expect((await step(page, `${instance}/${inner}`))?.state).toMatch(/done|cached/);
  }
  await expect(node(page, `${instance}/bc`).locator('canvas.thumb')).not.toHaveClass(/empty/);
  // Expose Brightness on the instance.
  await node(page, `${instance}/bc`).click();
  await page.getByTestId('expose-brightness').check();
  await page.screenshot({ path: test.info().outputPath('drilled-in.png') });
  await page.getByTestId('breadcrumb').getByRole('button', { name: 'Graph' }).click();
  await expect(page.getByTestId('breadcrumb')).toHaveCount(0);
  await expect(page.locator('.svelte-flow__node')).toHaveCount(5);

  // The exposed parameter, set on the instance's panel, changes the output.
  await node(page, instance).click();
  const value = page.getByLabel('Brightness / Contrast: Brightness value');
  await expect(value).toHaveValue('10');
  await page.getByLabel('Parameters').screenshot({ path: test.info().outputPath('instance-panel.png') });
  await value.fill('40');
  await value.press('Enter');
  await ready(page);
  const changed = await digest(page, 'blend');
  expect(changed).not.toBe(before);
  expect((await graphFile(page)).graph.nodes.find((n) => n.id === instance)?.params.brightness).toBe(40);

  // Saved and reloaded: version 2 file with the subgraph, the same result.
  const file = await graphFile(page);
  expect(file.version).toBe(2);
  expect(file.graph.definitions?.[0]?.title).toBe('Group 1');
  expect(file.graph.definitions?.[0]?.params.map((p) => p.name)).toEqual(['brightness']);
  await page.evaluate(() => window.pipette.flush());
  await page.reload();
  await ready(page);
  await expect(node(page, instance)).toBeVisible();
  expect(await digest(page, 'blend')).toBe(changed);

  // Ungroup (Ctrl+Shift+G): the two steps are back, with the instance's value.
  await node(page, instance).click();
  await page.keyboard.press('Control+Shift+g');
  await expect(page.locator('.svelte-flow__node')).toHaveCount(6);
  await expect(node(page, 'bc')).toBeVisible();
  const back = await graphFile(page);
  expect(back.graph.nodes.find((n) => n.id === 'bc')?.params.brightness).toBe(40);
  expect(back.graph.definitions).toBeUndefined();
  await ready(page);
  expect(await digest(page, 'blend')).toBe(changed);

  // One undo brings the subgraph back.
  await page.locator('.svelte-flow__pane').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+z');
  await expect(page.locator('.svelte-flow__node')).toHaveCount(5);
  await expect(node(page, instance)).toBeVisible();
});

test('a selection that a wire leaves and comes back to is not grouped, and says why', async ({ page }) => {
  await page.goto('/');
  await ready(page);
  await node(page, 'bc').click();
  await node(page, 'levels').click({ modifiers: ['Control'] });
  await page.keyboard.press('Control+g');
  await expect(page.getByTestId('flash')).toContainText('comes back');
  await expect(page.locator('.svelte-flow__node')).toHaveCount(6);
});

test('a script groups, opens and exposes through window.pipette', async ({ page }) => {
  await page.goto('/');
  await ready(page);
  const id = await page.evaluate(() => window.pipette.group(['levels']));
  await page.evaluate((i) => window.pipette.open(i), id);
  expect(await page.evaluate(() => window.pipette.inside())).toBe(id);
  await expect(page.locator('.svelte-flow__node')).toHaveCount(1);
  await page.evaluate((i) => window.pipette.expose(`${i}/levels`, 'gamma'), id);
  await page.evaluate(() => window.pipette.open(null));
  await expect(page.locator('.svelte-flow__node')).toHaveCount(6);
  expect((await graphFile(page)).graph.nodes.find((n) => n.id === id)?.params.gamma).toBe(1);
});

test('a second identical subgraph step on the same input computes nothing: it shares the first one\'s results', async ({ page }) => {
  await page.goto('/');
  await ready(page);
  const id = await page.evaluate(() => window.pipette.group(['bc', 'hsl']));
  await ready(page);
  const runs = await page.evaluate(() => window.pipette.kernelRuns());
  // A copy of the subgraph's step, wired from the same photo, through a saved file.
  await page.evaluate((i) => {
    const doc = JSON.parse(window.pipette.exportGraph());
    const inst = doc.graph.nodes.find((n: { id: string }) => n.id === i);
    doc.graph.nodes.push({ ...inst, id: 'copy', position: { x: inst.position.x, y: inst.position.y + 300 } });
    doc.graph.edges.push({ from: { node: 'photo', port: 'image' }, to: { node: 'copy', port: 'in' } });
    window.pipette.loadGraph(doc);
  }, id);
  await ready(page);
  expect(await page.evaluate(() => window.pipette.kernelRuns())).toBe(runs);
  const a = await step(page, `${id}/hsl`);
  const b = await step(page, 'copy/hsl');
  expect(b?.key).toBe(a?.key);
  expect(b?.state).toMatch(/done|cached/);
});

test('subgraphs nest: the breadcrumb shows each level and goes back to any', async ({ page }) => {
  await page.goto('/');
  await ready(page);
  const inner = await page.evaluate(() => window.pipette.group(['levels']));
  const outer = await page.evaluate((i) => window.pipette.group([i, 'blend']), inner);
  await ready(page);
  await node(page, outer).dblclick();
  await expect(page.locator('.svelte-flow__node')).toHaveCount(2);
  await node(page, `${outer}/${inner}`).dblclick();
  const crumbs = page.getByTestId('breadcrumb');
  await expect(crumbs).toContainText('Group 2');
  await expect(crumbs).toContainText('Group 1');
  await expect(page.locator('.svelte-flow__node')).toHaveCount(1);
  expect((await step(page, `${outer}/${inner}/levels`))?.state).toMatch(/done|cached/);
  await crumbs.getByRole('button', { name: 'Group 2' }).click();
  await expect(page.locator('.svelte-flow__node')).toHaveCount(2);
  expect(await page.evaluate(() => window.pipette.inside())).toBe(outer);
  await crumbs.getByRole('button', { name: 'Graph' }).click();
  await expect(page.locator('.svelte-flow__node')).toHaveCount(5);
});

test('inside a subgraph, a parameter set and a step deleted change its definition: every instance, one undo step each', async ({ page }) => {
  await page.goto('/');
  await ready(page);
  const id = await page.evaluate(() => window.pipette.group(['bc', 'hsl']));
  await ready(page);
  const before = await digest(page, 'blend');
  await node(page, id).dblclick();
  await node(page, `${id}/hsl`).click();
  const saturation = page.getByLabel('Saturation value');
  await saturation.fill('-100');
  await saturation.press('Enter');
  await ready(page);
  const grey = await digest(page, 'blend');
  expect(grey).not.toBe(before);
  expect((await graphFile(page)).graph.definitions?.[0]).toMatchObject({ nodes: expect.arrayContaining([expect.objectContaining({ id: 'hsl', params: expect.objectContaining({ saturation: -100 }) })]) });

  // Deleting Hue/Saturation inside: the subgraph's output came from it, so it goes with its wires.
  await node(page, `${id}/hsl`).click();
  await page.keyboard.press('Delete');
  await expect(page.locator('.svelte-flow__node')).toHaveCount(1);
  const after = await graphFile(page);
  expect((after.graph.definitions?.[0] as unknown as { outputs: unknown[] }).outputs).toEqual([]);
  expect(await page.evaluate(() => window.pipette.steps().some((s) => s.id.endsWith('/hsl')))).toBe(false);
  await page.keyboard.press('Control+z');
  await expect(page.locator('.svelte-flow__node')).toHaveCount(2);
  await ready(page);
  expect(await digest(page, 'blend')).toBe(grey);
});

test('a subgraph is named in its panel: the step, the breadcrumb and the file take the name, a blank one is refused, and undo puts the old one back', async ({ page }) => {
  await page.goto('/');
  await ready(page);
  const id = await page.evaluate(() => window.pipette.group(['bc', 'hsl']));
  await ready(page);
  const runs = await page.evaluate(() => window.pipette.kernelRuns());
  await node(page, id).click();
  const name = page.getByTestId('subgraph-name');
  await expect(name).toHaveValue('Group 1');
  await name.fill('Warm look');
  await name.press('Enter');
  await expect(node(page, id)).toContainText('Warm look');
  await expect(page.getByLabel('Parameters').getByRole('heading', { level: 2 })).toHaveText('Warm look');
  expect((await graphFile(page)).graph.definitions?.[0]?.title).toBe('Warm look');
  // A name is not an edit of what is computed.
  await ready(page);
  expect(await page.evaluate(() => window.pipette.kernelRuns())).toBe(runs);
  // A blank name is refused and the field shows the name kept.
  await name.fill('   ');
  await name.press('Enter');
  await expect(name).toHaveValue('Warm look');
  expect((await graphFile(page)).graph.definitions?.[0]?.title).toBe('Warm look');
  // Drilled in, the breadcrumb names it.
  await node(page, id).dblclick();
  await expect(page.getByTestId('breadcrumb')).toContainText('Warm look');
  await page.getByTestId('breadcrumb').getByRole('button', { name: 'Graph' }).click();
  // One undo: the old name.
  await page.evaluate(() => window.pipette.undo());
  await expect(node(page, id)).toContainText('Group 1');
});
