import { expect, test, type Page } from '@playwright/test';

async function openApp(page: Page) {
  await page.goto('/');
  await page.evaluate(() => window.pipette.ready);
  await page.evaluate(() => window.pipette.whenIdle());
}

const graph = () => page0Graph;
let page0Graph: { nodes: { id: string; op: string; params: Record<string, unknown>; bypass?: boolean }[]; edges: unknown[] };
async function readGraph(page: Page) {
  page0Graph = JSON.parse(await page.evaluate(() => window.pipette.exportGraph())).graph;
  return graph();
}
const param = (g: typeof page0Graph, node: string, name: string) => g.nodes.find((n) => n.id === node)?.params[name];

test('dragging a slider re-runs the step, the preview follows the newest value, and one undo reverts the whole drag', async ({ page }) => {
  await openApp(page);
  await page.locator('.svelte-flow__node[data-id="hsl"]').click();
  const before = (await page.evaluate(() => window.pipette.steps())).find((s) => s.id === 'hsl')!;
  const slider = page.getByLabel('Saturation', { exact: true });
  const box = (await slider.boundingBox())!;
  const y = box.y + box.height / 2;
  // Saturation spans −100..100, so 25 sits at 62.5 % of the track; drag in small moves to 80 %.
  await page.mouse.move(box.x + box.width * 0.625, y);
  await page.mouse.down();
  for (let f = 0.64; f <= 0.8; f += 0.02) await page.mouse.move(box.x + box.width * f, y);
  await page.mouse.up();
  const dragged = param(await readGraph(page), 'hsl', 'saturation') as number;
  expect(dragged).toBeGreaterThan(45);
  await page.evaluate(() => window.pipette.whenIdle());
  const after = (await page.evaluate(() => window.pipette.steps())).find((s) => s.id === 'hsl')!;
  expect(after.key).not.toBe(before.key);
  expect(after.state).toBe('done');
  // Every step below shows a result for the newest graph, none for an older one.
  const steps = await page.evaluate(() => window.pipette.steps());
  expect(steps.every((s) => s.state === 'done' || s.state === 'cached')).toBe(true);
  await page.locator('.svelte-flow__pane').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+z');
  expect(param(await readGraph(page), 'hsl', 'saturation')).toBe(25);
  await page.keyboard.press('Control+Shift+z');
  expect(param(await readGraph(page), 'hsl', 'saturation')).toBe(dragged);
});

test('a connection that would make a cycle is refused with a message', async ({ page }) => {
  await openApp(page);
  const out = page.locator('.svelte-flow__node[data-id="blend"] .svelte-flow__handle.source');
  const into = page.locator('.svelte-flow__node[data-id="bc"] .svelte-flow__handle.target');
  await out.dragTo(into);
  await expect(page.getByTestId('flash')).toContainText('would make a cycle');
  const g = await readGraph(page);
  expect(g.edges).toHaveLength(6);
});

test('adding a step from the palette wires it after the selected step and runs it', async ({ page }) => {
  await openApp(page);
  await page.locator('.svelte-flow__node[data-id="levels"]').click();
  await page.getByLabel('Search operations').fill('invert');
  await page.getByLabel('Search operations').press('Enter');
  const g = await readGraph(page);
  expect(g.nodes.some((n) => n.id === 'invert-1')).toBe(true);
  expect(g.edges).toContainEqual({ from: { node: 'levels', port: 'image' }, to: { node: 'invert-1', port: 'image' } });
  await page.evaluate(() => window.pipette.whenIdle());
  const step = (await page.evaluate(() => window.pipette.steps())).find((s) => s.id === 'invert-1');
  expect(step?.state).toBe('done');
});

test('deleting a step and undoing brings it back with its connections', async ({ page }) => {
  await openApp(page);
  await page.locator('.svelte-flow__node[data-id="blur"]').click();
  await page.keyboard.press('Delete');
  expect((await readGraph(page)).nodes.map((n) => n.id)).not.toContain('blur');
  await page.keyboard.press('Control+z');
  const g = await readGraph(page);
  expect(g.nodes.map((n) => n.id)).toContain('blur');
  expect(g.edges).toHaveLength(6);
});

test('bypassing a step passes its input through', async ({ page }) => {
  await openApp(page);
  await page.locator('.svelte-flow__node[data-id="levels"]').click();
  await page.keyboard.press('b');
  await page.evaluate(() => window.pipette.whenIdle());
  const steps = await page.evaluate(() => window.pipette.steps());
  const hsl = steps.find((s) => s.id === 'hsl')!;
  const levels = steps.find((s) => s.id === 'levels')!;
  expect(levels.key).toBe(`${hsl.key}.image`);
  await expect(page.locator('.svelte-flow__node[data-id="levels"] .step')).toHaveClass(/bypass/);
});

test('a failing step shows its error while another branch completes', async ({ page }) => {
  await openApp(page);
  await page.evaluate(() =>
    window.pipette.loadGraph({
      format: 'pipette-graph',
      version: 1,
      graph: {
        nodes: [
          { id: 'a', op: 'fill', params: { width: 4000, height: 4000 } },
          { id: 'big', op: 'resize', params: { scale: 1000 } },
          { id: 'after', op: 'invert' },
          { id: 'b', op: 'fill', params: { width: 64, height: 64, color: '#336699ff' } },
          { id: 'ok', op: 'invert' },
        ],
        edges: [
          { from: { node: 'a', port: 'image' }, to: { node: 'big', port: 'image' } },
          { from: { node: 'big', port: 'image' }, to: { node: 'after', port: 'image' } },
          { from: { node: 'b', port: 'image' }, to: { node: 'ok', port: 'image' } },
        ],
      },
    }),
  );
  await page.evaluate(() => window.pipette.whenIdle());
  const steps = await page.evaluate(() => window.pipette.steps());
  const state = (id: string) => steps.find((s) => s.id === id)!;
  expect(state('big').state).toBe('failed');
  expect(state('big').message).toMatch(/over the 67 MP limit/);
  expect(state('after').state).toBe('blocked');
  expect(state('ok').state).toBe('done');
  await expect(page.locator('.svelte-flow__node[data-id="big"] .msg')).toContainText('67 MP limit');
});

test('Esc stops a long run: running steps are cancelled and nothing is left running', async ({ page }) => {
  test.setTimeout(90_000);
  await openApp(page);
  await page.evaluate(() =>
    window.pipette.loadGraph({
      format: 'pipette-graph',
      version: 1,
      graph: {
        nodes: [
          { id: 'src', op: 'gradient', params: { width: 6000, height: 4000 } },
          { id: 'h1', op: 'hue-saturation', params: { hue: 10 } },
          { id: 'h2', op: 'hue-saturation', params: { hue: 20 } },
          { id: 'h3', op: 'hue-saturation', params: { hue: 30 } },
          { id: 'h4', op: 'hue-saturation', params: { hue: 40 } },
        ],
        edges: [
          ['src', 'h1'],
          ['h1', 'h2'],
          ['h2', 'h3'],
          ['h3', 'h4'],
        ].map(([a, b]) => ({ from: { node: a, port: 'image' }, to: { node: b, port: 'image' } })),
      },
    }),
  );
  await expect.poll(async () => (await page.evaluate(() => window.pipette.steps())).some((s) => s.state === 'running'), { timeout: 20_000 }).toBe(true);
  await page.keyboard.press('Escape');
  await page.evaluate(() => window.pipette.whenIdle());
  const states = (await page.evaluate(() => window.pipette.steps())).map((s) => s.state);
  expect(states).toContain('cancelled');
  expect(states).not.toContain('running');
  expect(states).not.toContain('queued');
  expect(states.at(-1)).toBe('cancelled');
});
