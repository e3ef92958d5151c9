import { expect, test } from '@playwright/test';

// The run measured is the one a person starts by changing a parameter at the top of a loaded
// 12 MP pipeline: every step recomputes at full resolution, results stream into the previews, the
// viewer and the cache. (Loading a whole new graph also rebuilds the canvas; that is not a run.)
test('while a 12 MP pipeline runs, the main thread never works more than 50 ms without a break', async ({ page }) => {
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
  // Measured as main-thread CPU, not wall time: a CPU profile sampled every millisecond, where a
  // stretch of busy samples is one piece of work the page could not break off. Wall-time long tasks
  // (PerformanceObserver) also count the time the thread waits for a core, which on a busy 2-core
  // machine is most of it; they are logged below, not asserted (timings belong to the bench).
  await page.evaluate(() => {
    const w = window as unknown as { longTasks: { start: number; ms: number }[] };
    w.longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.longTasks.push({ start: e.startTime, ms: Math.round(e.duration) });
    }).observe({ type: 'longtask' });
  });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 1000 });
  await cdp.send('Profiler.start');
  const runsBefore = await page.evaluate(() => window.pipette.kernelRuns());
  // The run, then the cache writing its results (which waits for the run to end): both count.
  await page.evaluate(() => window.pipette.setParam('src', 'angle', 60));
  await page.evaluate(() => window.pipette.whenIdle());
  await page.evaluate(() => window.pipette.flush());
  const { profile } = await cdp.send('Profiler.stop');
  expect(await page.evaluate(() => window.pipette.kernelRuns())).toBe(runsBefore + 6);
  const steps = await page.evaluate(() => window.pipette.steps());
  expect(steps.map((s) => s.state)).toEqual(['done', 'done', 'done', 'done', 'done', 'done']);

  // Busy stretches: consecutive samples in anything but idle, counted in samples (1 ms each of
  // the thread's own running time, whatever the wall clock did meanwhile).
  const idleNodes = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  const interval = 1; // ms a sample
  const stretches: { samples: number; top: Map<string, number> }[] = [];
  let cur: { samples: number; top: Map<string, number> } | null = null;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (const id of profile.samples ?? []) {
    if (idleNodes.has(id)) {
      if (cur) stretches.push(cur);
      cur = null;
      continue;
    }
    cur ??= { samples: 0, top: new Map() };
    cur.samples++;
    const f = byId.get(id)!.callFrame;
    const name = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
    cur.top.set(name, (cur.top.get(name) ?? 0) + 1);
  }
  if (cur) stretches.push(cur);
  const longest = stretches.reduce((a, b) => (b.samples > a.samples ? b : a), { samples: 0, top: new Map<string, number>() });
  const wall = await page.evaluate(() => (window as unknown as { longTasks: { ms: number }[] }).longTasks.map((t) => t.ms));
  console.log(`12 MP run: longest busy stretch ${longest.samples * interval} ms of main-thread CPU; wall-time long tasks: ${wall.length ? wall.join(', ') + ' ms' : 'none'}`);
  const what = [...longest.top].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([n, c]) => `${n} ×${c}`).join('; ');
  expect(longest.samples * interval, `longest stretch of main-thread work: ${what}`).toBeLessThanOrEqual(50);
});
