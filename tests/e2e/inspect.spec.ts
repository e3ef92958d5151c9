// Inspecting results: the viewer (selected step, zoom, pixel readout, compare slider), the status
// bar and the performance panel, against the built app. Graphs use a solid-colour source so that
// every pixel's value is known.

import { expect, test, type Page } from '@playwright/test';

const W = 64;
const H = 48;

function graph(color = '#336699', size: [number, number] = [W, H]) {
  return {
    format: 'pipette-graph',
    version: 1,
    graph: {
      nodes: [
        { id: 'fill', op: 'fill', params: { width: size[0], height: size[1], color }, position: { x: 0, y: 0 } },
        { id: 'inv', op: 'invert', params: {}, position: { x: 260, y: 0 } },
      ],
      edges: [{ from: { node: 'fill', port: 'image' }, to: { node: 'inv', port: 'image' } }],
    },
  };
}

async function open(page: Page, doc: object = graph()): Promise<void> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await page.evaluate(() => window.pipette.whenIdle());
  await page.evaluate((d) => window.pipette.loadGraph(d), doc);
  await page.evaluate(() => window.pipette.whenIdle());
  test.info().annotations.push({ type: 'page errors', description: errors.join('\n') });
}

/** Opens the performance drawer (closed at first) from its toggle button. */
async function openPerf(page: Page): Promise<void> {
  const toggle = page.getByRole('button', { name: 'Performance' });
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await toggle.press('Enter');
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
}

async function select(page: Page, id: string): Promise<void> {
  await page.evaluate((n) => window.pipette.select(n), id);
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-node', id);
  // The step's bitmap, made in a worker, is up.
  await expect(page.getByTestId('viewer-after')).toBeVisible();
}

/** Moves the pointer over the centre of image pixel (x, y) of the shown result. */
async function hoverPixel(page: Page, x: number, y: number): Promise<void> {
  const box = (await page.getByTestId('viewer-after').boundingBox())!;
  const sx = box.width / W;
  const sy = box.height / H;
  await page.mouse.move(box.x + (x + 0.5) * sx, box.y + (y + 0.5) * sy);
}

test('the viewer shows the step selected through the API, with its state and size', async ({ page }) => {
  await open(page);
  await select(page, 'fill');
  await expect(page.getByTestId('viewer-title')).toHaveText('Solid Colour');
  await expect(page.getByTestId('viewer-state')).toHaveText(/^(done|cached)$/);
  await expect(page.getByTestId('viewer-after')).toHaveAttribute('width', String(W));
  await select(page, 'inv');
  await expect(page.getByTestId('viewer-title')).toHaveText('Invert');
  await expect(page.getByTestId('viewer-after')).toHaveAttribute('height', String(H));
});

test('the pixel readout shows the coordinates and RGBA of the pixel under the pointer', async ({ page }) => {
  await open(page);
  await select(page, 'fill');
  await hoverPixel(page, 10, 20);
  await expect(page.getByTestId('pixel-xy')).toHaveText('x 10 · y 20');
  await expect(page.getByTestId('pixel-rgba')).toHaveText('RGBA 51, 102, 153, 255');

  // The inverted step reads inverted values, and what it was before.
  await select(page, 'inv');
  await hoverPixel(page, 63, 47);
  await expect(page.getByTestId('pixel-xy')).toHaveText('x 63 · y 47');
  await expect(page.getByTestId('pixel-rgba')).toHaveText('RGBA 204, 153, 102, 255');
  await expect(page.getByTestId('pixel-before')).toHaveText('was 51, 102, 153, 255');
});

test('after a parameter change the viewer shows the new result, never the old one', async ({ page }) => {
  await open(page);
  await select(page, 'inv');
  await page.evaluate(() => window.pipette.setParam('fill', 'color', '#ff0000'));
  await page.evaluate(() => window.pipette.whenIdle());
  await expect(page.getByTestId('viewer-after')).toBeVisible();
  await hoverPixel(page, 1, 1);
  await expect(page.getByTestId('pixel-rgba')).toHaveText('RGBA 0, 255, 255, 255');
});

test('the compare slider is there for a step with an input, and moving it moves the divider', async ({ page }) => {
  await open(page);
  await select(page, 'inv');
  const slider = page.getByRole('slider', { name: /Compare position/ });
  await expect(slider).toBeVisible();
  await expect(slider).toHaveValue('0.5');
  await expect(page.getByTestId('viewer-before')).toBeVisible();
  const divider = page.getByTestId('viewer-divider');
  const x0 = (await divider.boundingBox())!.x;

  await slider.focus();
  await page.keyboard.press('ArrowLeft');
  await expect(slider).not.toHaveValue('0.5');
  await slider.fill('0.2');
  await expect(slider).toHaveValue('0.2');
  await expect.poll(async () => (await divider.boundingBox())!.x).toBeLessThan(x0 - 20);

  // Left of the divider is the input, right of it the result.
  await expect(page.getByTestId('compare-select')).toHaveValue('input');
  await page.getByLabel('Compare with').selectOption('none');
  await expect(slider).toHaveCount(0);
  await expect(page.getByTestId('viewer-before')).toBeHidden();
});

test('a source step has nothing to compare with by default, and says so', async ({ page }) => {
  await open(page);
  await select(page, 'fill');
  await expect(page.getByRole('slider', { name: /Compare position/ })).toHaveCount(0);
  await expect(page.getByText('This step has no image input to compare with')).toBeVisible();
  // Any other step with an image can be chosen instead.
  await page.getByLabel('Compare with').selectOption('inv');
  await expect(page.getByRole('slider', { name: /Compare position/ })).toBeVisible();
});

test('zoom buttons, keys and the wheel change the zoom; 1:1 draws crisp pixels', async ({ page }) => {
  await open(page);
  await select(page, 'fill');
  const viewer = page.getByTestId('viewer');
  const zoom = page.getByTestId('viewer-zoom');
  await viewer.getByRole('button', { name: 'Actual pixels' }).click();
  await expect(zoom).toHaveText('100 %');
  await viewer.getByRole('button', { name: 'Zoom in' }).click();
  await expect(zoom).toHaveText('125 %');
  await expect(page.getByTestId('viewer-area')).toHaveClass(/pixelated/);
  await page.getByTestId('viewer-area').focus();
  await page.keyboard.press('-');
  await expect(zoom).toHaveText('100 %');
  await page.keyboard.press('0');
  await expect(viewer.getByRole('button', { name: 'Fit' })).toHaveAttribute('aria-pressed', 'true');
  const fitted = await zoom.textContent();
  const box = (await page.getByTestId('viewer-area').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, 300);
  await expect(zoom).not.toHaveText(fitted!);
});

test('a 12 MP result is shown from a screen-sized bitmap, and zooming in adds the visible region at full resolution', async ({ page }) => {
  await open(page, graph('#336699', [4000, 3000]));
  await page.evaluate(() => window.pipette.select('inv'));
  await expect(page.getByTestId('viewer-after')).toBeVisible();
  // The whole image comes as a small bitmap: the main thread never takes 12 MP at once.
  expect(Number(await page.getByTestId('viewer-after').getAttribute('width'))).toBeLessThanOrEqual(1024);
  await page.getByTestId('viewer').getByRole('button', { name: 'Actual pixels' }).click();
  const detail = page.getByTestId('viewer-after-detail');
  await expect(detail).toBeVisible();
  const area = (await page.getByTestId('viewer-area').boundingBox())!;
  const w = Number(await detail.getAttribute('width'));
  const h = Number(await detail.getAttribute('height'));
  // The visible part and a margin, one bitmap pixel per image pixel.
  expect(w).toBeGreaterThanOrEqual(Math.floor(area.width));
  expect(w).toBeLessThanOrEqual(Math.ceil(area.width) + 130);
  expect(h).toBeLessThanOrEqual(Math.ceil(area.height) + 130);
  const box = (await detail.boundingBox())!;
  expect(Math.round(box.width)).toBe(w);
  // The readout still reads the published pixels.
  await page.mouse.move(area.x + area.width / 2, area.y + area.height / 2);
  await expect(page.getByTestId('pixel-rgba')).toHaveText('RGBA 204, 153, 102, 255');
});

test('dragging the view pans the image', async ({ page }) => {
  await open(page);
  await select(page, 'fill');
  const img = page.getByTestId('viewer-after');
  // Measure once the layout has settled (the header and footer fill in as the step's state arrives).
  let before = (await img.boundingBox())!;
  for (let i = 0; i < 20; i++) {
    await page.waitForTimeout(100);
    const now = (await img.boundingBox())!;
    if (now.x === before.x && now.y === before.y) break;
    before = now;
  }
  await page.mouse.move(before.x + 5, before.y + 5);
  await page.mouse.down();
  await page.mouse.move(before.x + 65, before.y + 45, { steps: 4 });
  await page.mouse.up();
  const after = (await img.boundingBox())!;
  expect(Math.round(after.x - before.x)).toBe(60);
  expect(Math.round(after.y - before.y)).toBe(40);
});

test('a failed step shows what went wrong in the viewer', async ({ page }) => {
  await open(page, graph('#336699', [65536, 65536]));
  await page.evaluate(() => window.pipette.select('fill'));
  await expect(page.getByTestId('viewer-state')).toHaveText('failed');
  await expect(page.getByTestId('viewer-message')).toContainText('over the');
  await expect(page.getByTestId('viewer-after')).toBeHidden();
});

test('the status bar reports every step finished once the run is idle', async ({ page }) => {
  await open(page);
  await expect(page.getByTestId('status-progress')).toHaveText('2/2 steps');
  await expect(page.getByTestId('status-run')).toHaveText(/^Idle/);
  await expect(page.getByTestId('status-pool')).toHaveText(/0\/\d+ workers busy · 0 tasks queued/);
});

test('the performance panel lists each step with its time and draws a bar per task of the latest run', async ({ page }) => {
  await open(page);
  await openPerf(page);
  const rows = page.getByTestId('perf-step');
  await expect(rows).toHaveCount(2);
  for (const id of ['fill', 'inv']) {
    await expect(page.locator(`[data-testid="perf-step"][data-step="${id}"]`).getByTestId('perf-step-time')).toHaveText(/^(\d+ ms|[\d.]+ s|cached)$/);
  }
  await expect(page.getByTestId('perf-timeline')).toBeVisible();
  // One bar per computed step at least (preview bitmaps may add more).
  await expect.poll(() => page.locator('[data-testid="perf-bar"].step').count()).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId('perf-run-total')).toHaveText(/Last run \d/);
  await expect(page.getByTestId('perf-hit-rate')).toHaveText(/^\d+ %$/);
});

test('the cache budget inputs change the budgets and Clear empties the memory tier', async ({ page }) => {
  await open(page);
  await openPerf(page);
  const mem = page.getByLabel('Memory cache budget in megabytes');
  await mem.fill('64');
  await mem.press('Enter');
  await expect.poll(() => page.evaluate(() => window.pipette.cacheStats().memory.budgetBytes)).toBe(64 * 1024 * 1024);
  expect(await page.evaluate(() => window.pipette.cacheStats().memory.entries)).toBeGreaterThan(0);
  await page.getByRole('button', { name: 'Clear cache' }).click();
  await expect.poll(() => page.evaluate(() => window.pipette.cacheStats().memory.entries)).toBe(0);
});

test('work elsewhere in the graph does not make the viewer ask the workers again for the images it shows', async ({ page }) => {
  // Count the display bitmaps the page asks the workers for (Comlink calls of `bitmap`).
  await page.addInitScript(() => {
    const w = window as unknown as { bitmapCalls: number };
    w.bitmapCalls = 0;
    const post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (this: Worker, message: unknown, ...rest: unknown[]) {
      const m = message as { path?: unknown[] } | null;
      if (m && Array.isArray(m.path) && m.path[0] === 'bitmap') w.bitmapCalls++;
      return (post as (...a: unknown[]) => void).call(this, message, ...rest);
    } as typeof Worker.prototype.postMessage;
  });
  const doc = graph();
  doc.graph.nodes.push({ id: 'other', op: 'brightness-contrast', params: {}, position: { x: 260, y: 200 } } as never);
  doc.graph.edges.push({ from: { node: 'fill', port: 'image' }, to: { node: 'other', port: 'image' } });
  await open(page, doc);
  await select(page, 'inv'); // shown with its input (fill) to compare
  await expect(page.getByTestId('viewer-before')).toBeVisible();
  await page.waitForTimeout(300);
  const calls = () => page.evaluate(() => (window as unknown as { bitmapCalls: number }).bitmapCalls);
  const before = await calls();
  expect(before).toBeGreaterThan(0);
  for (const brightness of [10, 20, 30]) {
    await page.evaluate((b) => window.pipette.setParam('other', 'brightness', b), brightness);
    await page.evaluate(() => window.pipette.whenIdle());
    await page.waitForTimeout(250); // several redraws of the editor
  }
  expect(await calls()).toBe(before);
});
