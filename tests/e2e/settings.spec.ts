import { expect, test, type Page } from '@playwright/test';

// Settings: pool size, step time limit, proxy size and cache budgets; applied at once, kept in
// localStorage, and the status bar and the performance drawer tell the same story.

async function openApp(page: Page) {
  await page.goto('/');
  await page.evaluate(() => window.pipette.ready);
  await page.evaluate(() => window.pipette.whenIdle());
}

async function setSetting(page: Page, id: string, value: string) {
  const input = page.getByTestId(`setting-${id}`);
  await input.fill(value);
  await input.press('Enter');
  await input.blur();
}

test('the pool size set in Settings applies at once and the status bar shows it, idle', async ({ page }) => {
  await openApp(page);
  await page.getByRole('button', { name: 'Settings' }).click();
  await expect(page.getByRole('dialog', { name: 'Settings' })).toBeVisible();
  await setSetting(page, 'poolSize', '3');
  await page.getByRole('button', { name: 'Close settings' }).click();
  await expect(page.getByRole('dialog', { name: 'Settings' })).toBeHidden();
  await expect(page.getByTestId('status-pool')).toContainText('0/3 workers busy');
  // A run on three workers, and after it nothing is said to be busy.
  await page.getByRole('button', { name: 'Moody black and white' }).click();
  await page.evaluate(() => window.pipette.whenIdle());
  await expect(page.getByTestId('status-pool')).toHaveText('0/3 workers busy · 0 tasks queued', { timeout: 15_000 });
  // Out-of-range values are brought into range, not refused silently.
  await page.getByRole('button', { name: 'Settings' }).click();
  await setSetting(page, 'poolSize', '99');
  await expect(page.getByTestId('setting-poolSize')).toHaveValue('8');
  await expect(page.getByTestId('status-pool')).toContainText('/8 workers busy');
});

test('the proxy size set in Settings is the size of the next drag’s proxies', async ({ page }) => {
  test.setTimeout(90_000);
  await openApp(page);
  await page.getByRole('button', { name: 'Settings' }).click();
  await setSetting(page, 'proxyMP', '0.25');
  await page.getByRole('button', { name: 'Close settings' }).click();
  await page.evaluate(() =>
    window.pipette.loadGraph({
      format: 'pipette-graph',
      version: 1,
      graph: {
        nodes: [
          { id: 'src', op: 'gradient', params: { width: 4000, height: 3000 }, position: { x: 0, y: 0 } },
          { id: 'blur', op: 'gaussian-blur', params: { sigma: 4 }, position: { x: 240, y: 0 } },
        ],
        edges: [{ from: { node: 'src', port: 'image' }, to: { node: 'blur', port: 'image' } }],
      },
    }),
  );
  await page.evaluate(() => window.pipette.whenIdle());
  await page.evaluate(() => window.pipette.select('blur'));
  const proxy = await page.evaluate(async () => {
    window.pipette.setParam('blur', 'sigma', 9, { preview: true });
    const deadline = performance.now() + 30_000;
    for (;;) {
      const s = window.pipette.steps().find((x) => x.id === 'blur')!;
      if (s.proxy) return s.size!;
      if (performance.now() > deadline) throw new Error('no proxy within 30 s');
      await new Promise((r) => setTimeout(r, 1));
    }
  });
  const pixels = proxy.width * proxy.height;
  expect(pixels).toBeLessThanOrEqual(0.25 * (1 << 20));
  expect(pixels).toBeGreaterThan(0.2 * (1 << 20));
});

test('cache budgets are one setting shared with the performance drawer, and every setting survives a reload', async ({ page }) => {
  await openApp(page);
  await page.getByRole('button', { name: 'Settings' }).click();
  await setSetting(page, 'memoryMB', '64');
  await setSetting(page, 'poolSize', '2');
  await setSetting(page, 'timeoutS', '30');
  await setSetting(page, 'proxyMP', '0.5');
  await setSetting(page, 'idbMB', '300');
  await page.getByRole('button', { name: 'Close settings' }).click();
  await expect.poll(() => page.evaluate(() => window.pipette.cacheStats().memory.budgetBytes)).toBe(64 * 1024 * 1024);
  await page.getByRole('button', { name: 'Performance' }).click();
  await expect(page.getByTestId('perf-budget-mem')).toHaveValue('64');
  // The drawer's field changes the setting too.
  await page.getByTestId('perf-budget-mem').fill('100');
  await page.getByTestId('perf-budget-mem').press('Enter');
  await expect.poll(() => page.evaluate(() => window.pipette.cacheStats().memory.budgetBytes)).toBe(100 * 1024 * 1024);

  await page.reload();
  await page.evaluate(() => window.pipette.ready);
  await expect.poll(() => page.evaluate(() => window.pipette.cacheStats().memory.budgetBytes)).toBe(100 * 1024 * 1024);
  await expect.poll(() => page.evaluate(() => window.pipette.cacheStats().idb.requestedBudgetBytes)).toBe(300 * 1024 * 1024);
  await expect(page.getByTestId('status-pool')).toContainText('/2 workers busy');
  await page.getByRole('button', { name: 'Settings' }).click();
  await expect(page.getByTestId('setting-timeoutS')).toHaveValue('30');
  await expect(page.getByTestId('setting-proxyMP')).toHaveValue('0.5');
  // Reset puts the defaults back, and they apply.
  await page.getByRole('button', { name: 'Reset to defaults' }).click();
  await expect(page.getByTestId('setting-memoryMB')).toHaveValue('512');
  await expect.poll(() => page.evaluate(() => window.pipette.cacheStats().memory.budgetBytes)).toBe(512 * 1024 * 1024);
});

test('stored settings that cannot be read give the defaults', async ({ page }) => {
  await page.addInitScript(() => localStorage.setItem('pipette-settings', '{"poolSize": "lots", "memoryMB": -5, "proxyMP": 2'));
  await openApp(page);
  await page.getByRole('button', { name: 'Settings' }).click();
  await expect(page.getByTestId('setting-memoryMB')).toHaveValue('512');
  await expect(page.getByTestId('setting-proxyMP')).toHaveValue('1');
});

test('the status bar and the performance drawer give the same last run time', async ({ page }) => {
  await openApp(page);
  const agree = async () => {
    const status = (await page.getByTestId('status-run').textContent())!;
    const perf = (await page.getByTestId('perf-run-total').textContent())!;
    const a = status.match(/last run (.+)$/)?.[1]?.trim();
    const b = perf.replace(/\s+/g, ' ').match(/Last run (.+)$/)?.[1]?.trim();
    return a !== undefined && a === b ? a : `status "${status}" vs drawer "${perf}"`;
  };
  await expect.poll(agree, { timeout: 15_000 }).toMatch(/^\d/);
  await page.evaluate(() => window.pipette.setParam('hsl', 'saturation', 60));
  await page.evaluate(() => window.pipette.whenIdle());
  await expect.poll(agree, { timeout: 15_000 }).toMatch(/^\d/);
  await page.locator('.svelte-flow__node[data-id="levels"]').click();
  await page.evaluate(() => window.pipette.whenIdle());
  await expect.poll(agree, { timeout: 15_000 }).toMatch(/^\d/);
  await expect(page.getByTestId('status-pool')).toContainText(/^0\/\d+ workers busy/);
});
