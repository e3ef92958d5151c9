import { expect, test, type Page } from '@playwright/test';
import { buildPng } from '../png-fixture';

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
  const out = (await page.locator('.svelte-flow__node[data-id="blend"] .svelte-flow__handle.source').boundingBox())!;
  const into = (await page.locator('.svelte-flow__node[data-id="bc"] .svelte-flow__handle.target').boundingBox())!;
  await page.mouse.move(out.x + out.width / 2, out.y + out.height / 2);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) {
    await page.mouse.move(out.x + ((into.x - out.x) * i) / 10 + into.width / 2, out.y + ((into.y - out.y) * i) / 10 + into.height / 2);
  }
  await page.mouse.up();
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

const chain = {
  format: 'pipette-graph',
  version: 1,
  graph: {
    nodes: [
      { id: 'src', op: 'fill', params: { width: 320, height: 200, color: '#336699ff' } },
      { id: 'a', op: 'invert', params: {} },
      { id: 'b', op: 'grayscale', params: {} },
      { id: 'other', op: 'fill', params: { width: 64, height: 64 } },
      { id: 'c', op: 'invert', params: {} },
    ],
    edges: [
      { from: { node: 'src', port: 'image' }, to: { node: 'a', port: 'image' } },
      { from: { node: 'a', port: 'image' }, to: { node: 'b', port: 'image' } },
      { from: { node: 'other', port: 'image' }, to: { node: 'c', port: 'image' } },
    ],
  },
};

test('run to step computes only what the chosen step needs', async ({ page }) => {
  await openApp(page);
  const runs0 = await page.evaluate(() => window.pipette.kernelRuns());
  await page.evaluate((doc) => {
    window.pipette.runTo('a');
    window.pipette.loadGraph(doc);
  }, chain);
  await page.evaluate(() => window.pipette.whenIdle());
  const states = Object.fromEntries((await page.evaluate(() => window.pipette.steps())).map((s) => [s.id, s.state]));
  expect(states).toEqual({ src: 'done', a: 'done', b: 'idle', other: 'idle', c: 'idle' });
  expect((await page.evaluate(() => window.pipette.kernelRuns())) - runs0).toBe(2);
});

test('step-through computes one more step per click, in dependency order', async ({ page }) => {
  await openApp(page);
  await page.evaluate((doc) => {
    window.pipette.runTo('src');
    window.pipette.loadGraph(doc);
  }, chain);
  await page.evaluate(() => window.pipette.whenIdle());
  const done = async () =>
    (await page.evaluate(() => window.pipette.steps())).filter((s) => s.state === 'done' || s.state === 'cached').map((s) => s.id);
  const order = [await done()];
  expect(order[0]).toEqual(['src']);
  for (let click = 1; click <= 4; click++) {
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await page.evaluate(() => window.pipette.whenIdle());
    order.push(await done());
    expect(order[click]!.length).toBe(click + 1);
  }
  const finishedAt = (id: string) => order.findIndex((d) => d.includes(id));
  expect(finishedAt('a')).toBeLessThan(finishedAt('b'));
  expect(finishedAt('other')).toBeLessThan(finishedAt('c'));
});

test('a step result exports as a PNG download', async ({ page }) => {
  await openApp(page);
  await page.locator('.svelte-flow__node[data-id="hsl"]').click();
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('hsl.png');
  const path = await file.path();
  const { readFileSync } = await import('node:fs');
  const bytes = readFileSync(path);
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  // IHDR: width and height of the 600×400 sample
  expect(bytes.readUInt32BE(16)).toBe(600);
  expect(bytes.readUInt32BE(20)).toBe(400);
});

test('a JPEG download lays transparent pixels on the background colour chosen in the panel', async ({ page }) => {
  await openApp(page);
  // A 32×16 image: left half fully transparent red, right half opaque blue.
  const pixels = new Uint8Array(32 * 16 * 4);
  for (let i = 0; i < 32 * 16; i++) pixels.set(i % 32 < 16 ? [255, 0, 0, 0] : [0, 0, 255, 255], i * 4);
  const file = buildPng({ width: 32, height: 16, colorType: 6, bitDepth: 8, sample: (x, y) => [...pixels.subarray((y * 32 + x) * 4, (y * 32 + x) * 4 + 4)] });
  await page.route('**/e2e/half.png', (route) => route.fulfill({ body: Buffer.from(file), contentType: 'image/png' }));
  await page.evaluate(async () => {
    const asset = await window.pipette.loadImage('/e2e/half.png');
    window.pipette.loadGraph({ format: 'pipette-graph', version: 1, graph: { nodes: [{ id: 'half', op: 'image-source', params: { asset } }], edges: [] } });
    await window.pipette.whenIdle();
  });
  await page.locator('.svelte-flow__node[data-id="half"]').click();
  await page.getByLabel('Format').selectOption('image/jpeg');
  await page.getByLabel('Background').fill('#00ff00');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download' }).click();
  const saved = await download;
  expect(saved.suggestedFilename()).toBe('half.jpg');
  const { readFileSync } = await import('node:fs');
  const jpeg = [...readFileSync(await saved.path())];
  const [left, right] = await page.evaluate(async (bytes) => {
    const bmp = await createImageBitmap(new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }));
    const g = new OffscreenCanvas(bmp.width, bmp.height).getContext('2d')!;
    g.drawImage(bmp, 0, 0);
    return [[...g.getImageData(4, 8, 1, 1).data], [...g.getImageData(28, 8, 1, 1).data]];
  }, jpeg);
  const near = (got: number[], want: number[]) => got.every((v, c) => Math.abs(v - want[c]!) <= 12);
  expect(near(left!, [0, 255, 0, 255])).toBe(true);
  expect(near(right!, [0, 0, 255, 255])).toBe(true);
});
