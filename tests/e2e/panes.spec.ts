import { expect, test, type Page } from '@playwright/test';

// A readable graph: panes resized by their splitters and remembered, a minimap that can be
// hidden, fit that stops at a readable zoom, and labelled ports that are easy to hit.

async function openApp(page: Page) {
  await page.goto('/');
  await page.evaluate(() => window.pipette.ready);
  await page.evaluate(() => window.pipette.whenIdle());
}

const width = async (page: Page, selector: string) => (await page.locator(selector).boundingBox())!.width;

test('the splitters resize the palette, viewer and panel, and the sizes are remembered after a reload', async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await openApp(page);
  const viewer0 = await width(page, 'section.viewer-pane');
  const split = page.getByRole('separator', { name: 'Resize the viewer' });
  const box = (await split.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + 200);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 - 60, box.y + 200, { steps: 5 });
  await page.mouse.move(box.x + box.width / 2 - 120, box.y + 200, { steps: 5 });
  await page.mouse.up();
  expect(Math.round((await width(page, 'section.viewer-pane')) - viewer0)).toBe(120);

  // From the keyboard: the palette grows 10 px an arrow press, the panel too.
  const left0 = await width(page, 'aside.left');
  await page.getByRole('separator', { name: 'Resize the operations list' }).focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  expect(Math.round((await width(page, 'aside.left')) - left0)).toBe(20);
  const right0 = await width(page, 'aside.right');
  await page.getByRole('separator', { name: 'Resize the parameter panel' }).focus();
  await page.keyboard.press('ArrowLeft');
  expect(Math.round((await width(page, 'aside.right')) - right0)).toBe(10);

  const sizes = [await width(page, 'aside.left'), await width(page, 'section.viewer-pane'), await width(page, 'aside.right')];
  await page.reload();
  await page.evaluate(() => window.pipette.ready);
  expect([await width(page, 'aside.left'), await width(page, 'section.viewer-pane'), await width(page, 'aside.right')]).toEqual(sizes);
});

test('the minimap can be hidden, and stays hidden after a reload', async ({ page }) => {
  await openApp(page);
  await expect(page.getByTestId('graph-map')).toBeVisible();
  await page.getByTestId('toggle-minimap').click();
  await expect(page.getByTestId('graph-map')).toHaveCount(0);
  await page.reload();
  await page.evaluate(() => window.pipette.ready);
  await expect(page.locator('.svelte-flow__node').first()).toBeVisible();
  await expect(page.getByTestId('graph-map')).toHaveCount(0);
  await page.getByTestId('toggle-minimap').click();
  await expect(page.getByTestId('graph-map')).toBeVisible();
});

test('the Fit button stops at a zoom where step titles are still readable', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await openApp(page);
  // A chain of 12 steps is far wider than the graph pane.
  await page.evaluate(() => {
    const nodes = [{ id: 's0', op: 'gradient', params: { width: 64, height: 64 }, position: { x: 0, y: 0 } }];
    const edges = [];
    for (let i = 1; i < 12; i++) {
      nodes.push({ id: `s${i}`, op: 'invert', params: {}, position: { x: i * 240, y: 0 } } as (typeof nodes)[number]);
      edges.push({ from: { node: `s${i - 1}`, port: 'image' }, to: { node: `s${i}`, port: 'image' } });
    }
    window.pipette.loadGraph({ format: 'pipette-graph', version: 1, graph: { nodes, edges } });
  });
  await page.evaluate(() => window.pipette.whenIdle());
  await page.locator('.svelte-flow__controls-fitview').click();
  await expect
    .poll(async () => {
      const title = page.locator('.svelte-flow__node .title').first();
      return title.evaluate((el) => parseFloat(getComputedStyle(el).fontSize) * (el.getBoundingClientRect().height / (el as HTMLElement).offsetHeight));
    })
    .toBeGreaterThanOrEqual(8);
});

test('zoomed out past reading (the first view of the starter graph), every step shows its title large; zoomed in, its usual head', async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await openApp(page);
  // On-screen size of an element's text: its font size times the canvas zoom (its drawn height over its laid-out one).
  const onScreen = (sel: string) =>
    page.locator(`.svelte-flow__node ${sel}`).evaluateAll((els) =>
      els.map((el) => ({
        visible: getComputedStyle(el).display !== 'none' && getComputedStyle(el).visibility !== 'hidden',
        px: parseFloat(getComputedStyle(el).fontSize) * (el.getBoundingClientRect().height / (el as HTMLElement).offsetHeight),
      })),
    );
  const steps = await page.evaluate(() => window.pipette.steps().length);
  // The first view shows the whole starter graph, below the readable zoom…
  await expect(page.locator('.svelte-flow__node')).toHaveCount(steps);
  await expect(page.getByTestId('canvas')).toHaveClass(/\bfar\b/);
  const sizeBefore = await page.locator('.svelte-flow__node').first().boundingBox();
  const small = await onScreen('.title');
  expect(small.every((t) => t.px < 7 && !t.visible)).toBe(true);
  // …where each step's large title reads at 7 px or more.
  const large = await onScreen('.far-title');
  expect(large).toHaveLength(steps);
  for (const t of large) {
    expect(t.visible).toBe(true);
    expect(t.px).toBeGreaterThanOrEqual(7);
  }
  // The steps kept their size (a resize would make Svelte Flow measure and redraw them).
  expect(await page.locator('.svelte-flow__node').first().boundingBox()).toEqual(sizeBefore);

  // Fit stops at a readable zoom: the usual head is back and the large title gone.
  await page.locator('.svelte-flow__controls-fitview').click();
  await expect(page.getByTestId('canvas')).not.toHaveClass(/\bfar\b/);
  await expect.poll(async () => (await onScreen('.far-title')).some((t) => t.visible)).toBe(false);
  for (const t of await onScreen('.title')) expect(t.visible).toBe(true);
});

test('Statistics’ outputs are labelled, and a wire starts from a port’s larger hit area', async ({ page }) => {
  await openApp(page);
  await page.evaluate(() =>
    window.pipette.loadGraph({
      format: 'pipette-graph',
      version: 1,
      graph: {
        nodes: [
          { id: 'src', op: 'gradient', params: { width: 64, height: 64 }, position: { x: 0, y: 0 } },
          { id: 'stats', op: 'statistics', params: {}, position: { x: 260, y: 0 } },
          { id: 'inv', op: 'invert', params: {}, position: { x: 130, y: 240 } },
        ],
        edges: [{ from: { node: 'src', port: 'image' }, to: { node: 'stats', port: 'image' } }],
      },
    }),
  );
  await page.evaluate(() => window.pipette.whenIdle());
  await page.locator('.svelte-flow__controls-fitview').click();
  const labels = page.locator('.svelte-flow__node[data-id="stats"] [data-testid="port-label"]');
  await expect(labels).toHaveCount(5);
  const texts = await labels.evaluateAll((els) => els.map((e) => e.firstChild!.textContent!.trim()));
  expect(texts).toEqual(['Mean', 'Min', 'Max', 'Std. dev.', 'Image']);

  // Press just outside the output port's dot, drag to Invert's input: a wire.
  // (Once the fitted view has settled: the viewport moves a frame after the click.)
  const handle = page.locator('.svelte-flow__node[data-id="src"] .svelte-flow__handle.source');
  let out = (await handle.boundingBox())!;
  await expect
    .poll(async () => {
      const now = (await handle.boundingBox())!;
      const still = now.x === out.x && now.y === out.y && now.width === out.width;
      out = now;
      return still;
    })
    .toBe(true);
  const into = (await page.locator('.svelte-flow__node[data-id="inv"] .svelte-flow__handle.target').boundingBox())!;
  const sx = out.x + out.width + 4; // 4 px outside the drawn port
  const sy = out.y + out.height / 2;
  await page.mouse.move(sx, sy);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(sx + ((into.x + into.width / 2 - sx) * i) / 10, sy + ((into.y + into.height / 2 - sy) * i) / 10);
  await page.mouse.up();
  await expect.poll(async () => JSON.parse(await page.evaluate(() => window.pipette.exportGraph())).graph.edges.length).toBe(2);
  // and the step did not move (the press was on the port, not on the step)
  const g = JSON.parse(await page.evaluate(() => window.pipette.exportGraph())).graph;
  expect(g.nodes.find((n: { id: string }) => n.id === 'src').position).toEqual({ x: 0, y: 0 });
});

test('at 1280×720 the header stays one row and the viewer footer fits its pane', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await openApp(page);
  // One row: every header button on the same line, and no button's label wrapped onto two lines.
  const buttons = await page.getByRole('banner').locator('button').evaluateAll((els) =>
    els
      .filter((e) => e.getBoundingClientRect().width > 0)
      .map((e) => {
        const r = document.createRange();
        r.selectNodeContents(e);
        return { top: Math.round(e.getBoundingClientRect().top), lines: new Set([...r.getClientRects()].map((l) => Math.round(l.top))).size };
      }),
  );
  expect(buttons.length).toBeGreaterThan(8);
  expect(new Set(buttons.map((b) => b.top)).size).toBe(1);
  expect(buttons.filter((b) => b.lines > 1)).toEqual([]);
  // The footer's controls end inside the viewer, and the timing is cut short rather than the row.
  await expect(page.getByTestId('compare-slider')).toBeVisible();
  const pane = (await page.locator('section.viewer-pane').boundingBox())!;
  for (const el of [page.getByTestId('compare-select'), page.getByTestId('compare-slider'), page.locator('section.viewer-pane footer .compare')]) {
    const b = (await el.boundingBox())!;
    expect(b.x + b.width).toBeLessThanOrEqual(pane.x + pane.width);
  }
  const row = page.locator('section.viewer-pane footer .compare');
  expect(await row.evaluate((e) => e.scrollWidth - e.clientWidth)).toBeLessThanOrEqual(1);
});
