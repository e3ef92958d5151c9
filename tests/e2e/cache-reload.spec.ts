import { expect, test } from '@playwright/test';

// Six steps on a 12 MP image: a 4000×3000 gradient and five operations on it.
const pipeline = {
  format: 'pipette-graph',
  version: 1,
  graph: {
    nodes: [
      { id: 'src', op: 'gradient', params: { width: 4000, height: 3000, kind: 'radial', colorA: '#ffcc88ff', colorB: '#203060ff' } },
      { id: 'bc', op: 'brightness-contrast', params: { brightness: 10, contrast: 25 } },
      { id: 'hsl', op: 'hue-saturation', params: { hue: 15, saturation: 20 } },
      { id: 'blur', op: 'gaussian-blur', params: { sigma: 3 } },
      { id: 'lv', op: 'levels', params: { inBlack: 10, inWhite: 240 } },
      { id: 'inv', op: 'invert', params: {} },
    ],
    edges: [
      ['src', 'bc'],
      ['bc', 'hsl'],
      ['hsl', 'blur'],
      ['blur', 'lv'],
      ['lv', 'inv'],
    ].map(([a, b]) => ({ from: { node: a, port: 'image' }, to: { node: b, port: 'image' } })),
  },
};

test('after a reload every step of a 12 MP pipeline is served from the cache with zero kernel runs', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('/');
  await page.evaluate(() => window.pipette.ready);
  await page.evaluate(() => window.pipette.whenIdle());
  const before = await page.evaluate(() => window.pipette.kernelRuns());
  await page.evaluate((doc) => window.pipette.loadGraph(doc), pipeline);
  await page.evaluate(() => window.pipette.whenIdle());
  const first = await page.evaluate(() => window.pipette.steps());
  expect(first.map((s) => s.state)).toEqual(['done', 'done', 'done', 'done', 'done', 'done']);
  expect(await page.evaluate(() => window.pipette.kernelRuns())).toBe(before + 6);
  // A fingerprint of one step's pixels, to compare with what a reload reads back.
  const fingerprint = (id: string) =>
    page.evaluate(async (id) => {
      const { data } = await window.pipette.pixels(id);
      let h = 0;
      for (let i = 0; i < data.length; i += 97) h = (h * 31 + data[i]!) >>> 0;
      return `${data.length}:${h}`;
    }, id);
  const bcPixels = await fingerprint('bc');
  await page.evaluate(() => window.pipette.flush());

  await page.reload();
  await page.evaluate(() => window.pipette.ready);
  await page.evaluate(() => window.pipette.whenIdle());
  const after = await page.evaluate(() => window.pipette.steps());
  expect(after.map((s) => s.id)).toEqual(first.map((s) => s.id));
  expect(after.map((s) => s.key)).toEqual(first.map((s) => s.key));
  expect(after.map((s) => s.state)).toEqual(['cached', 'cached', 'cached', 'cached', 'cached', 'cached']);
  expect(await page.evaluate(() => window.pipette.kernelRuns())).toBe(0);
  const stats = await page.evaluate(() => window.pipette.cacheStats());
  expect(stats.integrityFailures).toBe(0);
  // Only what the viewer reads had its pixels read (the last step, and its input it is compared
  // with); the other steps show their stored previews, their pixels left in IndexedDB.
  expect(stats.idb.reads).toBeLessThanOrEqual(2);
  expect(stats.idb.reads + stats.idb.peeks).toBeGreaterThanOrEqual(6);
  await expect(page.locator('.svelte-flow__node canvas.thumb:not(.empty)')).toHaveCount(6);
  await expect(page.getByTestId('viewer').locator('canvas').first()).toBeVisible();
  // A step read later (a script, an export, the viewer) gets its pixels, the same as before the reload.
  expect(await fingerprint('bc')).toBe(bcPixels);
  expect((await page.evaluate(() => window.pipette.cacheStats())).idb.reads).toBe(stats.idb.reads + 1);
  expect(await page.evaluate(() => window.pipette.kernelRuns())).toBe(0);
});

test('a broken graph file is refused with a clear error and the current graph is kept', async ({ page }) => {
  await page.goto('/');
  await page.evaluate(() => window.pipette.ready);
  const before = await page.evaluate(() => window.pipette.exportGraph());
  const error = await page.evaluate(() => {
    try {
      window.pipette.loadGraph('{"format":"pipette-graph","version":1,"graph":{"nodes":[{"id":"x","op":"warp"}],"edges":[]}}');
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  });
  expect(error).toBe('This file cannot be opened: nodes[0].op: unknown operation "warp"');
  expect(await page.evaluate(() => window.pipette.exportGraph())).toBe(before);
});

test('opening a broken graph file from the menu shows what is wrong and keeps the graph', async ({ page }) => {
  await page.goto('/');
  await page.evaluate(() => window.pipette.ready);
  const before = await page.evaluate(() => window.pipette.exportGraph());
  await page.getByLabel('Open a graph file').setInputFiles({
    name: 'broken.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{"format":"pipette-graph","version":1,"graph":{"nodes":[{"id":"a","op":"invert"},{"id":"b","op":"invert"}],"edges":[{"from":{"node":"a","port":"image"},"to":{"node":"b","port":"image"}},{"from":{"node":"b","port":"image"},"to":{"node":"a","port":"image"}}]}}'),
  });
  await expect(page.getByTestId('error')).toContainText('the connections form a cycle');
  expect(await page.evaluate(() => window.pipette.exportGraph())).toBe(before);
  await expect(page.getByTestId('step').first()).toBeVisible();
});
