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
  expect(await page.getByTestId('step').count()).toBeGreaterThan(3);
  // The UI redraws at most ten times a second, so give it a moment to catch up.
  await expect(page.locator('[data-testid="step"]:not([data-step-state="done"]):not([data-step-state="cached"])')).toHaveCount(0);
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
