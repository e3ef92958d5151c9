// Finds the Chromium the tests and benchmarks drive: $CHROMIUM_PATH, else Debian's
// /usr/bin/chromium, else the browser Playwright manages itself (if one was installed). Nothing
// here ever downloads a browser. Plain JavaScript so the Node bench runner and the TypeScript
// configs (through tests/chromium.ts) share it.
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export function chromiumPath() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  for (const c of candidates) if (c && existsSync(c)) return c;
  let own = '';
  try {
    own = chromium.executablePath();
  } catch {
    own = '';
  }
  if (own && existsSync(own)) return own;
  throw new Error(
    'No Chromium found for the browser tests. Set CHROMIUM_PATH to a Chromium or Chrome binary, ' +
      'or install one (Debian/Ubuntu: `sudo apt-get install chromium`).',
  );
}
