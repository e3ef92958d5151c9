// Switch and Repeat in the editor: found in the palette, set in the parameter panel, run by the
// engine. A switch runs only the input its condition picks and shows the other side skipped; a
// repeat runs its body N times.

import { expect, test, type Page } from '@playwright/test';

async function openWith(page: Page, graph: object) {
  await page.goto('/');
  await page.evaluate(() => window.pipette.ready);
  await page.evaluate(() => window.pipette.whenIdle());
  await page.evaluate((g) => window.pipette.loadGraph({ format: 'pipette-graph', version: 1, graph: g }), graph);
  await page.evaluate(() => window.pipette.whenIdle());
}

const stepOf = async (page: Page, id: string) => (await page.evaluate(() => window.pipette.steps())).find((s) => s.id === id)!;
const nodeState = (page: Page, id: string) => page.locator(`.svelte-flow__node[data-id="${id}"] [data-testid="step"]`);

/** A light grey (mean brightness 200) measured by Statistics; A inverts it, B posterizes it. */
const switchGraph = {
  nodes: [
    { id: 'src', op: 'fill', params: { width: 64, height: 48, color: '#c8c8c8' }, position: { x: 0, y: 220 } },
    { id: 'stats', op: 'statistics', params: {}, position: { x: 240, y: 0 } },
    { id: 'inv', op: 'invert', params: {}, position: { x: 240, y: 220 } },
    { id: 'post', op: 'posterize', params: {}, position: { x: 240, y: 440 } },
    { id: 'sw', op: 'switch', params: {}, position: { x: 480, y: 220 } },
  ],
  edges: [
    { from: { node: 'src', port: 'image' }, to: { node: 'stats', port: 'image' } },
    { from: { node: 'src', port: 'image' }, to: { node: 'inv', port: 'image' } },
    { from: { node: 'src', port: 'image' }, to: { node: 'post', port: 'image' } },
    { from: { node: 'inv', port: 'image' }, to: { node: 'sw', port: 'a' } },
    { from: { node: 'post', port: 'image' }, to: { node: 'sw', port: 'b' } },
    { from: { node: 'stats', port: 'mean' }, to: { node: 'sw', port: 'condition' } },
  ],
};

test('a switch picks a branch by a Statistics mean, shows the other branch skipped, and flips when its threshold changes', async ({ page }) => {
  await openWith(page, switchGraph);
  expect(await stepOf(page, 'sw')).toMatchObject({ state: 'done', message: 'Picked A (condition 200)', warning: null });
  expect(await stepOf(page, 'post')).toMatchObject({ state: 'skipped', durationMs: null }); // never run
  await expect(nodeState(page, 'post')).toHaveAttribute('data-step-state', 'skipped');
  await expect(nodeState(page, 'inv')).toHaveAttribute('data-step-state', 'done');
  await page.locator('.svelte-flow__node[data-id="post"]').click();
  await expect(page.getByText('Not run: it only feeds a Switch input that was not picked').first()).toBeVisible();
  const a = await page.evaluate(() => window.pipette.pixels('sw'));
  expect(a.data[0]).toBe(255 - 200);

  // The parameter panel is made from the declaration: raise the threshold above the mean.
  await page.locator('.svelte-flow__node[data-id="sw"]').click();
  await expect(page.getByLabel('Pick A when')).toHaveValue('gt');
  await page.getByLabel('Threshold value').fill('250');
  await page.getByLabel('Threshold value').press('Enter');
  await expect.poll(async () => (await stepOf(page, 'sw')).message, { timeout: 30_000 }).toBe('Picked B (condition 200)');
  await page.evaluate(() => window.pipette.whenIdle());
  await expect(nodeState(page, 'inv')).toHaveAttribute('data-step-state', 'skipped');
  await expect(nodeState(page, 'post')).toHaveAttribute('data-step-state', /done|cached/);
  const b = await page.evaluate(() => window.pipette.pixels('sw'));
  const post = await page.evaluate(() => window.pipette.pixels('post'));
  expect(b.data.slice(0, 8)).toEqual(post.data.slice(0, 8));

  // A threshold within 1 % of the mean puts a warning on the switch.
  await page.getByLabel('Threshold value').fill('199');
  await page.getByLabel('Threshold value').press('Enter');
  await expect(page.locator('.svelte-flow__node[data-id="sw"] .warn')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('status').filter({ hasText: 'within 1 % of the threshold (199)' })).toBeVisible();
});

test('Switch and Repeat are in the palette', async ({ page }) => {
  await openWith(page, { nodes: [{ id: 'src', op: 'fill', params: { width: 16, height: 16 } }], edges: [] });
  await page.locator('.svelte-flow__node[data-id="src"]').click();
  for (const name of ['switch', 'repeat']) {
    await page.getByLabel('Search operations').fill(name);
    await page.getByLabel('Search operations').press('Enter');
  }
  const g = JSON.parse(await page.evaluate(() => window.pipette.exportGraph())).graph;
  expect(g.nodes.map((n: { op: string }) => n.op)).toEqual(expect.arrayContaining(['switch', 'repeat']));
});

/** A gradient blurred by the body of a repeat, and the same blur chained four times by hand. */
const repeatGraph = {
  nodes: [
    { id: 'src', op: 'gradient', params: { width: 80, height: 60, kind: 'radial' }, position: { x: 0, y: 0 } },
    { id: 'blur', op: 'box-blur', params: { radius: 2 }, position: { x: 240, y: 0 } },
    { id: 'rep', op: 'repeat', params: { count: 2 }, position: { x: 480, y: 0 } },
    { id: 'b1', op: 'box-blur', params: { radius: 2 }, position: { x: 240, y: 220 } },
    { id: 'b2', op: 'box-blur', params: { radius: 2 }, position: { x: 480, y: 220 } },
    { id: 'b3', op: 'box-blur', params: { radius: 2 }, position: { x: 720, y: 220 } },
    { id: 'b4', op: 'box-blur', params: { radius: 2 }, position: { x: 960, y: 220 } },
  ],
  edges: [
    { from: { node: 'src', port: 'image' }, to: { node: 'blur', port: 'image' } },
    { from: { node: 'src', port: 'image' }, to: { node: 'rep', port: 'image' } },
    { from: { node: 'blur', port: 'image' }, to: { node: 'rep', port: 'body' } },
    { from: { node: 'src', port: 'image' }, to: { node: 'b1', port: 'image' } },
    { from: { node: 'b1', port: 'image' }, to: { node: 'b2', port: 'image' } },
    { from: { node: 'b2', port: 'image' }, to: { node: 'b3', port: 'image' } },
    { from: { node: 'b3', port: 'image' }, to: { node: 'b4', port: 'image' } },
  ],
};

test('a repeat runs its body N times: N set in the parameter panel, the result equal to the body chained N times', async ({ page }) => {
  await openWith(page, repeatGraph);
  expect(await stepOf(page, 'rep')).toMatchObject({ state: 'done', message: 'Ran 2 iterations' });
  await page.locator('.svelte-flow__node[data-id="rep"]').click();
  await expect(page.getByLabel('Repeat', { exact: true })).toHaveValue('count');
  await page.getByLabel('N value').fill('4');
  await page.getByLabel('N value').press('Enter');
  await expect.poll(async () => (await stepOf(page, 'rep')).message, { timeout: 30_000 }).toBe('Ran 4 iterations');
  await expect(page.getByTestId('step-outcome')).toHaveText('Ran 4 iterations');
  await page.evaluate(() => window.pipette.whenIdle());
  const same = await page.evaluate(async () => {
    const rep = await window.pipette.pixels('rep');
    const b4 = await window.pipette.pixels('b4');
    const b2 = await window.pipette.pixels('b2');
    let diff4 = 0;
    let diff2 = 0;
    for (let i = 0; i < rep.data.length; i++) {
      if (rep.data[i] !== b4.data[i]) diff4++;
      if (rep.data[i] !== b2.data[i]) diff2++;
    }
    return { diff4, diff2 };
  });
  expect(same.diff4).toBe(0);
  expect(same.diff2).toBeGreaterThan(0); // four iterations are not two

  // More than the limit fails the step with a clear message.
  await page.getByLabel('Max iterations value').fill('3');
  await page.getByLabel('Max iterations value').press('Enter');
  await expect.poll(async () => (await stepOf(page, 'rep')).message, { timeout: 30_000 }).toBe('N (4) is more than Max iterations (3): raise the limit or lower N');
  await expect(nodeState(page, 'rep')).toHaveAttribute('data-step-state', 'failed');
});
