#!/usr/bin/env node
// Long chains (issue 19, item 4): loads chains of N steps into a production build through
// window.pipette and records the main thread's long tasks and the wall time, then an edit in the
// middle of the chain, a selection, and window.pipette round trips on N unconnected steps. Not a
// test: it prints figures and fails on none.
//
//   npx vite build --outDir dist-b && node bench/large-graph.mjs [--dist dist-b] [--port 4186] [--sizes 100,400,1000,2000]
//   [--unconnected 2000] [--no-positions] [--no-gestures] [--out test-results-b/large-graph.json]
//   [--trace out.json] (a Chrome trace of the largest load) [--screenshot out.png] (1440×900, the largest chain loaded, a step selected)

import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
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
const SIZES = opt('--sizes', '100,400,1000,2000').split(',').map(Number);
const TRACE = opt('--trace', null);
const SHOT = opt('--screenshot', null);
const UNCONNECTED = Number(opt('--unconnected', '2000'));
// Without positions, as bench/src/page.ts's chainDoc makes them (the editor places such steps itself).
const PLACED = !args.includes('--no-positions');
const GESTURES = !args.includes('--no-gestures');
const url = `http://127.0.0.1:${PORT}/`;

const CHAIN = [
  ['invert', () => ({})],
  ['brightness-contrast', (i) => ({ brightness: (i % 100) - 50, contrast: i % 7 })],
];

/** A 64×64 gradient, then n−1 cheap steps, laid out left to right as a file saved by the editor would be. */
function chainDoc(n) {
  const at = (i) => (PLACED ? { position: { x: i * 220, y: (i % 2) * 40 } } : {});
  const nodes = [{ id: 'n0', op: 'gradient', params: { width: 64, height: 64, kind: 'linear', angle: 0 }, ...at(0) }];
  const edges = [];
  for (let i = 1; i < n; i++) {
    const [op, params] = CHAIN[(i - 1) % CHAIN.length];
    nodes.push({ id: `n${i}`, op, params: params(i), ...at(i) });
    edges.push({ from: { node: `n${i - 1}`, port: 'image' }, to: { node: `n${i}`, port: 'image' } });
  }
  return { format: 'pipette-graph', version: 1, graph: { nodes, edges } };
}

/** n steps and no connection: small gradients (each computes) in a grid. */
function unconnectedDoc(n) {
  const nodes = [];
  for (let i = 0; i < n; i++) {
    nodes.push({ id: `g${i}`, op: 'gradient', params: { width: 16, height: 16, kind: 'linear', angle: i % 360 }, position: { x: (i % 50) * 220, y: Math.floor(i / 50) * 220 } });
  }
  return { format: 'pipette-graph', version: 1, graph: { nodes, edges: [] } };
}

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

async function openPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, ms: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(url);
  await page.evaluate(() => window.pipette.ready);
  await page.evaluate(() => window.pipette.whenIdle());
  await settle(page);
  return { context, page };
}

/** Two frames and a pause: whatever the last call set off (Svelte updates, layout) is done. */
async function settle(page, ms = 300) {
  await page.evaluate((ms) => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, ms)))), ms);
}

/** Runs `fn` in the page and reports its wall time (from the page's clock, to settled) and the long tasks in that span. */
async function measure(page, fn, arg) {
  const t0 = await page.evaluate(() => performance.now());
  const inPage = await page.evaluate(fn, arg);
  await settle(page);
  const t1 = await page.evaluate(() => performance.now());
  const tasks = await page.evaluate(([a, b]) => window.__longTasks.filter((t) => t.start >= a && t.start < b).map((t) => Math.round(t.ms)), [t0, t1]);
  return { wallMs: Math.round(t1 - t0 - 300), inPage, longTasks: tasks.length, longestMs: tasks.length ? Math.max(...tasks) : 0, totalLongMs: tasks.reduce((s, t) => s + t, 0) };
}

async function tasksSince(page, t0) {
  await settle(page);
  const tasks = await page.evaluate((a) => window.__longTasks.filter((t) => t.start >= a).map((t) => Math.round(t.ms)), t0);
  return { longTasks: tasks.length, longestMs: tasks.length ? Math.max(...tasks) : 0 };
}

/** A gesture driven from outside (mouse, keyboard): the long tasks from its start until the page settles. */
async function gesture(page, fn) {
  const t0 = await page.evaluate(() => performance.now());
  await fn();
  return tasksSince(page, t0);
}

async function gestureSet(page) {
  const g = {};
  const box = await page.locator('.svelte-flow__node').nth(1).boundingBox();
  g.click = await gesture(page, () => page.mouse.click(box.x + box.width / 2, box.y + 20));
  g.pan = await gesture(page, async () => {
    const pane = await page.locator('.svelte-flow__pane').boundingBox();
    // From the right to the left along the top of the canvas (the map and the controls are at the bottom).
    await page.mouse.move(pane.x + pane.width - 20, pane.y + 40);
    await page.mouse.down();
    for (let i = 1; i <= 20; i++) await page.mouse.move(pane.x + pane.width - 20 - i * 15, pane.y + 40);
    await page.mouse.up();
  });
  g.zoomOut = await gesture(page, async () => {
    const pane = await page.locator('.svelte-flow__pane').boundingBox();
    await page.mouse.move(pane.x + pane.width / 2, pane.y + pane.height / 2);
    for (let i = 0; i < 10; i++) await page.mouse.wheel(0, 300);
  });
  g.add = await gesture(page, async () => {
    await page.getByLabel('Search operations').fill('invert');
    await page.getByLabel('Search operations').press('Enter');
    await page.evaluate(() => window.pipette.whenIdle());
  });
  g.undo = await gesture(page, async () => {
    await page.evaluate(() => window.pipette.undo());
    await page.evaluate(() => window.pipette.whenIdle());
  });
  g.perfPanel = await gesture(page, () => page.getByRole('button', { name: /Performance/ }).click());
  g.editWithPanel = await gesture(page, async () => {
    await page.evaluate(() => window.pipette.setParam('n2', 'brightness', 20));
    await page.evaluate(() => window.pipette.whenIdle());
  });
  return g;
}

const fmt = (m) => `wall ${String(m.wallMs).padStart(6)} ms · long tasks ${String(m.longTasks).padStart(3)} · longest ${String(m.longestMs).padStart(5)} ms · sum ${String(m.totalLongMs).padStart(6)} ms`;

const server = await serve();
const browser = await chromium.launch({ executablePath: chromiumPath(), args: [...CHROMIUM_ARGS] });
const out = {};
try {
  for (const n of SIZES) {
    const { context, page } = await openPage(browser);
    const doc = chainDoc(n);
    if (TRACE && n === Math.max(...SIZES)) await browser.startTracing(page, { path: TRACE, screenshots: false, categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'disabled-by-default-v8.cpu_profiler'] });
    // The file's text is handed over first, in a task of its own: passing a 2000-step object
    // through page.evaluate costs the page ~150 ms to deserialise, which is the harness, not the app.
    await page.evaluate((text) => (window.__doc = text), JSON.stringify(doc));
    const load = await measure(page, async () => {
      const t = performance.now();
      window.pipette.loadGraph(window.__doc);
      const call = performance.now() - t;
      await window.pipette.whenIdle();
      const s = window.pipette.steps();
      return { callMs: Math.round(call), done: s.filter((x) => x.state === 'done' || x.state === 'cached').length };
    });
    if (TRACE && n === Math.max(...SIZES)) await browser.stopTracing();
    const mid = `n${2 * Math.floor(n / 4)}`; // even: a brightness-contrast step
    const edit = await measure(page, async (id) => {
      const t = performance.now();
      window.pipette.setParam(id, 'brightness', 12);
      const call = performance.now() - t;
      await window.pipette.whenIdle();
      return { callMs: Math.round(call) };
    }, mid);
    const select = await measure(page, (id) => {
      const t = performance.now();
      window.pipette.select(id);
      return { callMs: Math.round(performance.now() - t) };
    }, mid);
    const panel = await page.locator('aside.right').innerText();
    const rt = await page.evaluate(() => {
      const time = (f) => {
        const t = performance.now();
        f();
        return Math.round((performance.now() - t) * 10) / 10;
      };
      return { steps: time(() => window.pipette.steps()), exportGraph: time(() => window.pipette.exportGraph()) };
    });
    out[`chain ${n}`] = { load, edit, select, rt };
    console.log(`chain ${String(n).padStart(4)}: load  ${fmt(load)} · loadGraph() ${load.inPage.callMs} ms · ${load.inPage.done}/${n} done`);
    console.log(`            edit  ${fmt(edit)} · setParam() ${edit.inPage.callMs} ms`);
    console.log(`            select ${fmt(select)} · select() ${select.inPage.callMs} ms · panel shows Brightness: ${/Brightness/.test(panel)}`);
    console.log(`            steps() ${rt.steps} ms · exportGraph() ${rt.exportGraph} ms`);
    // What a person does next: click a step on screen, pan and zoom the canvas, add a step after
    // the selected one, undo, open the performance drawer, edit the top of the chain with it open.
    if (SHOT && n === Math.max(...SIZES)) await page.screenshot({ path: SHOT });
    const gestures = GESTURES ? await gestureSet(page) : {};
    for (const [k, v] of Object.entries(gestures)) console.log(`            ${k.padEnd(13)} long tasks ${String(v.longTasks).padStart(3)} · longest ${String(v.longestMs).padStart(5)} ms`);
    out[`chain ${n}`].gestures = gestures;
    await context.close();
  }

  if (UNCONNECTED > 0) {
    const { context, page } = await openPage(browser);
    await page.evaluate((text) => (window.__doc = text), JSON.stringify(unconnectedDoc(UNCONNECTED)));
    const load = await measure(page, async () => {
      const t = performance.now();
      window.pipette.loadGraph(window.__doc);
      const call = performance.now() - t;
      await window.pipette.whenIdle();
      return { callMs: Math.round(call) };
    });
    console.log(`unconnected ${UNCONNECTED}: load ${fmt(load)} · loadGraph() ${load.inPage.callMs} ms`);
    // Round trips as a script sees them: from Node, through the page, back; and the long tasks they set off.
    for (const [name, fn] of [
      ['steps()', () => window.pipette.steps().length],
      ['exportGraph()', () => window.pipette.exportGraph().length],
      ['setParam()', () => window.pipette.setParam('g1000', 'angle', 1 + Math.floor(Math.random() * 300))],
      ['select()', () => window.pipette.select('g1000')],
      ['cacheStats()', () => window.pipette.cacheStats().memory],
    ]) {
      const t = Date.now();
      await page.evaluate(fn);
      const rtMs = Date.now() - t;
      const m = await measure(page, () => null);
      const after = await measure(page, fn);
      console.log(`            ${name.padEnd(14)} round trip ${String(rtMs).padStart(4)} ms · again with what it sets off: ${fmt(after)}`);
      out[`unconnected ${name}`] = { rtMs, after, quiet: m };
    }
    await page.evaluate(() => window.pipette.whenIdle());
    await context.close();
  }
  const file = path.join(root, opt('--out', 'test-results-b/large-graph.json'));
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(out, null, 2));
} finally {
  await browser.close();
  server.kill();
}
