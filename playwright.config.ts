import { defineConfig } from '@playwright/test';
import { chromiumPath, CHROMIUM_ARGS } from './tests/chromium.ts';

// Another port and build folder let a second checkout or a parallel session run the suite at once:
// PIPETTE_E2E_PORT=4185 PIPETTE_E2E_DIST=dist-b PIPETTE_E2E_OUT=test-results-b (after
// `npx vite build --outDir dist-b`).
const PORT = Number(process.env.PIPETTE_E2E_PORT ?? 4183);
const DIST = process.env.PIPETTE_E2E_DIST ?? 'dist';

export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: process.env.PIPETTE_E2E_OUT ?? 'test-results',
  timeout: 60_000,
  fullyParallel: false,
  workers: 1,
  reporter: process.env.CI ? [['list']] : [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    browserName: 'chromium',
    launchOptions: { executablePath: chromiumPath(), args: [...CHROMIUM_ARGS] },
    trace: 'off',
  },
  webServer: {
    command: `npx vite preview --host 127.0.0.1 --port ${PORT} --strictPort --outDir ${DIST}`,
    url: `http://127.0.0.1:${PORT}`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
