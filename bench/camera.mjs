#!/usr/bin/env node
// Camera frames per second through a 3-step pipeline (issue 14, item 6), against Chromium's fake
// camera asked for 1280×720: camera → invert → brightness/contrast → gaussian blur σ 2, with the
// app's default worker pool. Reports the frames the camera gave a second (the ceiling), the
// frames that went through the whole pipeline a second, and the share dropped (replaced in the
// one-slot mailbox while the steps were busy). Not a test: it prints figures and fails on none.
//
//   npx vite build --outDir dist-b && node bench/camera.mjs [--dist dist-b] [--port 4186] [--seconds 10] [--resolution 1280x720]
//   [--out test-results-b/camera.json]

import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from '../scripts/chromium.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, d) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : d;
};
const DIST = opt('--dist', 'dist-b');
const PORT = Number(opt('--port', '4186'));
const SECONDS = Number(opt('--seconds', '10'));
const RESOLUTION = opt('--resolution', '1280x720');
const OUT = opt('--out', null);
const url = `http://127.0.0.1:${PORT}/`;

const graph = {
  nodes: [
    { id: 'cam', op: 'camera', params: { resolution: RESOLUTION }, position: { x: 0, y: 0 } },
    { id: 'inv', op: 'invert', params: {}, position: { x: 240, y: 0 } },
    { id: 'bc', op: 'brightness-contrast', params: { brightness: 10, contrast: 20 }, position: { x: 480, y: 0 } },
    { id: 'blur', op: 'gaussian-blur', params: { sigma: 2 }, position: { x: 720, y: 0 } },
  ],
  edges: [
    { from: { node: 'cam', port: 'image' }, to: { node: 'inv', port: 'image' } },
    { from: { node: 'inv', port: 'image' }, to: { node: 'bc', port: 'image' } },
    { from: { node: 'bc', port: 'image' }, to: { node: 'blur', port: 'image' } },
  ],
};

async function serve() {
  const vite = path.join(root, 'node_modules/.bin/vite');
  const p = spawn(vite, ['preview', '--host', '127.0.0.1', '--port', String(PORT), '--strictPort', '--outDir', DIST], { cwd: root, stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).ok) return p;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  p.kill();
  throw new Error('vite preview did not start');
}

const server = await serve();
const browser = await chromium.launch({
  executablePath: chromiumPath(),
  args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(url);
  await page.evaluate(() => window.pipette.ready);
  await page.evaluate(() => window.pipette.whenIdle());
  await page.evaluate((g) => window.pipette.loadGraph({ format: 'pipette-graph', version: 1, graph: g }), graph);
  // Warm-up: the workers, the wasm module and the first frames.
  await page.waitForFunction(() => (window.pipette.live().cameras[0]?.frames ?? 0) >= 10, null, { timeout: 60_000 });
  await page.waitForTimeout(1000);
  const at = () => page.evaluate(() => ({ t: performance.now(), ...window.pipette.live().cameras[0] }));
  const a = await at();
  await page.waitForTimeout(SECONDS * 1000);
  const b = await at();
  const s = (b.t - a.t) / 1000;
  const steps = (await page.evaluate(() => window.pipette.steps())).map((x) => ({ id: x.id, ms: x.durationMs, state: x.state }));
  const result = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    load: os.loadavg().map((x) => x.toFixed(2)).join(' '),
    size: `${b.width}×${b.height}`,
    api: b.api,
    seconds: +s.toFixed(1),
    cameraFps: +((b.received - a.received) / s).toFixed(1),
    pipelineFps: +((b.frames - a.frames) / s).toFixed(1),
    dropped: b.dropped - a.dropped,
    droppedShare: +((b.dropped - a.dropped) / Math.max(1, b.received - a.received)).toFixed(3),
    lastStepMs: steps,
  };
  console.log(JSON.stringify(result, null, 2));
  if (OUT) {
    mkdirSync(path.dirname(OUT), { recursive: true });
    writeFileSync(OUT, JSON.stringify(result, null, 2));
  }
} finally {
  await browser.close();
  server.kill();
}
