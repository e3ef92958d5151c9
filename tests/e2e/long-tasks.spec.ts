import { expect, test } from '@playwright/test';

// The run measured is the one a person starts by changing a parameter at the top of a loaded
// 12 MP pipeline: every step recomputes at full resolution, results stream into the previews, the
// viewer and the cache. (Loading a whole new graph also rebuilds the canvas; that is not a run.)
test('while a 12 MP pipeline runs, the main thread has no long task over 50 ms', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('/');
  await page.evaluate(() => window.pipette.ready);
  await page.evaluate(() => window.pipette.whenIdle());
  await page.evaluate(() =>
    window.pipette.loadGraph({
      format: 'pipette-graph',
      version: 1,
      graph: {
        nodes: [
          { id: 'src', op: 'gradient', params: { width: 4000, height: 3000, kind: 'linear', angle: 30 } },
          { id: 'bc', op: 'brightness-contrast', params: { brightness: -10, contrast: 30 } },
          { id: 'hsl', op: 'hue-saturation', params: { saturation: -40 } },
          { id: 'blur', op: 'gaussian-blur', params: { sigma: 6 } },
          { id: 'lv', op: 'levels', params: { gamma: 1.4 } },
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
    }),
  );
  await page.evaluate(() => window.pipette.whenIdle());
  await page.evaluate(() => window.pipette.flush());
  await page.waitForTimeout(500);
  await page.evaluate(() => {
    const w = window as unknown as { longTasks: { start: number; ms: number }[] };
    w.longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.longTasks.push({ start: e.startTime, ms: Math.round(e.duration) });
    }).observe({ type: 'longtask' });
  });
  const runsBefore = await page.evaluate(() => window.pipette.kernelRuns());
  // The run, then the cache writing its results (which waits for the run to end): both count.
  const t0 = await page.evaluate(() => performance.now());
  await page.evaluate(() => window.pipette.setParam('src', 'angle', 60));
  const idle = await page.evaluate(() => window.pipette.whenIdle().then(() => performance.now()));
  await page.evaluate(() => window.pipette.flush());
  expect(await page.evaluate(() => window.pipette.kernelRuns())).toBe(runsBefore + 6);
  const steps = await page.evaluate(() => window.pipette.steps());
  expect(steps.map((s) => s.state)).toEqual(['done', 'done', 'done', 'done', 'done', 'done']);
  const seen = await page.evaluate(() => (window as unknown as { longTasks: { start: number; ms: number }[] }).longTasks);
  const where = seen.map((t) => `${t.ms} ms ${t.start < idle ? `${Math.round(t.start - t0)} ms into the run` : `${Math.round(t.start - idle)} ms after it (cache writes)`}`);
  expect(seen.map((t) => t.ms), `long tasks: ${where.join('; ')}`).toEqual([]);
});
