// The app runs under its Content-Security-Policy (a meta tag in index.html, so every end-to-end
// test runs under it): no inline script, no eval, scripts and workers from this origin only.
import { expect, test } from '@playwright/test';

test.beforeEach(async ({ page }) => {
  await page.addInitScript(() => {
    (window as unknown as { __violations: string[] }).__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => (window as unknown as { __violations: string[] }).__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
});

const violations = (page: import('@playwright/test').Page) => page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);

test('the policy forbids inline script and eval, and a whole session breaks none of it', async ({ page }) => {
  await page.goto('/');
  const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  const scriptSrc = policy!.split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src'))!;
  expect(scriptSrc).toContain("'self'");
  expect(scriptSrc).not.toContain("'unsafe-inline'");
  expect(scriptSrc).not.toContain("'unsafe-eval'");
  expect(policy).toContain("worker-src 'self' blob:");
  // A session: the example pipeline computed (workers, WebAssembly, IndexedDB), an edit, an export.
  await page.evaluate(() => window.pipette.ready);
  await page.evaluate(() => window.pipette.whenIdle());
  const last = await page.evaluate(() => window.pipette.steps().at(-1)!.id);
  await page.evaluate((id) => window.pipette.select(id), last);
  await page.evaluate(() => window.pipette.whenIdle());
  const blob = await page.evaluate(async (id) => (await window.pipette.exportStep(id, 'image/jpeg', 0.8)).size, last);
  expect(blob).toBeGreaterThan(0);
  await page.evaluate(() => window.pipette.flush());
  expect(await page.evaluate(() => window.pipette.steps().every((s) => s.state === 'done' || s.state === 'cached'))).toBe(true);
  expect(await violations(page)).toEqual([]);
});

test('an inline script slipped into the page does not run', async ({ page }) => {
  await page.goto('/');
  await page.evaluate(() => window.pipette.ready);
  const ran = await page.evaluate(async () => {
    const s = document.createElement('script');
    s.textContent = 'window.__inlineRan = true';
    document.body.append(s);
    await new Promise((r) => setTimeout(r, 50));
    return (window as unknown as { __inlineRan?: boolean }).__inlineRan ?? false;
  });
  expect(ran).toBe(false);
  expect((await violations(page)).some((v) => v.startsWith('script-src'))).toBe(true);
});
