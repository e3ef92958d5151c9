// Run to here is visible: the step runs stop at is marked on its node and in the header, and one
// click computes every step again.
import { expect, test, type Page } from '@playwright/test';

async function openApp(page: Page) {
  await page.goto('/');
  await page.evaluate(() => window.pipette.ready);
  await page.evaluate(() => window.pipette.whenIdle());
}
const stateOf = async (page: Page, id: string) => (await page.evaluate(() => window.pipette.steps())).find((s) => s.id === id)?.state;

test('after Run to here the target is shown on its node and in the header, and Run all clears it', async ({ page }) => {
  await openApp(page);
  await expect(page.getByTestId('run-target')).toHaveCount(0);
  await page.locator('.svelte-flow__node[data-id="levels"]').click();
  await page.getByRole('button', { name: 'Run to here' }).click();
  await expect(page.getByRole('button', { name: 'Run to here' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('.svelte-flow__node[data-id="levels"]').getByTestId('run-target-tag')).toBeVisible();
  await expect(page.getByTestId('run-target-tag')).toHaveCount(1);
  await expect(page.getByTestId('run-target')).toContainText('Running to Levels only');
  // A later edit stops at the target: the step after it is not computed...
  await page.evaluate(() => window.pipette.setParam('bc', 'brightness', 33));
  await page.evaluate(() => window.pipette.whenIdle());
  expect(await stateOf(page, 'levels')).toBe('done');
  expect(['done', 'cached']).not.toContain(await stateOf(page, 'blend'));
  // ... until the target is cleared.
  await page.getByTestId('run-target').getByRole('button', { name: 'Run all' }).click();
  await expect(page.getByTestId('run-target')).toHaveCount(0);
  await expect(page.getByTestId('run-target-tag')).toHaveCount(0);
  await page.evaluate(() => window.pipette.whenIdle());
  await expect.poll(() => stateOf(page, 'blend'), { timeout: 30_000 }).toBe('done');
});

test('a run target set by a script is shown, and deleting the target step clears it', async ({ page }) => {
  await openApp(page);
  await page.evaluate(() => window.pipette.runTo('blur'));
  await expect(page.getByTestId('run-target')).toContainText('Running to Gaussian blur only');
  await page.locator('.svelte-flow__node[data-id="blur"]').click();
  await page.keyboard.press('Delete');
  await expect(page.getByTestId('run-target')).toHaveCount(0);
});
