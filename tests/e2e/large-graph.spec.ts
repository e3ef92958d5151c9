import { expect, test, type Page } from '@playwright/test';

// Issue 19, item 4: the file limit allows 2000 steps, and a chain that long once froze the tab
// (400 steps: 58 s to load, a 953 ms task). The budget is every main-thread task under 200 ms; it
// is asserted here on what a task does that no CPU changes (how many elements it puts in the page,
// which is what made the long tasks: every step laid out, measured and drawn in the minimap), and
// on wall time only with a 3× margin, so that a slow machine does not fail it. The measured figures
// are in bench/large-graph.mjs's output, not here.

const STEPS = 2000;

interface Recording {
  /** Main-thread tasks over 50 ms since the mark: start and duration. */
  longTasks: { start: number; ms: number }[];
  /** Elements the page gained, per task (a batch closes on the next macrotask). */
  added: number[];
}

async function watch(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { record: Recording };
    const record: Recording = { longTasks: [], added: [] };
    w.record = record;
    const since = performance.now();
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (e.startTime >= since) record.longTasks.push({ start: e.startTime, ms: Math.round(e.duration) });
    }).observe({ type: 'longtask', buffered: true });
    // Mutation records arrive at the end of the task that made them; a timer closes the batch, so
    // everything one task added (and any microtasks after it) counts together.
    let open: number | null = null;
    new MutationObserver((mutations) => {
      let n = 0;
      for (const m of mutations) for (const node of m.addedNodes) if (node instanceof Element) n += 1 + node.getElementsByTagName('*').length;
      if (n === 0) return;
      if (open === null) {
        open = record.added.push(0) - 1;
        setTimeout(() => (open = null));
      }
      record.added[open] = record.added[open]! + n;
    }).observe(document.body, { childList: true, subtree: true });
  });
}

const recorded = (page: Page) => page.evaluate(() => (window as unknown as { record: Recording }).record);

test(`a ${STEPS}-step chain loads, runs to its end and stays editable, every task short`, async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto('/');
  await page.evaluate(() => window.pipette.ready);
  await page.evaluate(() => window.pipette.whenIdle());

  // The file is made in the page, in a task of its own, as Open graph… would read it: handing a
  // 2000-step object to page.evaluate costs the page more than loading it does.
  await page.evaluate((n) => {
    const nodes: object[] = [{ id: 'n0', op: 'gradient', params: { width: 64, height: 64, kind: 'linear' }, position: { x: 0, y: 0 } }];
    const edges: object[] = [];
    for (let i = 1; i < n; i++) {
      const params = i % 2 ? {} : { brightness: (i % 100) - 50, contrast: i % 7 };
      nodes.push({ id: `n${i}`, op: i % 2 ? 'invert' : 'brightness-contrast', params, position: { x: i * 220, y: (i % 2) * 40 } });
      edges.push({ from: { node: `n${i - 1}`, port: 'image' }, to: { node: `n${i}`, port: 'image' } });
    }
    (window as unknown as { file: string }).file = JSON.stringify({ format: 'pipette-graph', version: 1, graph: { nodes, edges } });
  }, STEPS);
  await watch(page);

  await page.evaluate(() => window.pipette.loadGraph((window as unknown as { file: string }).file));
  await page.evaluate(() => window.pipette.whenIdle());
  const steps = await page.evaluate(() => window.pipette.steps());
  expect(steps).toHaveLength(STEPS);
  expect(steps.filter((s) => s.state !== 'done').map((s) => `${s.id}: ${s.state}`)).toEqual([]);
  await expect(page.getByTestId('status-progress')).toHaveText(`${STEPS}/${STEPS} steps`);

  // Only the steps in view are in the page.
  const rendered = await page.locator('.svelte-flow__node').count();
  expect(rendered).toBeGreaterThan(0);
  expect(rendered).toBeLessThan(50);

  // The editor responds: a click on a step shows its parameters; one off screen, selected by script, too.
  const onScreen = page.locator('.svelte-flow__node', { hasText: 'Brightness / Contrast' }).first();
  const id = await onScreen.getAttribute('data-id');
  await onScreen.click({ position: { x: 60, y: 12 } });
  const panel = page.getByRole('region', { name: 'Parameters' });
  await expect(panel.getByRole('heading')).toHaveText('Brightness / Contrast');
  await expect(panel.getByRole('slider', { name: 'Brightness', exact: true })).toHaveValue(String((Number(id!.slice(1)) % 100) - 50));
  await page.evaluate(() => window.pipette.select('n1500'));
  await expect(panel.getByRole('slider', { name: 'Brightness', exact: true })).toHaveValue(String((1500 % 100) - 50));

  // An edit in the middle recomputes what lies below it, and nothing above.
  const before = new Map(steps.map((s) => [s.id, s.key]));
  await page.evaluate(() => window.pipette.setParam('n1000', 'brightness', 33));
  await page.evaluate(() => window.pipette.whenIdle());
  const after = await page.evaluate(() => window.pipette.steps());
  // What lies above is served from the cache by the new run; what lies below is computed again.
  expect(after.slice(0, 1000).every((s) => s.state === 'done' || s.state === 'cached')).toBe(true);
  expect(after.slice(1000).every((s) => s.state === 'done')).toBe(true);
  expect(after.filter((s) => s.key !== before.get(s.id)).map((s) => s.id)).toEqual(after.slice(1000).map((s) => s.id));
  await page.evaluate(() => window.pipette.flush());

  const { longTasks, added } = await recorded(page);
  await testInfo.attach('long-tasks.json', { body: JSON.stringify({ longTasks, mostAddedInOneTask: Math.max(0, ...added) }, null, 2), contentType: 'application/json' });
  testInfo.annotations.push({ type: 'long tasks', description: longTasks.map((t) => `${t.ms} ms`).join(', ') || 'none' });
  // CPU-independent: no task put more in the page than a screenful of steps. Before the fix the
  // load put all 2000 steps (~40 elements each) and 2000 minimap shapes in at once.
  expect(Math.max(0, ...added), `elements added per task: ${added.join(', ')}`).toBeLessThan(3000);
  // Wall time, with 3× margin over the 200 ms budget (measured here: ~100 ms at most).
  expect(Math.max(0, ...longTasks.map((t) => t.ms)), `long tasks: ${longTasks.map((t) => `${t.ms} ms`).join(', ')}`).toBeLessThan(600);
});

test(`window.pipette answers at once on ${STEPS} unconnected steps`, async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('/');
  await page.evaluate(() => window.pipette.ready);
  await page.evaluate(() => window.pipette.whenIdle());
  await page.evaluate((n) => {
    const nodes = Array.from({ length: n }, (_, i) => ({ id: `g${i}`, op: 'gradient', params: { width: 16, height: 16, angle: i % 360 }, position: { x: (i % 50) * 220, y: Math.floor(i / 50) * 220 } }));
    (window as unknown as { file: string }).file = JSON.stringify({ format: 'pipette-graph', version: 1, graph: { nodes, edges: [] } });
  }, STEPS);
  await page.evaluate(() => window.pipette.loadGraph((window as unknown as { file: string }).file));
  await page.evaluate(() => window.pipette.whenIdle());
  const steps = await page.evaluate(() => window.pipette.steps());
  expect(steps).toHaveLength(STEPS);
  expect(steps.every((s) => s.state === 'done' || s.state === 'cached')).toBe(true);

  // Each call as a script makes it, and the work it sets off, in one go.
  const times = await page.evaluate(async () => {
    const p = window.pipette;
    const time = async (f: () => unknown) => {
      const t = performance.now();
      f();
      await new Promise((r) => setTimeout(r)); // what the call set off in the page (a redraw) is done
      return performance.now() - t;
    };
    return {
      steps: await time(() => p.steps()),
      exportGraph: await time(() => p.exportGraph()),
      setParam: await time(() => p.setParam('g1000', 'angle', 123)),
      select: await time(() => p.select('g1999')),
      cacheStats: await time(() => p.cacheStats()),
    };
  });
  await page.evaluate(() => window.pipette.whenIdle());
  expect(JSON.parse(await page.evaluate(() => window.pipette.exportGraph())).graph.nodes[1000].params.angle).toBe(123);
  // Measured here: under 50 ms each; the budget is 100 ms, asserted with 3× margin.
  for (const [call, ms] of Object.entries(times)) expect(ms, `${call} took ${Math.round(ms)} ms`).toBeLessThan(300);
});
