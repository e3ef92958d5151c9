import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { playwright } from '@vitest/browser-playwright';
import { chromiumPath, CHROMIUM_ARGS } from './tests/chromium.ts';

// Cross-origin isolation lets workers share result pixels through SharedArrayBuffer instead of
// copying them. A static host must send the same two headers (see README).
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

const browserTests = process.env.PIPETTE_SKIP_BROWSER_TESTS !== '1';

export default defineConfig({
  plugins: [svelte()],
  server: { headers: isolation },
  preview: { headers: isolation },
  worker: { format: 'es' },
  // Pre-bundled up front so a cold cache (a fresh clone) never reloads a test page mid-run.
  optimizeDeps: { include: ['comlink', '@xyflow/svelte', 'idb'] },
  build: { target: 'es2022' },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          environment: 'node',
          // tests/unit/workers/pixel-pool.test.ts collects garbage on purpose
          execArgv: ['--expose-gc'],
          include: ['tests/unit/**/*.test.ts'],
        },
      },
      ...(browserTests
        ? [
            {
              extends: true as const,
              test: {
                name: 'browser',
                include: ['tests/browser/**/*.test.ts'],
                testTimeout: 60_000,
                browser: {
                  enabled: true,
                  headless: true,
                  screenshotFailures: false,
                  provider: playwright({ launchOptions: { executablePath: chromiumPath(), args: [...CHROMIUM_ARGS, '--js-flags=--expose-gc'] } }), // gc(): tests/browser/tiles.test.ts
                  instances: [{ browser: 'chromium' as const }],
                },
              },
            },
          ]
        : []),
    ],
  },
});
