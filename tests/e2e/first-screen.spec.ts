import { expect, test } from '@playwright/test';

test('opening the app shows the Pipette name and a graph canvas', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Pipette' })).toBeVisible();
  await expect(page.locator('.svelte-flow')).toBeVisible();
  await expect(page.locator('.svelte-flow__node').first()).toBeVisible();
  await expect(page.getByTestId('op-count')).toHaveText(/^\d+ operations$/);
  // The starter example opens by itself and every step computes a preview.
  await page.evaluate(() => window.pipette.whenIdle());
  const states = await page.locator('[data-testid="step"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-step-state')));
  expect(states.length).toBeGreaterThan(3);
  expect(states.every((s) => s === 'done' || s === 'cached')).toBe(true);
  expect(errors).toEqual([]);
});

test('the page is cross-origin isolated, so workers can share pixels without copies', async ({ page }) => {
  await page.goto('/');
  expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
});

test('the app makes no network requests beyond its own origin', async ({ page, baseURL }) => {
  const foreign: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(baseURL!) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) foreign.push(r.url());
  });
  await page.goto('/');
  await expect(page.locator('.svelte-flow')).toBeVisible();
  expect(foreign).toEqual([]);
});
