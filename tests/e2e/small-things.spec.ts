import { expect, test, type Page } from '@playwright/test';

// Small things a person notices: badges that say what a step shows, no red "failed" for a step
// nobody wired yet, messages that name steps by their titles, banners that do not push the panes
// down, no blank moment when a full result replaces a proxy, and an export panel that fits.

async function openApp(page: Page) {
  await page.goto('/');
  await page.evaluate(() => window.pipette.ready);
  await page.evaluate(() => window.pipette.whenIdle());
}

async function load(page: Page, graph: object) {
  await page.evaluate((graph) => window.pipette.loadGraph({ format: 'pipette-graph', version: 1, graph }), graph);
  await page.evaluate(() => window.pipette.whenIdle());
}

const big = {
  nodes: [
    { id: 'src', op: 'gradient', params: { width: 4000, height: 3000, kind: 'radial', colorA: '#ffcc88ff', colorB: '#203060ff' }, position: { x: 0, y: 0 } },
    { id: 'blur', op: 'gaussian-blur', params: { sigma: 4 }, position: { x: 240, y: 0 } },
  ],
  edges: [{ from: { node: 'src', port: 'image' }, to: { node: 'blur', port: 'image' } }],
};

test('a new step with nothing wired into it says it needs an input, not that it failed', async ({ page }) => {
  await openApp(page);
  await page.locator('.svelte-flow__pane').click({ position: { x: 5, y: 5 } });
  await page.getByRole('button', { name: 'Invert', exact: true }).click();
  const id = await page.evaluate(() => window.pipette.steps().find((s) => s.op === 'invert')!.id);
  const node = page.locator(`.svelte-flow__node[data-id="${id}"]`);
  await expect(node.getByTestId('step-badge')).toHaveText('needs an input');
  await expect(node.getByTestId('step-badge')).not.toHaveClass(/failed/);
  await expect(node.getByRole('button', { name: 'Retry' })).toHaveCount(0);
  await expect(page.getByTestId('viewer-state')).toHaveText('needs an input');
  await expect(page.getByTestId('viewer-message')).toContainText('Needs an input');
  await expect(page.getByTestId('viewer-message')).not.toContainText('Failed');
  await expect(page.getByTestId('viewer-message')).toHaveAttribute('role', 'status');
  await expect(page.getByTestId('status-progress')).toContainText('1 needs an input');
  await expect(page.getByTestId('status-progress')).not.toContainText('failed');
  expect((await page.evaluate(() => window.pipette.steps())).find((s) => s.id === id)!.needsInput).toBe(true);
});

test('messages name the steps they talk about by title, not by internal id', async ({ page }) => {
  await openApp(page);
  await load(page, {
    nodes: [
      { id: 'n1', op: 'invert', params: {}, label: 'My invert', position: { x: 0, y: 0 } },
      { id: 'n2', op: 'grayscale', params: {}, position: { x: 240, y: 0 } },
      { id: 'n3', op: 'threshold', params: {}, position: { x: 480, y: 0 } },
    ],
    edges: [
      { from: { node: 'n1', port: 'image' }, to: { node: 'n2', port: 'image' } },
      { from: { node: 'n2', port: 'image' }, to: { node: 'n3', port: 'image' } },
    ],
  });
  const steps = await page.evaluate(() => window.pipette.steps());
  expect(steps.find((s) => s.id === 'n2')!.message).toBe('Waiting on "My invert", which cannot run');
  expect(steps.find((s) => s.id === 'n3')!.message).toBe('Waiting on "Grayscale", which cannot run');
  await expect(page.locator('.svelte-flow__node[data-id="n3"] .msg')).toHaveText('Waiting on "Grayscale", which cannot run');
});

test('a banner lies over the panes: the canvas and viewer do not move when one appears', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await openApp(page);
  const canvas = page.getByTestId('canvas');
  const viewer = page.getByTestId('viewer');
  const before = [await canvas.boundingBox(), await viewer.boundingBox()];
  await page.getByLabel('Open a graph file').setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{not json') });
  await expect(page.getByTestId('error')).toBeVisible();
  await page.getByRole('button', { name: 'Undo' }).click(); // a second banner: "Nothing to undo" or none
  expect([await canvas.boundingBox(), await viewer.boundingBox()]).toEqual(before);
  // and it is on top, readable and dismissable
  await page.getByTestId('error').getByRole('button', { name: 'Dismiss' }).click();
  await expect(page.getByTestId('error')).toHaveCount(0);
});

test('while a slider is dragged the step shows "preview", never "idle", and the viewer never goes blank or says Drawing…', async ({ page }) => {
  test.setTimeout(120_000);
  await openApp(page);
  await load(page, big);
  await page.locator('.svelte-flow__node[data-id="blur"]').click();
  await page.evaluate(() => window.pipette.whenIdle());
  await expect(page.getByTestId('viewer-after')).toBeVisible();

  const drag = (gap: number, from: number) => page.evaluate(async ({ gap, from }) => {
    type Sample = { badge: string; viewerState: string; proxy: boolean; blank: boolean; drawing: boolean };
    const samples: Sample[] = [];
    const take = () => {
      const node = document.querySelector('.svelte-flow__node[data-id="blur"]')!;
      const layer = document.querySelector('[data-testid="viewer-after"]')!.closest('.layer')!;
      samples.push({
        badge: node.querySelector('[data-testid="step-badge"]')!.textContent!.trim(),
        viewerState: document.querySelector('[data-testid="viewer-state"]')!.textContent!.trim(),
        proxy: node.querySelector('[data-proxy="true"]') !== null,
        blank: getComputedStyle(layer).visibility === 'hidden',
        drawing: (document.querySelector('[data-testid="viewer-area"]')!.textContent ?? '').includes('Drawing'),
      });
    };
    const timer = setInterval(take, 2);
    for (let sigma = from; sigma < from + 4; sigma++) {
      window.pipette.setParam('blur', 'sigma', sigma, { preview: true });
      await new Promise((r) => setTimeout(r, gap));
    }
    window.pipette.endDrag();
    await window.pipette.whenIdle();
    await new Promise((r) => setTimeout(r, 200));
    clearInterval(timer);
    take();
    return samples;
  }, { gap, from });
  // Edits 40 ms apart, as a quick drag makes them. On a busy machine a proxy may come only after
  // the drag has ended and the full run begun ("running", not "preview"), so the drag is tried
  // again slower (still under the 250 ms rest that starts the full run) until a proxy is seen on
  // its own; every sample of every try is held to the rules below.
  const samples: Awaited<ReturnType<typeof drag>> = [];
  for (const [i, gap] of [40, 120, 200].entries()) {
    samples.push(...(await drag(gap, 5 + i * 4)));
    if (samples.some((s) => s.badge === 'preview')) break;
  }
  expect(samples.length).toBeGreaterThan(20);
  expect(samples.some((s) => s.proxy)).toBe(true);
  // A proxy on show is called a preview, on the node and in the viewer.
  expect(samples.filter((s) => s.proxy && (s.badge === 'idle' || s.viewerState === 'idle'))).toEqual([]);
  expect(samples.some((s) => s.badge === 'preview')).toBe(true);
  // The picture stays up throughout: proxy over the old result, full result over the proxy.
  expect(samples.filter((s) => s.blank || s.drawing)).toEqual([]);
  expect(samples.at(-1)).toMatchObject({ proxy: false, badge: 'done', viewerState: 'done' });
});

for (const width of [1280, 1440]) {
  test(`the JPEG quality and background fields fit inside the panel at ${width} px`, async ({ page }) => {
    await page.setViewportSize({ width, height: 900 });
    await openApp(page);
    await page.locator('.svelte-flow__node[data-id="blend"]').click();
    await page.locator('#export-format').selectOption('image/jpeg');
    const panel = (await page.locator('aside.right').boundingBox())!;
    for (const field of ['#export-quality', '#export-background', '#export-format']) {
      const box = (await page.locator(field).boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(panel.x);
      expect(box.x + box.width).toBeLessThanOrEqual(panel.x + panel.width);
    }
  });
}
