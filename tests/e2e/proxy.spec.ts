import { expect, test, type Page } from '@playwright/test';

// Proxy-first previews: while a slider is dragged the selected step is computed on a reduced copy
// of the source (about a megapixel) and shown at once, marked "proxy"; full resolution replaces it
// when the slider rests. Proxy and full results have their own keys and are both cached.

const WIDTH = 4000;
const HEIGHT = 3000;

async function openPipeline(page: Page) {
  await page.goto('/');
  await page.evaluate(() => window.pipette.ready);
  await page.evaluate(() => window.pipette.whenIdle());
  await page.evaluate(
    ({ width, height }) =>
      window.pipette.loadGraph({
        format: 'pipette-graph',
        version: 1,
        graph: {
          nodes: [
            { id: 'src', op: 'gradient', params: { width, height, kind: 'radial', colorA: '#ffcc88ff', colorB: '#203060ff' }, position: { x: 0, y: 0 } },
            { id: 'blur', op: 'gaussian-blur', params: { sigma: 4 }, position: { x: 240, y: 0 } },
            { id: 'bc', op: 'brightness-contrast', params: { brightness: 10 }, position: { x: 480, y: 0 } },
          ],
          edges: [
            { from: { node: 'src', port: 'image' }, to: { node: 'blur', port: 'image' } },
            { from: { node: 'blur', port: 'image' }, to: { node: 'bc', port: 'image' } },
          ],
        },
      }),
    { width: WIDTH, height: HEIGHT },
  );
  await page.evaluate(() => window.pipette.whenIdle());
  await page.locator('.svelte-flow__node[data-id="blur"]').click();
  await page.evaluate(() => window.pipette.whenIdle());
}

const step = (page: Page, id: string) => page.evaluate((id) => window.pipette.steps().find((s) => s.id === id)!, id);

test('a preview edit shows a marked proxy of about a megapixel at once, then the full result replaces it', async ({ page }) => {
  test.setTimeout(120_000);
  await openPipeline(page);

  // Watched from inside the page: the proxy is on screen only until the full result arrives.
  const seen = await page.evaluate(async () => {
    const deadline = performance.now() + 30_000;
    const until = async (ok: () => boolean) => {
      while (!ok()) {
        if (performance.now() > deadline) throw new Error('no proxy within 30 s');
        await new Promise((r) => setTimeout(r, 1));
      }
    };
    const blur = () => window.pipette.steps().find((s) => s.id === 'blur')!;
    window.pipette.setParam('blur', 'sigma', 9, { preview: true });
    await until(() => blur().proxy);
    const report = blur();
    await until(() => document.querySelector('[data-testid="viewer-proxy"]') !== null);
    // (Polled while the proxy is up: the footer follows the picture within a frame.)
    const drawnFromPixels = () => document.querySelector('[data-testid="drawn"]')?.textContent === 'drawn from its pixels';
    while (!drawnFromPixels() && document.querySelector('[data-testid="viewer-proxy"]') && performance.now() < deadline) await new Promise((r) => setTimeout(r, 1));
    return {
      report,
      stillProxy: blur().proxy,
      badge: document.querySelector('[data-testid="viewer-proxy"]')!.textContent,
      viewer: document.querySelector('[data-testid="viewer"]')!.textContent,
      drawn: document.querySelector('[data-testid="drawn"]')?.textContent,
      node: document.querySelector('.svelte-flow__node[data-id="blur"] [data-proxy="true"]') !== null,
    };
  });
  const proxy = seen.report;
  expect(proxy.size!.width * proxy.size!.height).toBeLessThanOrEqual(1 << 20);
  expect(proxy.size!.width * proxy.size!.height).toBeGreaterThan(0.9 * (1 << 20));
  expect(Math.abs(proxy.size!.width / proxy.size!.height - WIDTH / HEIGHT)).toBeLessThan(0.01);
  // the UI says it is a proxy: on the node and in the viewer, which keeps the full-size geometry
  expect(seen.stillProxy).toBe(true);
  expect(seen.node).toBe(true);
  expect(seen.badge).toContain(`proxy ${proxy.size!.width}×${proxy.size!.height}`);
  expect(seen.viewer).toContain(`${WIDTH}×${HEIGHT}`);
  // The viewer drew the proxy from its own pixels, without asking a worker for a bitmap.
  expect(seen.drawn).toBe('drawn from its pixels');

  await page.evaluate(() => window.pipette.whenIdle());
  const full = await step(page, 'blur');
  expect(full).toMatchObject({ proxy: false, state: 'done', size: { width: WIDTH, height: HEIGHT }, key: proxy.key });
  await expect(page.getByTestId('viewer-proxy')).toHaveCount(0);
  await expect(page.locator('.svelte-flow__node[data-id="blur"] [data-proxy="true"]')).toHaveCount(0);
  expect((await step(page, 'bc')).proxy).toBe(false);
});

test('proxy and full results are both cached: dragging back to a value computes nothing', async ({ page }) => {
  test.setTimeout(120_000);
  await openPipeline(page);
  for (const sigma of [7, 5]) {
    await page.evaluate((sigma) => window.pipette.setParam('blur', 'sigma', sigma, { preview: true }), sigma);
    await page.evaluate(() => window.pipette.whenIdle());
  }
  const runs = await page.evaluate(() => window.pipette.kernelRuns());
  await page.evaluate(() => window.pipette.setParam('blur', 'sigma', 7, { preview: true }));
  await page.evaluate(() => window.pipette.whenIdle());
  expect(await page.evaluate(() => window.pipette.kernelRuns())).toBe(runs);
  expect(await step(page, 'blur')).toMatchObject({ proxy: false, state: 'cached', size: { width: WIDTH, height: HEIGHT } });
});

test('dragging the slider with the mouse shows proxies while it moves and full resolution once let go', async ({ page }) => {
  test.setTimeout(120_000);
  await openPipeline(page);
  // remember whether a proxy was ever on screen while the slider was held
  await page.evaluate(() => {
    const w = window as unknown as { sawProxy: boolean };
    w.sawProxy = false;
    new MutationObserver(() => {
      if (document.querySelector('[data-testid="viewer-proxy"]')) w.sawProxy = true;
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  const slider = page.locator('#p-sigma');
  const box = (await slider.boundingBox())!;
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width * 0.2, y);
  await page.mouse.down();
  for (let f = 0.22; f <= 0.4; f += 0.02) {
    await page.mouse.move(box.x + box.width * f, y);
    await page.waitForTimeout(40);
  }
  await expect.poll(() => page.evaluate(() => (window as unknown as { sawProxy: boolean }).sawProxy), { timeout: 30_000 }).toBe(true);
  await page.mouse.up();
  await page.evaluate(() => window.pipette.whenIdle());
  await expect(page.getByTestId('viewer-proxy')).toHaveCount(0);
  const blur = await step(page, 'blur');
  expect(blur).toMatchObject({ proxy: false, state: 'done', size: { width: WIDTH, height: HEIGHT } });
  const steps = await page.evaluate(() => window.pipette.steps());
  expect(steps.every((s) => !s.proxy && (s.state === 'done' || s.state === 'cached'))).toBe(true);
});
