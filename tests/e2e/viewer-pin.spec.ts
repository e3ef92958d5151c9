import { expect, test, type Page } from '@playwright/test';

// A pinned viewer keeps one step (by default the graph's final output) on screen while another is
// selected and tuned. During a slider drag nothing below the dragged step goes blank: the pinned
// step is computed on proxies too, and the other steps keep their last result marked "updating".

const WIDTH = 3000;
const HEIGHT = 2000;

async function openChain(page: Page) {
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
            { id: 'inv', op: 'invert', params: {}, position: { x: 720, y: 0 } },
          ],
          edges: [
            { from: { node: 'src', port: 'image' }, to: { node: 'blur', port: 'image' } },
            { from: { node: 'blur', port: 'image' }, to: { node: 'bc', port: 'image' } },
            { from: { node: 'bc', port: 'image' }, to: { node: 'inv', port: 'image' } },
          ],
        },
      }),
    { width: WIDTH, height: HEIGHT },
  );
  await page.evaluate(() => window.pipette.whenIdle());
}

test('Pin keeps the final output on screen while an earlier step is selected', async ({ page }) => {
  await openChain(page);
  // Nothing selected: the viewer shows the final output, and Pin pins it.
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-node', 'inv');
  await page.getByTestId('pin-viewer').click();
  const pinned = page.getByTestId('pinned-viewer');
  await expect(pinned).toHaveAttribute('data-node', 'inv');
  await expect(page.getByTestId('pinned-canvas')).not.toHaveClass(/hidden/, { timeout: 15_000 });

  await page.locator('.svelte-flow__node[data-id="blur"]').click();
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-node', 'blur');
  await expect(pinned).toHaveAttribute('data-node', 'inv');
  await expect(page.getByTestId('pinned-state')).toHaveText('done');

  // Any step can be pinned from the pinned viewer's list; Unpin closes it.
  await page.getByTestId('pinned-select').selectOption('bc');
  await expect(pinned).toHaveAttribute('data-node', 'bc');
  await page.getByRole('button', { name: 'Unpin' }).click();
  await expect(pinned).toHaveCount(0);
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-node', 'blur');
});

test('while a slider is dragged the pinned output follows on proxies and the steps between keep their last picture marked updating', async ({ page }) => {
  test.setTimeout(120_000);
  await openChain(page);
  await page.getByTestId('pin-viewer').click();
  await expect(page.getByTestId('pinned-canvas')).not.toHaveClass(/hidden/, { timeout: 15_000 });
  await page.locator('.svelte-flow__node[data-id="blur"]').click();
  await page.evaluate(() => window.pipette.whenIdle());

  // Watch from inside the page, every few milliseconds, for the whole drag and the run after it.
  await page.evaluate(() => {
    type Sample = { pinnedDrawn: boolean; bcThumb: boolean; bcUpdating: boolean; invProxy: boolean; invUpdating: boolean };
    const samples: Sample[] = [];
    const w = window as unknown as { __samples: Sample[]; __stop: () => void };
    w.__samples = samples;
    const timer = setInterval(() => {
      const steps = window.pipette.steps();
      const bc = steps.find((s) => s.id === 'bc')!;
      const inv = steps.find((s) => s.id === 'inv')!;
      const canvas = document.querySelector('[data-testid="pinned-canvas"]');
      samples.push({
        pinnedDrawn: !!canvas && !canvas.classList.contains('hidden') && getComputedStyle(canvas).visibility !== 'hidden',
        bcThumb: bc.size !== null,
        bcUpdating: bc.updating,
        invProxy: inv.proxy,
        invUpdating: inv.updating,
      });
    }, 4);
    w.__stop = () => clearInterval(timer);
  });

  const slider = page.getByLabel('Radius (σ) (px)', { exact: true });
  const box = (await slider.boundingBox())!;
  const y = box.y + box.height / 2;
  const from = box.x + box.width * (4 / 30);
  await page.mouse.move(from, y);
  await page.mouse.down();
  for (let i = 1; i <= 12; i++) await page.mouse.move(from + (box.width * 0.4 * i) / 12, y);
  await page.mouse.up();
  await page.evaluate(() => window.pipette.whenIdle());
  const samples = await page.evaluate(() => {
    const w = window as unknown as { __samples: { pinnedDrawn: boolean; bcThumb: boolean; bcUpdating: boolean; invProxy: boolean; invUpdating: boolean }[]; __stop: () => void };
    w.__stop();
    return w.__samples;
  });

  expect(samples.length).toBeGreaterThan(10);
  // Never blank: the pinned viewer always has a picture, and the step between always shows one.
  expect(samples.filter((s) => !s.pinnedDrawn)).toEqual([]);
  expect(samples.filter((s) => !s.bcThumb)).toEqual([]);
  // The step between showed its old result marked updating; the pinned output got proxies.
  expect(samples.some((s) => s.bcUpdating)).toBe(true);
  expect(samples.some((s) => s.invProxy)).toBe(true);

  // At rest every step shows its new full result, nothing marked updating or proxy.
  const steps = await page.evaluate(() => window.pipette.steps());
  for (const s of steps) expect(s).toMatchObject({ state: expect.stringMatching(/done|cached/), updating: false, proxy: false });
  await expect(page.locator('.svelte-flow__node[data-id="bc"] [data-updating="true"]')).toHaveCount(0);
  await expect(page.getByTestId('pinned-updating')).toHaveCount(0);
});
