#!/usr/bin/env node
// `npm run bench`: builds the app and the benchmark page, serves both (cross-origin isolated), drives
// the system Chromium with Playwright, prints tables and writes bench/results/latest.json (and
// latest.md, the same tables in Markdown). Benchmarks are not tests: nothing here fails on a figure.
//
//   node bench/run.mjs                 everything (about 6–9 minutes on 2 cores)
//   node bench/run.mjs --only kernels,plumbing,engine,parallel,latency,cache,memory,cli
//   node bench/run.mjs --only cli --cli-images 100   (the command-line runner; default 20 images)
//   node bench/run.mjs --only latency,cache --pool 2   (the app with 2 workers instead of its default)
//   node bench/run.mjs --ops gauss5,bc --no-build   (kernels: gauss5 gauss20 resize bc gray levels invert hsl sharpen median2 median5 box2 box5)

import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from '../scripts/chromium.mjs';

const bench = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(bench, '..');
const results = path.join(bench, 'results');
const pageDir = path.join(results, 'page');
const appDir = path.join(results, 'app');

// ---- options --------------------------------------------------------------------------------------

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const ALL = ['kernels', 'plumbing', 'engine', 'parallel', 'latency', 'cache', 'memory', 'cli'];
const only = new Set((opt('--only') ?? ALL.join(',')).split(','));
const OPS = (opt('--ops') ?? 'gauss5,gauss20,resize,bc,gray,levels,invert,hsl,sharpen,median2,median5,box2,box5').split(',');
const build = !args.includes('--no-build');
/** `--pool N`: the app's pool size (its Settings), instead of its default, for the app sections. */
const poolSize = opt('--pool') === undefined ? undefined : Number(opt('--pool'));


// ---- build -------------------------------------------------------------------------------------------

function sh(cmd, argv, cwd = root) {
  const r = spawnSync(cmd, argv, { cwd, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status})`);
}

function buildAll() {
  const vite = path.join(root, 'node_modules/.bin/vite');
  log('building the WebAssembly kernels, the app and the benchmark page …');
  sh(process.execPath, [path.join(root, 'scripts/build-wasm.mjs')]);
  // The app goes to bench/results/app, not dist/: the bench never touches the app's own output.
  sh(vite, ['build', '--logLevel', 'warn', '--outDir', appDir, '--emptyOutDir']);
  sh(vite, ['build', '--config', path.join(bench, 'vite.config.ts')]);
}

// ---- static servers (COOP/COEP: SharedArrayBuffer for our pool and wasm-vips' threads) ------------------

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
};

function serve(mounts, fallback) {
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = null;
    for (const [prefix, dir] of mounts) {
      if (!url.startsWith(prefix)) continue;
      const f = path.join(dir, url.slice(prefix.length));
      if (f.startsWith(dir) && existsSync(f) && statSync(f).isFile()) file = f;
      else if (f.startsWith(dir) && existsSync(path.join(f, 'index.html'))) file = path.join(f, 'index.html');
      if (file) break;
    }
    if (url === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (!file && fallback) file = fallback;
    if (!file) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` })));
}

// ---- helpers -----------------------------------------------------------------------------------------

const t0 = Date.now();
function log(msg) {
  console.log(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${msg}`);
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
const f = (v, d = 0) => (v === undefined || v === null || Number.isNaN(v) ? '—' : v.toFixed(d));
const ms = (v) => (v === undefined ? '—' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

function table(headers, rows) {
  const md = [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  return md;
}

// ---- the app's 12 MP, six-step pipeline -----------------------------------------------------------------

const pipeline12 = {
  format: 'pipette-graph',
  version: 1,
  graph: {
    nodes: [
      { id: 'src', op: 'gradient', params: { width: 4000, height: 3000, kind: 'radial', colorA: '#ffcc88ff', colorB: '#203060ff' } },
      { id: 'bc', op: 'brightness-contrast', params: { brightness: -20, contrast: 25 } },
      { id: 'hsl', op: 'hue-saturation', params: { hue: 15, saturation: 20 } },
      { id: 'blur', op: 'gaussian-blur', params: { sigma: 3 } },
      { id: 'lv', op: 'levels', params: { inBlack: 10, inWhite: 240 } },
      { id: 'tt', op: 'temperature-tint', params: { temperature: 10 } },
      { id: 'inv', op: 'invert', params: {} },
    ],
    edges: [
      ['src', 'bc'],
      ['bc', 'hsl'],
      ['hsl', 'blur'],
      ['blur', 'lv'],
      ['lv', 'tt'],
      ['tt', 'inv'],
    ].map(([a, b]) => ({ from: { node: a, port: 'image' }, to: { node: b, port: 'image' } })),
  },
};

// ---- the command-line runner: the same six steps over a folder of 12 MP JPEGs ----------------------------

/**
 * `pipette run` (dist-cli, built by `npm run build:cli`) over `n` different 12 MP JPEGs with the
 * six steps of pipeline12 after an image step, JPEG out, on 1 and 2 worker threads: images/s and
 * MP/s of the whole run (decode, six steps, encode, write), wall time.
 */
async function cliThroughput(n, browser, appUrl) {
  const { default: sharp } = await import('sharp');
  const { mkdtempSync, rmSync, writeFileSync: write } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  sh('npm', ['run', 'build:cli', '--silent']);
  const dir = mkdtempSync(path.join(tmpdir(), 'pipette-bench-cli-'));
  mkdirSync(path.join(dir, 'in'));
  try {
    const w = 4000;
    const h = 3000;
    const raw = Buffer.alloc(w * h * 3);
    for (let i = 0; i < n; i++) {
      // A photo-like gradient with grain, different for each image.
      let x = 1234567 + i * 7919;
      for (let y = 0, o = 0; y < h; y++) {
        for (let c = 0; c < w; c++, o += 3) {
          x ^= x << 13;
          x ^= x >>> 17;
          x ^= x << 5;
          const grain = (x & 15) - 8;
          raw[o] = Math.max(0, Math.min(255, ((c * 255) / w + i * 9 + grain) | 0));
          raw[o + 1] = Math.max(0, Math.min(255, ((y * 255) / h + grain) | 0));
          raw[o + 2] = Math.max(0, Math.min(255, (((c + y) * 128) / (w + h) + 64 + grain) | 0));
        }
      }
      await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 }).toFile(path.join(dir, 'in', `img${String(i).padStart(3, '0')}.jpg`));
    }
    const doc = structuredClone(pipeline12);
    doc.graph.nodes[0] = { id: 'src', op: 'image-source', params: { asset: '' } };
    write(path.join(dir, 'graph.json'), JSON.stringify(doc));
    const rows = [];
    for (const workers of [1, 2]) {
      const out = path.join(dir, `out${workers}`);
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [path.join(root, 'dist-cli/pipette.mjs'), 'run', 'graph.json', '--in', 'in', '--out', out, '--workers', String(workers), '--format', 'jpeg', '--quality', '90'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      const seconds = (performance.now() - t0) / 1000;
      if (r.status !== 0) throw new Error(`pipette run failed (${r.status}): ${r.stderr}`);
      const lines = r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l));
      const perImage = lines.map((l) => l.ms).sort((a, b) => a - b);
      rows.push({ workers, images: n, seconds, imagesPerSecond: n / seconds, mpPerSecond: (n * w * h) / 1e6 / seconds, medianImageMs: perImage[perImage.length >> 1] });
      log(`  ${workers} worker${workers === 1 ? '' : 's'}: ${n} images in ${seconds.toFixed(1)} s`);
    }
    // The app doing the same one image after another through window.pipette: load the file, run
    // the six steps, export the JPEG.
    const { context, page } = await appPage(browser, appUrl, true, path.join(dir, 'profile'));
    try {
      const { readFileSync } = await import('node:fs');
      await page.route('**/bench-input/*', (route) => route.fulfill({ body: readFileSync(path.join(dir, 'in', path.basename(new URL(route.request().url()).pathname))) }));
      const names = Array.from({ length: n }, (_, i) => `img${String(i).padStart(3, '0')}.jpg`);
      const t0 = performance.now();
      const perImage = await page.evaluate(
        async ({ names, doc }) => {
          const times = [];
          for (const name of names) {
            const t = performance.now();
            const asset = await window.pipette.loadImage(`/bench-input/${name}`);
            doc.graph.nodes[0].params = { asset };
            window.pipette.loadGraph(doc);
            await window.pipette.whenIdle();
            await window.pipette.exportStep('inv', 'image/jpeg', 0.9);
            times.push(performance.now() - t);
          }
          return times.sort((a, b) => a - b);
        },
        { names, doc },
      );
      const seconds = (performance.now() - t0) / 1000;
      rows.push({ workers: 'app (1 tab)', images: n, seconds, imagesPerSecond: n / seconds, mpPerSecond: (n * w * h) / 1e6 / seconds, medianImageMs: perImage[perImage.length >> 1] });
      log(`  the app, one image after another: ${n} images in ${seconds.toFixed(1)} s`);

      // The app's batch queue: the same files added in the Batch panel, the graph loaded (with
      // the first image) and its last step written as JPEG; from adding to the last job done. One
      // parameter differs from the runs above, so that nothing is served from the result cache.
      await page.evaluate(() => window.pipette.setParam('bc', 'brightness', -19));
      await page.evaluate(() => window.pipette.whenIdle());
      await page.getByRole('button', { name: 'Batch' }).click();
      await page.getByTestId('batch-panel').getByLabel('as', { exact: true }).selectOption('image/jpeg');
      const files = names.map((f) => path.join(dir, 'in', f));
      const tb = performance.now();
      await page.getByTestId('batch-files').setInputFiles(files);
      // The list shows only the rows in view: the summary counts them all.
      await page.waitForFunction((n) => document.querySelector('[data-testid="batch-summary"]')?.textContent?.startsWith(`${n}/${n} done`), n, { timeout: 30 * 60_000, polling: 250 });
      const batchSeconds = (performance.now() - tb) / 1000;
      rows.push({ workers: 'app batch queue', images: n, seconds: batchSeconds, imagesPerSecond: n / batchSeconds, mpPerSecond: (n * w * h) / 1e6 / batchSeconds, medianImageMs: undefined });
      log(`  the app's batch queue: ${n} images in ${batchSeconds.toFixed(1)} s`);

      // Proxy latency with and without a batch running: the same six steps on the last 12 MP image
      // in the editor, Brightness dragged, the Batch panel closed (the queue runs on; the graph gets
      // its whole pane, every node in view).
      const toggleBatch = () => page.getByRole('button', { name: 'Batch' }).click();
      await toggleBatch();
      await page.evaluate(() => window.pipette.whenIdle());
      await page.locator('.svelte-flow__node[data-id="bc"]').click();
      await page.evaluate(() => window.pipette.whenIdle());
      const hasViewer = await page.evaluate(() => document.querySelector('[data-testid="viewer-after"]') !== null);
      const edit = sliderEdit(page, hasViewer);
      let fullFirst = 0;
      const drags = async (from) => {
        const out = [];
        for (let i = 0; i < 8; i++) {
          const { proxy } = await edit(from - i, true, true);
          if (i >= 2) {
            out.push(proxy.edited);
            if (!proxy.wasProxy) fullFirst++;
          }
          await page.waitForTimeout(300);
        }
        return out;
      };
      const quiet = await drags(30);
      // Again a pipeline not computed before, so the batch really works while the slider moves.
      await page.evaluate(() => window.pipette.setParam('hsl', 'hue', 7));
      await page.evaluate(() => window.pipette.whenIdle());
      await toggleBatch();
      await page.getByRole('button', { name: 'Clear finished' }).click();
      await page.getByTestId('batch-files').setInputFiles(files);
      await page.waitForFunction(() => document.querySelector('[data-testid="batch-job"]:is([data-state="running"], [data-state="done"])'), null, { timeout: 120_000 });
      await toggleBatch();
      const busy = await drags(10);
      const stillRunning = await page.evaluate((n) => !document.querySelector('[data-testid="batch-summary"]')?.textContent?.startsWith(`${n}/${n} done`), n);
      rows.proxy = { quiet: { p50: median(quiet), p95: pct(quiet, 95) }, duringBatch: { p50: median(busy), p95: pct(busy, 95), fullFirst }, batchStillRunning: stillRunning };
      log(`  proxy in the node preview: p50 ${median(quiet).toFixed(0)} ms quiet, ${median(busy).toFixed(0)} ms during the batch`);
    } finally {
      await context.close();
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const small = structuredClone(pipeline12);
small.graph.nodes[0].params = { ...small.graph.nodes[0].params, width: 256, height: 256 };

// Records when a new picture reaches the viewer or a step's thumbnail, and when the frame after that
// is done. Thumbnails are redrawn from the same bitmap whenever a node re-renders: only a bitmap
// drawn for the first time counts.
// Also keeps every main-thread long task (> 50 ms, the Long Tasks API) and long animation frame
// (> 50 ms from a frame's first task to its paint, the Long Animation Frames API) with their times.
const PAINT_HOOK = `(() => {
  window.__paints = [];
  window.__long = { task: [], frame: [] };
  window.__longObservers = [];
  for (const [type, into] of [['longtask', 'task'], ['long-animation-frame', 'frame']]) {
    try {
      const o = new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long[into].push({ start: e.startTime, ms: e.duration }); });
      o.observe({ type, buffered: true });
      window.__longObservers.push([o, into]);
    } catch {}
  }
  const seen = new WeakSet();
  // a paint while the viewer or the node says "proxy" is a proxy preview's
  const proxyNow = (node) =>
    node ? node.querySelector('[data-proxy="true"]') !== null : document.querySelector('[data-testid="viewer-proxy"]') !== null;
  const done = (entry) => requestAnimationFrame(() => setTimeout(() => { entry.painted = performance.now(); window.__paints.push(entry); }, 0));
  // The viewer's bitmaps go to bitmap renderers; a proxy's pixels (since 2026-12-03 evening; a
  // bitmap before) are put on a 2D canvas beside the renderer ("viewer-after-pixels").
  const T = ImageBitmapRenderingContext.prototype.transferFromImageBitmap;
  ImageBitmapRenderingContext.prototype.transferFromImageBitmap = function (bitmap) {
    const r = T.call(this, bitmap);
    if (bitmap) done({ kind: 'viewer', id: this.canvas.dataset.testid, drawn: performance.now(), proxy: proxyNow(null) });
    return r;
  };
  const P = CanvasRenderingContext2D.prototype.putImageData;
  CanvasRenderingContext2D.prototype.putImageData = function (...a) {
    const r = P.apply(this, a);
    const id = this.canvas.dataset && this.canvas.dataset.testid;
    if (id && id.startsWith('viewer-')) done({ kind: 'viewer', id: id.replace(/-pixels$/, ''), drawn: performance.now(), proxy: proxyNow(null) });
    return r;
  };
  const D = CanvasRenderingContext2D.prototype.drawImage;
  CanvasRenderingContext2D.prototype.drawImage = function (...a) {
    const r = D.apply(this, a);
    const node = this.canvas.closest && this.canvas.closest('.svelte-flow__node');
    const img = a[0];
    if (node && img && typeof img === 'object' && !seen.has(img)) {
      seen.add(img);
      done({ kind: 'thumb', id: node.dataset.id, drawn: performance.now(), proxy: proxyNow(node) });
    }
    return r;
  };
})();`;

async function appPage(browser, appUrl, hook = false, profileDir = undefined) {
  // With `profileDir`, a browser of its own with an on-disk profile, as a user's: a context without
  // one keeps IndexedDB in memory, and Chromium then refuses writes after ~1.4 GB (whatever
  // navigator.storage.estimate says), which the batch phase's 20 × 12 MP would pass.
  const context = profileDir
    ? await chromium.launchPersistentContext(profileDir, { executablePath: chromiumPath(), args: [...CHROMIUM_ARGS, '--js-flags=--expose-gc'], viewport: { width: 1400, height: 900 } })
    : await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(180_000);
  if (hook) await page.addInitScript(PAINT_HOOK);
  // The app reads its settings (src/app/settings.ts, 'pipette-settings') from localStorage at start.
  if (poolSize !== undefined) await page.addInitScript((n) => localStorage.setItem('pipette-settings', JSON.stringify({ poolSize: n })), poolSize);
  await page.goto(appUrl);
  await page.evaluate(() => window.pipette.ready);
  await page.evaluate(() => window.pipette.whenIdle());
  return { context, page };
}

/**
 * One edit of the Brightness slider of pipeline12's `bc` step (selected). `drag`: an input event
 * alone, as while the slider is held (the proxy preview comes first; the full run follows when it
 * rests, then it is let go). Else input and change together, as a click or a key press on the
 * slider: full resolution at once. Answers when each paint happened, and the long tasks meanwhile.
 */
function sliderEdit(page, hasViewer) {
  return (value, drag, proxyOnly = false) =>
    page.evaluate(
      async ({ value, drag, hasViewer, proxyOnly }) => {
        const el = document.querySelector('#p-brightness');
        if (!el) throw new Error('no Brightness slider: is the step selected?');
        window.__paints = [];
        const t0 = performance.now();
        el.value = String(value);
        el.dispatchEvent(new Event('input', { bubbles: true }));
        if (!drag) el.dispatchEvent(new Event('change', { bubbles: true }));
        const deadline = t0 + 60_000;
        const first = (kind, id, proxy) => window.__paints.find((p) => p.kind === kind && p.id === id && p.drawn > t0 && p.proxy === proxy);
        const wait = async (ok) => {
          while (!ok()) {
            if (performance.now() > deadline) throw new Error(`no paint within 60 s: ${JSON.stringify(window.__paints)}`);
            await new Promise((r) => setTimeout(r, 2));
          }
        };
        let proxy = null;
        if (drag && proxyOnly) {
          // The first new preview of the step, proxy or full: on a busy worker the full result
          // (the focused step outranks proxies) may come first, and then no proxy is shown at all.
          const any = () => window.__paints.find((p) => p.kind === 'thumb' && p.id === 'bc' && p.drawn > t0);
          await wait(any);
          el.dispatchEvent(new Event('change', { bubbles: true }));
          await window.pipette.whenIdle();
          return { proxy: { edited: any().painted - t0, wasProxy: any().proxy } };
        }
        if (drag) {
          await wait(() => first('thumb', 'bc', true) && (!hasViewer || first('viewer', 'viewer-after', true)));
          proxy = {
            edited: first('thumb', 'bc', true).painted - t0,
            viewer: hasViewer ? first('viewer', 'viewer-after', true).painted - t0 : null,
            size: window.pipette.steps().find((s) => s.id === 'bc').size,
          };
        }
        await wait(() => first('thumb', 'bc', false) && first('thumb', 'inv', false) && (!hasViewer || first('viewer', 'viewer-after', false)));
        if (drag) el.dispatchEvent(new Event('change', { bubbles: true }));
        await window.pipette.whenIdle();
        await new Promise((r) => setTimeout(r, 100));
        const end = performance.now();
        for (const [o, into] of window.__longObservers) for (const e of o.takeRecords()) window.__long[into].push({ start: e.startTime, ms: e.duration });
        const during = (kind) => window.__long[kind].filter((e) => e.start >= t0 && e.start <= end).map((e) => e.ms);
        const steps = window.pipette.steps();
        return {
          longTasks: during('task'),
          longFrames: during('frame'),
          proxy,
          viewer: hasViewer ? first('viewer', 'viewer-after', false).painted - t0 : null,
          edited: first('thumb', 'bc', false).painted - t0,
          last: first('thumb', 'inv', false).painted - t0,
          stepMs: Object.fromEntries(steps.map((s) => [s.id, s.durationMs])),
          states: steps.map((s) => s.state),
        };
      },
      { value, drag, hasViewer, proxyOnly },
    );
}

async function latency(browser, appUrl) {
  const { context, page } = await appPage(browser, appUrl, true);
  try {
    await page.evaluate((doc) => window.pipette.loadGraph(doc), pipeline12);
    await page.evaluate(() => window.pipette.whenIdle());
    await page.locator('.svelte-flow__node[data-id="bc"]').click();
    await page.evaluate(() => window.pipette.whenIdle());
    await page.waitForTimeout(500);
    const hasViewer = await page.evaluate(() => document.querySelector('[data-testid="viewer-after"]') !== null);
    const edit = sliderEdit(page, hasViewer);
    const N = 14;
    const full = [];
    const drag = [];
    for (let i = 0; i < N; i++) {
      full.push(await edit(-40 + i, false));
      await page.waitForTimeout(300);
      drag.push(await edit(40 - i, true));
      await page.waitForTimeout(300);
    }
    // One long drag: 60 values in a row, each as soon as the one before is in the viewer (plus
    // 30 ms, inside the 250 ms rest that would start the full run). After the first few dozen the
    // memory cache's proxy share is full, older proxies are let go, and their buffers can come back.
    const pixelsBefore = await page.evaluate(() => window.pipette.pixelStats());
    const longDrag = !hasViewer ? null : await page.evaluate(async () => {
      const el = document.querySelector('#p-brightness');
      const out = [];
      for (let i = 0; i < 60; i++) {
        window.__paints = [];
        const t0 = performance.now();
        el.value = String(-30 + i);
        el.dispatchEvent(new Event('input', { bubbles: true }));
        const shown = () => window.__paints.find((p) => p.kind === 'viewer' && p.id === 'viewer-after' && p.proxy && p.drawn > t0);
        for (const deadline = t0 + 60_000; !shown(); ) {
          if (performance.now() > deadline) throw new Error('no proxy in the viewer within 60 s');
          await new Promise((r) => setTimeout(r, 2));
        }
        out.push(shown().painted - t0);
        await new Promise((r) => setTimeout(r, 30));
      }
      el.dispatchEvent(new Event('change', { bubbles: true }));
      await window.pipette.whenIdle();
      return out;
    });
    const measured = full.slice(2);
    const dragged = drag.slice(2);
    const dist = (xs) => ({ p50: median(xs), p95: pct(xs, 95), all: xs });
    const stepMs = {};
    for (const id of Object.keys(measured[0].stepMs)) stepMs[id] = median(measured.map((s) => s.stepMs[id] ?? 0));
    // Every edit counts here, warm-ups too: a long task in the first run is still one the user felt.
    const blocking = (runs, key) => {
      const all = runs.flatMap((r) => r[key]);
      return { runs: runs.length, count: all.length, runsWithAny: runs.filter((r) => r[key].length > 0).length, max: all.length ? Math.max(...all) : 0, p95: all.length ? pct(all, 95) : 0, all };
    };
    return {
      longTasks: { full: blocking(full, 'longTasks'), drag: blocking(drag, 'longTasks') },
      longFrames: { full: blocking(full, 'longFrames'), drag: blocking(drag, 'longFrames') },
      samples: measured.length,
      debounceMs: 150,
      viewer: hasViewer ? dist(measured.map((s) => s.viewer)) : null,
      edited: dist(measured.map((s) => s.edited)),
      last: dist(measured.map((s) => s.last)),
      proxy: {
        size: dragged[0].proxy.size,
        edited: dist(dragged.map((s) => s.proxy.edited)),
        viewer: hasViewer ? dist(dragged.map((s) => s.proxy.viewer)) : null,
        fullViewer: hasViewer ? dist(dragged.map((s) => s.viewer)) : null,
        fullLast: dist(dragged.map((s) => s.last)),
      },
      longDrag: longDrag && { first: dist(longDrag.slice(0, 20)), rest: dist(longDrag.slice(20)), pixels: await page.evaluate((b) => { const s = window.pipette.pixelStats(); return { taken: s.taken - b.taken, reused: s.reused - b.reused }; }, pixelsBefore) },
      stepMs,
      states: measured.at(-1).states,
    };
  } finally {
    await context.close();
  }
}

async function cache(browser, appUrl) {
  const { context, page } = await appPage(browser, appUrl);
  try {
    const cold = await page.evaluate(async (doc) => {
      const runs0 = window.pipette.kernelRuns();
      const t0 = performance.now();
      window.pipette.loadGraph(doc);
      await window.pipette.whenIdle();
      const ms = performance.now() - t0;
      return { ms, kernelRuns: window.pipette.kernelRuns() - runs0, states: window.pipette.steps().map((s) => s.state) };
    }, pipeline12);
    await page.evaluate(() => window.pipette.flush());
    const warm = [];
    for (let i = 0; i < 3; i++) {
      await page.reload();
      warm.push(
        await page.evaluate(async () => {
          await window.pipette.ready;
          await window.pipette.whenIdle();
          const nav = performance.getEntriesByType('navigation')[0];
          return {
            ms: performance.now(),
            bootMs: nav?.domContentLoadedEventEnd ?? null,
            kernelRuns: window.pipette.kernelRuns(),
            states: window.pipette.steps().map((s) => s.state),
            idbHits: window.pipette.cacheStats().idb?.hits,
          };
        }),
      );
    }
    const warmMs = median(warm.map((w) => w.ms));
    const restoreMs = median(warm.map((w) => w.ms - (w.bootMs ?? 0)));
    return { cold, warm, warmMs, restoreMs, ratio: cold.ms / warmMs, ratioAfterBoot: cold.ms / restoreMs };
  } finally {
    await context.close();
  }
}

async function memory(browser, appUrl) {
  const { context, page } = await appPage(browser, appUrl);
  try {
    const cdp = await context.newCDPSession(page);
    const heap = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      await cdp.send('HeapProfiler.collectGarbage');
      const { usedSize, totalSize } = await cdp.send('Runtime.getHeapUsage');
      return { usedSize, totalSize };
    };
    await page.evaluate((doc) => window.pipette.loadGraph(doc), small);
    await page.evaluate(() => window.pipette.whenIdle());
    const reexecute = (from, count) =>
      page.evaluate(
        async ({ from, count }) => {
          const t0 = performance.now();
          const r0 = window.pipette.kernelRuns();
          for (let i = from; i < from + count; i++) {
            // a value never used before: every step below it really runs again
            window.pipette.setParam('bc', 'brightness', -60 + i * 0.05);
            window.pipette.runTo(null);
            await window.pipette.whenIdle();
          }
          return { ms: performance.now() - t0, kernelRuns: window.pipette.kernelRuns() - r0 };
        },
        { from, count },
      );
    // Warm-up long enough to fill the undo history (200 graphs, engine/history.ts): growth measured
    // from there is what a long session keeps adding, not the bounded history filling up.
    const warmUp = 250;
    await reexecute(0, warmUp);
    const before = await heap();
    const points = [{ n: 0, ...before }];
    let runs = 0;
    let totalMs = 0;
    for (let b = 0; b < 10; b++) {
      const r = await reexecute(warmUp + b * 100, 100);
      runs += r.kernelRuns;
      totalMs += r.ms;
      points.push({ n: (b + 1) * 100, ...(await heap()) });
    }
    const after = points.at(-1);
    return {
      warmUp,
      reexecutions: 1000,
      kernelRuns: runs,
      msPerReexecution: totalMs / 1000,
      before: before.usedSize,
      after: after.usedSize,
      growth: (after.usedSize - before.usedSize) / before.usedSize,
      points,
      cache: await page.evaluate(() => window.pipette.cacheStats()),
    };
  } finally {
    await context.close();
  }
}

// ---- main ------------------------------------------------------------------------------------------------

async function main() {
  mkdirSync(results, { recursive: true });
  if (build) buildAll();
  else if (!existsSync(path.join(pageDir, 'index.html')) || !existsSync(path.join(appDir, 'index.html'))) throw new Error('--no-build, but nothing is built yet');

  const pageServer = await serve([
    ['/anchors/', path.join(bench, 'node_modules')],
    ['/', pageDir],
  ]);
  const appServer = await serve([['/', appDir]], path.join(appDir, 'index.html'));
  const exe = chromiumPath();
  const browser = await chromium.launch({ executablePath: exe, args: [...CHROMIUM_ARGS, '--js-flags=--expose-gc'] });
  const cpu = cpus();
  const out = {
    date: new Date().toISOString(),
    machine: { cores: cpu.length, cpu: cpu[0]?.model, loadBefore: loadavg() },
    browser: { path: exe, version: browser.version() },
  };
  const report = [];
  const section = (title, body) => {
    const text = `### ${title}\n\n${body}\n`;
    report.push(text);
    console.log(`\n${text}`);
  };

  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(600_000);
    page.on('console', (m) => m.type() === 'error' && log(`page: ${m.text()}`));
    page.on('pageerror', (e) => log(`page error: ${e.message}`));
    await page.goto(pageServer.url);
    await page.waitForFunction(() => window.bench !== undefined);
    log('benchmark page loaded; making the 12 MP test image and loading the anchors …');
    out.page = await page.evaluate(() => window.bench.init());
    for (const [name, s] of Object.entries(out.page.anchors)) log(`  ${name}: ${s.ok ? 'ok' : 'FAILED'} in ${s.ms.toFixed(0)} ms — ${s.detail}`);
    if (!out.page.crossOriginIsolated) log('  WARNING: the page is not cross-origin isolated');

    if (only.has('kernels')) {
      out.kernels = [];
      for (const id of OPS) {
        log(`kernel: ${id} …`);
        const r = await page.evaluate((id) => window.bench.kernelOp(id), id);
        out.kernels.push(r);
        for (const row of r.rows) log(`  ${row.library.padEnd(22)} ${row.error ? `ERROR ${row.error}` : `${ms(row.ms).padStart(7)} ms ${f(row.mps, 1).padStart(6)} MP/s  max Δ ${!row.diff ? '— (no reference)' : row.diff.error ?? `${row.diff.maxInterior}/${row.diff.max}`}`}`);
      }
    }
    if (only.has('plumbing')) {
      log('plumbing …');
      out.plumbing = await page.evaluate(() => window.bench.plumbing());
      log('PNG codec …');
      out.codec = await page.evaluate(() => window.bench.codec());
    }
    if (only.has('engine')) {
      log('engine overhead …');
      out.engine = await page.evaluate(() => window.bench.engine());
      out.poolDispatch = await page.evaluate(() => window.bench.poolDispatch());
      out.cancel = await page.evaluate(() => window.bench.cancelLatency());
    }
    if (only.has('parallel')) {
      log('parallel speedup …');
      out.parallel = await page.evaluate(() => window.bench.parallel());
    }
    await context.close();

    if (only.has('latency')) {
      log('interactive latency in the app …');
      out.latency = await latency(browser, appServer.url);
    }
    if (only.has('cache')) {
      log('cold vs warm after reload in the app …');
      out.cache = await cache(browser, appServer.url);
    }
    if (only.has('memory')) {
      log('heap over 1000 re-executions in the app …');
      out.memory = await memory(browser, appServer.url);
    }
    if (only.has('cli')) {
      const n = Number(opt('--cli-images') ?? 20);
      log(`command-line runner: ${n} × 12 MP …`);
      out.cli = await cliThroughput(n, browser, appServer.url);
    }
  } finally {
    await browser.close();
    pageServer.server.close();
    appServer.server.close();
  }
  out.machine.loadAfter = loadavg();
  out.seconds = (Date.now() - t0) / 1000;

  // ---- tables ----
  section(
    'Machine',
    `${out.date.slice(0, 10)} · ${out.machine.cpu} · ${out.machine.cores} cores (navigator.hardwareConcurrency ${out.page.hardwareConcurrency}) · Chromium ${out.browser.version} headless · load average before ${out.machine.loadBefore.map((x) => x.toFixed(2)).join(' ')}, after ${out.machine.loadAfter.map((x) => x.toFixed(2)).join(' ')} · cross-origin isolated: ${out.page.crossOriginIsolated}`,
  );

  const targets = [];
  const target = (name, met, value, why = '') => targets.push({ name, met, value, why });

  const setMs = out.plumbing?.rows.find((r) => r.what.startsWith('TypedArray.set'))?.ms;
  if (out.kernels) {
    const lines = [];
    for (const k of out.kernels) {
      const anchorsOk = k.rows.filter((r) => !r.error && r.ms !== undefined && !r.library.startsWith('Pipette (ours') && r.library !== 'plain JS loop');
      const fastest = anchorsOk.reduce((a, b) => (a && a.ms <= b.ms ? a : b), null);
      k.fastestAnchor = fastest ? { library: fastest.library, ms: fastest.ms } : null;
      for (const r of k.rows) {
        const d = r.diff;
        const diffText = !d ? '—' : d.error ? d.error : `${d.maxInterior} / ${d.max} (mean ${d.meanInterior.toFixed(2)})`;
        lines.push([
          k.title,
          r.library.startsWith('Pipette (ours') ? `**${r.library}**` : r.library,
          r.error ? r.error : `${ms(r.ms)}${r.single ? ' (1 run)' : ''}`,
          r.error ? '—' : ms(r.minMs),
          r.error ? '—' : f(r.mps, 1),
          r.error || !fastest ? '—' : `${(r.ms / fastest.ms).toFixed(2)}×`,
          diffText,
        ]);
      }
    }
    section(
      `Kernels: 12 MP (4000×3000 RGBA), median ms of up to 5 runs after a warm-up`,
      table(['operation', 'implementation', 'median ms', 'best ms', 'MP/s', '× fastest anchor', 'max \\|Δ\\| vs reference: interior / whole (mean)'], lines),
    );
    const how = [];
    for (const k of out.kernels) for (const r of k.rows) how.push([k.title, r.library, r.how]);
    out.how = how;

    const ours = (id) => out.kernels.find((k) => k.id === id)?.rows.find((r) => r.library === 'Pipette (ours)');
    const fastestOf = (id) => out.kernels.find((k) => k.id === id)?.fastestAnchor;
    // The gaussian targets are "on 2 cores": ours tiled across the pool's workers where that row exists,
    // writing into pooled outputs as the anchors write into their own reused memory (the fresh row beside it).
    const tiledRows = (id) => out.kernels.find((k) => k.id === id)?.rows.filter((r) => r.library.startsWith('Pipette (ours, tiled') && !r.error) ?? [];
    const oursTiled = (id) => tiledRows(id).find((r) => r.library.endsWith('into pooled outputs)')) ?? tiledRows(id)[0];
    const freshTiled = (id) => tiledRows(id).find((r) => !r.library.endsWith('into pooled outputs)'));
    const row = (id, library) => out.kernels.find((k) => k.id === id)?.rows.find((r) => r.library === library && !r.error);
    // The pointwise targets compare like with like: the bound copies into a preallocated array and
    // OpenCV.js writes into its own Mat, so ours is judged writing into a reused output (as the app's
    // tiled steps write into pooled ones), and the fresh-output row is named beside it.
    const POINTWISE = { bc: 'brightness/contrast', gray: 'grayscale', levels: 'levels', invert: 'invert' };
    for (const [id, name] of Object.entries(POINTWISE)) {
      const o = ours(id);
      const r = row(id, 'Pipette (ours, into a reused output)');
      if (!r || !setMs) continue;
      const ratio = r.ms / setMs;
      const fresh = o && !o.error ? `; a fresh output each run ${ms(o.ms)} ms = ${(o.ms / setMs).toFixed(1)}×` : '';
      target(`${name} within 3× of the TypedArray.set bound`, ratio <= 3, `${ms(r.ms)} ms into a reused output = ${ratio.toFixed(1)}× the ${ms(setMs)} ms copy${fresh}`);
    }
    {
      const o = ours('gray');
      const cv = row('gray', 'OpenCV.js');
      const r = row('gray', 'Pipette (ours, into a reused output)');
      if (r && cv) {
        const fresh = o && !o.error ? `; a fresh output each run ${ms(o.ms)} ms = ${(o.ms / cv.ms).toFixed(2)}×` : '';
        target('grayscale ≤ OpenCV.js', r.ms <= cv.ms, `${ms(r.ms)} ms into a reused output vs ${ms(cv.ms)} ms = ${(r.ms / cv.ms).toFixed(2)}×${fresh}`);
      }
    }
    for (const [m, b] of [
      ['median2', 'box2'],
      ['median5', 'box5'],
    ]) {
      const om = ours(m);
      const ob = ours(b);
      if (!om || om.error || !ob || ob.error) continue;
      const title = out.kernels.find((k) => k.id === m)?.title ?? m;
      target(`${title} within 2× of box blur at the same radius`, om.ms <= 2 * ob.ms, `${ms(om.ms)} ms vs ${ms(ob.ms)} ms = ${(om.ms / ob.ms).toFixed(2)}×`);
    }
    for (const [id, limit] of [
      ['gauss5', 0.8],
      ['gauss20', 0.8],
      ['resize', 1.0],
      ['sharpen', 1.0],
    ]) {
      if (!OPS.includes(id)) continue;
      const o = oursTiled(id) ?? ours(id);
      const fa = fastestOf(id);
      const title = out.kernels.find((k) => k.id === id)?.title ?? id;
      if (!o || o.error || !fa) {
        target(`${title} ≤ ${limit}× the fastest anchor`, false, o?.error ?? 'not measured');
        continue;
      }
      const ratio = o.ms / fa.ms;
      const which = o.library === 'Pipette (ours)' ? '' : ` (${o.library.slice('Pipette ('.length, -1)})`;
      const fresh = freshTiled(id);
      const also = fresh && fresh !== o ? `; a fresh output each run ${ms(fresh.ms)} ms = ${(fresh.ms / fa.ms).toFixed(2)}×` : '';
      target(`${title} ≤ ${limit}× the fastest anchor`, ratio <= limit, `${ms(o.ms)} ms${which} vs ${fa.library} ${ms(fa.ms)} ms = ${ratio.toFixed(2)}×${also}`);
    }
    const g5 = ours('gauss5');
    const g20 = ours('gauss20');
    if (g5?.ms && g20?.ms) {
      const r = g20.ms / g5.ms;
      target('gaussian cost independent of σ (σ=20 within 1.25× of σ=5)', r <= 1.25, `σ=20 / σ=5 = ${r.toFixed(2)}×`);
    }
  }

  if (out.plumbing) {
    section('Plumbing: 48 MB', table(['what', 'median ms', 'GB/s'], out.plumbing.rows.map((r) => [r.what, ms(r.ms), f(out.plumbing.bytes / 1e9 / (r.ms / 1000), 1)])));
  }
  if (out.cli) {
    const appFull = out.latency?.last?.p50;
    section(
      `Command line: \`pipette run\` over ${out.cli[0].images} different 12 MP JPEGs, the six steps of the latency pipeline, JPEG out`,
      table(
        ['worker threads', 'images', 'wall s', 'images/s', 'MP/s', 'median ms an image'],
        out.cli.map((r) => [r.workers, r.images, f(r.seconds, 1), f(r.imagesPerSecond, 2), f(r.mpPerSecond, 1), ms(r.medianImageMs)]),
      ) +
        '\n\nDecode, six steps, encode and write per image; the CLI\'s median is in its worker thread. "app (1 tab)": the same files through `window.pipette` one after another (load, run, export the JPEG), the app\'s own worker pool (its default of min(4, cores) workers, or `--pool N`).' +
        (appFull ? ` The app recomputing the six steps of one image after a slider edit (latency section, p50): ${ms(appFull)} ms.` : '') +
        (out.cli.proxy
          ? `\n\nFirst new preview of a dragged Brightness slider (12 MP source, node preview painted, 6 drags after 2 warm-ups): p50 ${ms(out.cli.proxy.quiet.p50)} ms (p95 ${ms(out.cli.proxy.quiet.p95)}) with nothing else running, p50 ${ms(out.cli.proxy.duringBatch.p50)} ms (p95 ${ms(out.cli.proxy.duringBatch.p95)}) while the batch queue ran${out.cli.proxy.batchStillRunning ? '' : ' (the batch finished before the last drag)'}; during the batch ${out.cli.proxy.duringBatch.fullFirst} of 6 first previews were the full result instead (the focused step outranks proxies). While batch work holds the pool's worker, the edit runs on the reserve worker.`
          : ''),
    );
  }
  if (out.codec) {
    section(
      'PNG codec: 12 MP (4000×3000), median ms of 3 runs on the bench page (the app runs it in a worker)',
      table(['what', 'median ms', 'file MB'], out.codec.rows.map((r) => [r.what, ms(r.ms), f(r.mb, 1)])),
    );
  }

  if (out.engine) {
    const e = out.engine;
    const p = out.poolDispatch;
    section(
      'Engine overhead',
      table(
        ['what', 'ms', 'per step'],
        [
          [`keyGraph: validate, order and key a ${e.steps}-step chain`, ms(e.keyMs), `${(e.keyMs / e.steps * 1000).toFixed(1)} µs`],
          [`scheduler run of ${e.steps} steps, in-process no-op kernels (incl. keying)`, ms(e.noopRunMs), `${(e.noopPerStepMs * 1000).toFixed(1)} µs`],
          [`scheduler run of ${e.steps} steps, every result cached in memory`, ms(e.cachedRunMs), `${(e.cachedRunMs / e.steps * 1000).toFixed(1)} µs`],
          [`${p.steps}-step chain through the worker pool (${p.poolSize} workers), 1×1 image: the real per-step dispatch`, ms(p.ms), `${ms(p.perStepMs)} ms`],
        ],
      ),
    );
    target('planning + keying 1000 steps < 10 ms', e.keyMs < 10, `keyGraph ${ms(e.keyMs)} ms (a whole cached run: ${ms(e.cachedRunMs)} ms)`);
    if (out.cancel) {
      section(
        'Cancelling a running 12 MP gaussian blur (σ 5) in the worker pool, median of 6',
        table(
          ['what', 'ms'],
          [
            ['abort() → the task has settled (cancelled)', ms(out.cancel.rejectMs)],
            ['abort() → the next task has finished on the same pool', `${ms(out.cancel.usableMs)} (max ${ms(out.cancel.usableMax)})`],
          ],
        ),
      );
    }
    target('dispatch overhead < 0.5 ms a step', p.perStepMs < 0.5, `${ms(p.perStepMs)} ms a step through the worker pool (${(e.noopDispatchPerStepMs * 1000).toFixed(1)} µs in the scheduler alone)`);
  }

  if (out.parallel) {
    const p = out.parallel;
    section(
      'Parallel: two independent branches (gaussian blur + levels each) after a cached 12 MP source',
      table(['pool', 'median ms', 'runs'], [
        ['1 worker', ms(p.pool1.ms), p.pool1.times.map(ms).join(', ')],
        [`${p.cores} workers`, ms(p.poolAll.ms), p.poolAll.times.map(ms).join(', ')],
        ['speedup (medians)', `${p.speedup.toFixed(2)}×`, `best runs: ${(Math.min(...p.pool1.times) / Math.min(...p.poolAll.times)).toFixed(2)}×`],
      ]),
    );
    target('parallel speedup ≥ 1.7×', p.speedup >= 1.7, `${p.speedup.toFixed(2)}× on ${p.cores} cores`);
    if (p.tiled) {
      const t = p.tiled;
      section(
        `Parallel: one gaussian blur σ=${t.sigma} step on ${t.megapixels.toFixed(0)} MP, whole on 1 worker vs row bands on ${p.cores}`,
        table(['pool', 'median ms', 'bands', 'runs'], [
          ['1 worker (not tiled)', ms(t.pool1.ms), f(t.pool1.bands), t.pool1.times.map(ms).join(', ')],
          [`${p.cores} workers (tiled)`, ms(t.poolAll.ms), f(t.poolAll.bands), t.poolAll.times.map(ms).join(', ')],
          ['speedup (medians)', `${t.speedup.toFixed(2)}×`, '', `best runs: ${(Math.min(...t.pool1.times) / Math.min(...t.poolAll.times)).toFixed(2)}×`],
        ]) + '\n\nA whole step through the pool: dispatch, the kernel (or its bands) and the 256 px node thumbnail.',
      );
    }
  }

  if (out.latency) {
    const l = out.latency;
    section(
      'Interactive latency: Brightness slider → new preview painted (12 MP source, 6 steps)',
      table(['what', 'p50 ms', 'p95 ms'], [
        [`**proxy** (slider held, ${l.proxy.size ? `${l.proxy.size.width}×${l.proxy.size.height}` : '?'}): the edited step's node preview painted`, ms(l.proxy.edited.p50), ms(l.proxy.edited.p95)],
        l.proxy.viewer ? ['**proxy**: the edited step painted in the viewer', ms(l.proxy.viewer.p50), ms(l.proxy.viewer.p95)] : ['proxy in the viewer', '—', '—'],
        l.proxy.fullViewer
          ? ['slider held: full resolution replaces the proxy in the viewer (after the 250 ms rest)', ms(l.proxy.fullViewer.p50), ms(l.proxy.fullViewer.p95)]
          : ['full resolution after the rest', '—', '—'],
        ['**full** (click or key on the slider): edited step\'s new node preview painted', ms(l.edited.p50), ms(l.edited.p95)],
        l.viewer ? ['full: edited step painted in the viewer', ms(l.viewer.p50), ms(l.viewer.p95)] : ['full: viewer', '—', '—'],
        ['full: all 6 steps recomputed, the last step\'s new node preview painted', ms(l.last.p50), ms(l.last.p95)],
        ...(l.longDrag
          ? [
              ['long drag (60 values in a row): proxy in the viewer, values 1–20', ms(l.longDrag.first.p50), ms(l.longDrag.first.p95)],
              ['long drag: proxy in the viewer, values 21–60', ms(l.longDrag.rest.p50), ms(l.longDrag.rest.p95)],
            ]
          : []),
      ]) +
        `\n\n${l.samples} edits of each kind after 2 warm-ups, each a new value (no cache hits). A full edit includes the ${l.debounceMs} ms edit debounce only when it is a drag; a click or key flushes it. ` +
        `Proxy edits compute the selected step and its ancestors at about 1 MP; the source's proxy is cached after the first. ` +
        (l.longDrag
          ? `The long drag sets each value 30 ms after the one before is in the viewer; later in it, proxies write into buffers of proxies the memory cache has let go (pixel pool during it: ${l.longDrag.pixels.taken} outputs taken, ${l.longDrag.pixels.reused} of them used before). `
          : '') +
        `Node previews are 256 px thumbnails made by the worker. Median step times at full resolution (ms): ${Object.entries(l.stepMs).map(([k, v]) => `${k} ${v === null ? '—' : ms(v)}`).join(', ')}.`,
    );
    const lt = (b) => [b.runs, b.count, b.runsWithAny, b.count ? ms(b.max) : '—', b.count ? ms(b.p95) : '—'];
    section(
      'Main thread: long tasks and long animation frames during the 12 MP run and a slider drag',
      table(['what', 'runs', 'count', 'runs with any', 'max ms', 'p95 ms'], [
        ['long tasks (> 50 ms), full 12 MP run (click on the slider → idle)', ...lt(l.longTasks.full)],
        ['long tasks (> 50 ms), slider drag (proxy, then full resolution → idle)', ...lt(l.longTasks.drag)],
        ['long animation frames (> 50 ms), full 12 MP run', ...lt(l.longFrames.full)],
        ['long animation frames (> 50 ms), slider drag', ...lt(l.longFrames.drag)],
      ]) +
        `\n\nAll ${l.longTasks.full.runs} edits of each kind above, warm-ups included, from the edit to idle. A long task is one task over 50 ms (PerformanceObserver 'longtask'); ` +
        `a long animation frame runs over 50 ms from its first task to its paint ('long-animation-frame'), so it also counts style, layout and paint. ` +
        `Both are wall time on the main thread, which on a busy machine includes waiting for a core.`,
    );
    target('no main-thread long task during a 12 MP run or a drag', l.longTasks.full.count + l.longTasks.drag.count === 0, `${l.longTasks.full.count} in ${l.longTasks.full.runs} runs, ${l.longTasks.drag.count} in ${l.longTasks.drag.runs} drags (max ${ms(Math.max(l.longTasks.full.max, l.longTasks.drag.max))} ms)`);
    target('proxy preview latency p50 < 50 ms', (l.proxy.viewer ?? l.proxy.edited).p50 < 50, `viewer p50 ${ms((l.proxy.viewer ?? l.proxy.edited).p50)} ms, p95 ${ms((l.proxy.viewer ?? l.proxy.edited).p95)} ms`);
    target('full-resolution 6-step update p50 < 400 ms', l.last.p50 < 400, `p50 ${ms(l.last.p50)} ms, p95 ${ms(l.last.p95)} ms (edited step's own preview: p50 ${ms(l.edited.p50)} ms)`);
  }

  if (out.cache) {
    const c = out.cache;
    section(
      'Cache: the 12 MP six-step pipeline, cold vs after a reload',
      table(['run', 'ms', 'kernel runs', 'states'], [
        ['cold (empty cache): loadGraph → idle', ms(c.cold.ms), c.cold.kernelRuns, [...new Set(c.cold.states)].join(', ')],
        ...c.warm.map((w, i) => [
          `warm after reload ${i + 1}: navigation start → idle (of which page boot to DOMContentLoaded: ${ms(w.bootMs ?? undefined)})`,
          ms(w.ms),
          w.kernelRuns,
          [...new Set(w.states)].join(', '),
        ]),
        ['cold / warm (median), whole reload', `${c.ratio.toFixed(1)}×`, '', ''],
        ['cold / warm (median), from DOMContentLoaded: restore the graph and serve it from the cache', `${c.ratioAfterBoot.toFixed(1)}×`, '', ''],
      ]),
    );
    target('warm run after reload ≥ 20× faster than cold', c.ratio >= 20, `${c.ratio.toFixed(1)}× (cold ${ms(c.cold.ms)} ms, warm ${ms(c.warmMs)} ms including page boot; ${c.ratioAfterBoot.toFixed(1)}× from DOMContentLoaded, ${ms(c.restoreMs)} ms)`);
  }

  if (out.memory) {
    const m = out.memory;
    section(
      `Memory: main-thread JS heap (after GC) over 1000 re-executions of a 256×256 six-step pipeline in the app, after ${m.warmUp ?? 20} that fill the undo history`,
      table(['re-executions', 'used heap MB'], m.points.map((p) => [p.n, (p.usedSize / 1e6).toFixed(2)])) +
        `\n\nGrowth ${(m.growth * 100).toFixed(1)} % · ${m.kernelRuns} kernel runs · ${ms(m.msPerReexecution)} ms per re-execution.`,
    );
    target('heap growth < 10 % over 1000 re-executions', m.growth < 0.1, `${(m.growth * 100).toFixed(1)} % (${(m.before / 1e6).toFixed(1)} → ${(m.after / 1e6).toFixed(1)} MB)`);
  }

  if (out.parallel?.tiled) {
    const t = out.parallel.tiled;
    target(
      `one tiled step ≥ 1.7× faster on ${out.parallel.cores} cores (gaussian σ=${t.sigma}, ${t.megapixels.toFixed(0)} MP)`,
      t.speedup >= 1.7,
      `${t.speedup.toFixed(2)}×: ${ms(t.pool1.ms)} ms on 1 worker, ${ms(t.poolAll.ms)} ms in ${f(t.poolAll.bands)} bands`,
    );
  }
  out.targets = targets;
  section('Targets', table(['target', 'met', 'figure'], targets.map((t) => [t.name, t.met ? 'yes' : '**no**', t.value])));

  writeFileSync(path.join(results, 'latest.json'), JSON.stringify(out, null, 2));
  writeFileSync(path.join(results, 'latest.md'), report.join('\n'));
  log(`done in ${out.seconds.toFixed(0)} s: bench/results/latest.json, bench/results/latest.md`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
