import { expect, test, type Page } from '@playwright/test';

// Statistics and Histogram show what they found: the numbers on the node and in the viewer, and
// the histogram drawn as a chart on the node and in the viewer.

async function open(page: Page) {
  await page.goto('/');
  await page.evaluate(() => window.pipette.ready);
  await page.evaluate(() => window.pipette.whenIdle());
  await page.evaluate(() =>
    window.pipette.loadGraph({
      format: 'pipette-graph',
      version: 1,
      graph: {
        nodes: [
          { id: 'fill', op: 'fill', params: { width: 64, height: 48, color: '#336699' }, position: { x: 0, y: 0 } },
          { id: 'stats', op: 'statistics', params: { channel: 'r' }, position: { x: 240, y: 0 } },
          { id: 'hist', op: 'histogram', params: {}, position: { x: 480, y: 0 } },
        ],
        edges: [
          { from: { node: 'fill', port: 'image' }, to: { node: 'stats', port: 'image' } },
          { from: { node: 'stats', port: 'image' }, to: { node: 'hist', port: 'image' } },
        ],
      },
    }),
  );
  await page.evaluate(() => window.pipette.whenIdle());
}

test('Statistics shows its numbers, labelled, on its node and in the viewer', async ({ page }) => {
  await open(page);
  // On the node each number is beside its own output port, after the port's label.
  const node = page.locator('.svelte-flow__node[data-id="stats"]');
  await expect(node.locator('[data-testid="port-label"][data-port="mean"]')).toHaveText(/^Mean\s51$/);
  await expect(node.locator('b[data-output="mean"]')).toHaveText('51');
  await expect(node.locator('b[data-output="stddev"]')).toHaveText('0');
  await page.locator('.svelte-flow__node[data-id="stats"]').click();
  const viewer = page.getByTestId('viewer-numbers');
  await expect(viewer).toContainText('Std. dev.');
  await expect(viewer.locator('dd[data-output="min"]')).toHaveText('51');
  await expect(viewer.locator('dd[data-output="max"]')).toHaveText('51');
  // Changing the channel changes the numbers shown.
  await page.evaluate(() => window.pipette.setParam('stats', 'channel', 'b'));
  await expect(viewer.locator('dd[data-output="mean"]')).toHaveText('153', { timeout: 15_000 });
  await expect(node.locator('b[data-output="mean"]')).toHaveText('153');
});

test('Histogram draws its chart on its node and in the viewer, with the peaks where the levels are', async ({ page }) => {
  await open(page);
  const onNode = page.locator('.svelte-flow__node[data-id="hist"] [data-testid="node-histogram"] svg');
  await expect(onNode).toBeVisible();
  await page.locator('.svelte-flow__node[data-id="hist"]').click();
  const chart = page.locator('[data-testid="viewer-histogram"] svg');
  await expect(chart).toBeVisible();
  expect((await chart.boundingBox())!.width).toBeGreaterThan(100);
  // One colour, #336699: every red count is in bin 0x33 = 51, every blue one in 0x99 = 153, so each
  // channel's path reaches the top (y 0) only at its bin (x = bin + 0.5 of 256).
  const peaks = await chart.evaluate((svg) =>
    Object.fromEntries(
      [...svg.querySelectorAll('path')].map((p) => [
        p.dataset.channel,
        [...p.getAttribute('d')!.matchAll(/L([\d.]+) ([\d.]+)/g)].filter((m) => Number(m[2]) === 0).map((m) => Number(m[1])),
      ]),
    ),
  );
  expect(peaks).toMatchObject({ r: [51.5], g: [102.5], b: [153.5] });
});
