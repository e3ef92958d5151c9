import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { addNode, connect, emptyGraph, setParam, type Graph } from '../../../src/engine/graph';
import { keyGraph } from '../../../src/engine/keys';
import { LiveController, type Published } from '../../../src/engine/live';
import { MemoryStore } from '../../../src/engine/memory-store';
import { Scheduler } from '../../../src/engine/scheduler';
import type { StepTask } from '../../../src/engine/types';
import { PROXY_OFFSET, diskStore, testExecutor, testRegistry as reg } from './fixtures';

function chain(value = 2, factor = 3): Graph {
  let g = addNode(emptyGraph, reg, { id: 'n', op: 'num', params: { value } });
  g = addNode(g, reg, { id: 's', op: 'scale', params: { factor } });
  g = connect(g, reg, { from: { node: 'n', port: 'out' }, to: { node: 's', port: 'x' } });
  return g;
}

function setup(delay: number | ((t: StepTask<number>) => number) = 10, debounceMs = 150, extra: { proxyPixels?: number; restMs?: number } = {}) {
  const exec = testExecutor(typeof delay === 'number' ? () => delay : delay);
  const store = new MemoryStore<number>({ budgetBytes: 1e6, sizeOf: () => 8 });
  const scheduler = new Scheduler({ registry: reg, executor: exec, store });
  const published: { node: string; result: Published<number> | null }[] = [];
  const live = new LiveController<number>({ scheduler, debounceMs, ...extra, onPublish: (node, result) => published.push({ node, result }) });
  return { exec, live, published, store };
}

describe('live controller', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  test('a burst of edits within the debounce window becomes one run of the last version', async () => {
    const { exec, live } = setup();
    let g = chain();
    live.setGraph(g);
    for (let f = 1; f <= 5; f++) {
      g = setParam(g, reg, 's', 'factor', f);
      live.setGraph(g);
      await vi.advanceTimersByTimeAsync(50);
    }
    await vi.runAllTimersAsync();
    expect(exec.log.started.filter((s) => s.node === 's')).toHaveLength(1);
    expect(live.result('s')?.outputs.out).toBe(10);
  });

  test('nothing runs until the debounce has passed', async () => {
    const { exec, live } = setup(10, 150);
    live.setGraph(chain());
    await vi.advanceTimersByTimeAsync(149);
    expect(exec.log.started).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(2);
    expect(exec.log.started.length).toBeGreaterThan(0);
  });

  test('a new edit cancels the step in flight whose result it changes', async () => {
    const { exec, live } = setup(1000, 0);
    live.setGraph(chain(2, 3));
    await vi.advanceTimersByTimeAsync(1005); // n done, s running
    expect(exec.log.started.map((s) => s.node)).toEqual(['n', 's']);
    live.setGraph(chain(2, 4));
    await vi.runAllTimersAsync();
    expect(exec.log.aborted.map((a) => a.node)).toEqual(['s']);
    expect(live.result('s')?.outputs.out).toBe(8);
  });

  test('an edit withdraws the results it makes stale at once, before any run', () => {
    const { live, published } = setup();
    live.setGraph(chain());
    return (async () => {
      await vi.runAllTimersAsync();
      expect(live.result('s')?.outputs.out).toBe(6);
      live.setGraph(chain(2, 5));
      expect(live.result('s')).toBeUndefined();
      expect(live.result('n')?.outputs.out).toBe(2); // unchanged upstream stays
      expect(published.at(-1)).toEqual({ node: 's', result: null });
      expect(live.view('s').state).toBe('idle');
    })();
  });

  test('undoing an edit serves the earlier result from the cache without running', async () => {
    const { exec, live } = setup();
    live.setGraph(chain(2, 3));
    await vi.runAllTimersAsync();
    live.setGraph(chain(2, 4));
    await vi.runAllTimersAsync();
    const runs = exec.log.started.length;
    live.setGraph(chain(2, 3));
    await vi.runAllTimersAsync();
    expect(exec.log.started.length).toBe(runs);
    expect(live.result('s')).toMatchObject({ cached: true, outputs: { out: 6 } });
    expect(live.view('s').state).toBe('cached');
  });

  test('run-to-step computes only what the chosen step needs', async () => {
    const { exec, live } = setup();
    let g = chain();
    g = addNode(g, reg, { id: 'other', op: 'num', params: { value: 9 } });
    live.setTargets(['n']);
    live.setGraph(g);
    await vi.runAllTimersAsync();
    expect(exec.log.started.map((s) => s.node)).toEqual(['n']);
    expect(live.view('s').state).toBe('idle');
  });

  test('cancel stops the run and whenIdle resolves', async () => {
    const { live } = setup(10_000, 0);
    live.setGraph(chain());
    await vi.advanceTimersByTimeAsync(5);
    expect(live.view('n').state).toBe('running');
    live.cancel();
    await vi.advanceTimersByTimeAsync(1);
    await live.whenIdle();
    expect(live.view('n').state).toBe('cancelled');
    expect(live.view('s').state).toBe('cancelled');
  });

  test('cancelling a run still in its debounce makes the graph idle at once, and says so', async () => {
    const { exec, live } = setup(10, 150);
    const before = live.idleSpells;
    live.setGraph(chain());
    expect(live.busy).toBe(true);
    let idle = false;
    void live.whenIdle().then(() => (idle = true));
    await vi.advanceTimersByTimeAsync(20);
    live.cancel();
    await vi.advanceTimersByTimeAsync(0);
    expect(live.busy).toBe(false);
    expect(idle).toBe(true);
    expect(live.idleSpells).toBe(before + 1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(exec.log.started).toHaveLength(0);
    // cancelling when nothing is going is not a new idle spell
    live.cancel();
    expect(live.idleSpells).toBe(before + 1);
  });

  test('idleSpells counts each time the graph goes from busy to idle, once', async () => {
    const { live } = setup(10, 0);
    const before = live.idleSpells;
    live.setGraph(chain(2, 3));
    expect(live.busy).toBe(true);
    expect(live.idleSpells).toBe(before);
    await vi.runAllTimersAsync();
    await live.whenIdle();
    expect(live.busy).toBe(false);
    expect(live.idleSpells).toBe(before + 1);
    live.setGraph(chain(2, 4));
    await vi.runAllTimersAsync();
    expect(live.idleSpells).toBe(before + 2);
    // nothing ran: nothing changes
    await vi.advanceTimersByTimeAsync(1000);
    expect(live.idleSpells).toBe(before + 2);
  });

  test('progress is reported on the running step', async () => {
    const seen: number[] = [];
    const live = new LiveController<number>({
      scheduler: new Scheduler({ registry: reg, executor: testExecutor(() => 100) }),
      debounceMs: 0,
      onState: (node, v) => node === 'n' && v.state === 'running' && seen.push(v.progress),
    });
    live.setGraph(chain());
    await vi.runAllTimersAsync();
    expect(seen).toContain(0.5);
  });
});

describe('focus', () => {
  test('every change of focus is announced once, whoever makes it', () => {
    const store = new MemoryStore<number>({ budgetBytes: 1e6, sizeOf: () => 8 });
    const scheduler = new Scheduler({ registry: reg, executor: testExecutor(() => 1), store });
    const seen: (string | null)[] = [];
    const live = new LiveController<number>({ scheduler, onFocus: (n) => seen.push(n) });
    live.setFocus('s');
    live.setFocus('s');
    live.setFocus(null);
    expect(seen).toEqual(['s', null]);
    expect(live.focus).toBeNull();
  });
});

describe('proxy previews', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  test('a preview edit flushed in the same task, from rest, skips its proxies and goes straight to full resolution', async () => {
    const { exec, live } = setup(10, 150, { proxyPixels: 4096, restMs: 300 });
    live.setGraph(chain(2, 3), { immediate: true });
    await vi.runAllTimersAsync();
    live.setFocus('s');
    const before = exec.log.started.length;
    // a key press: input and change in one task
    live.setGraph(chain(2, 4), { preview: true });
    live.flush();
    await vi.runAllTimersAsync();
    const started = exec.log.started.slice(before);
    expect(started.filter((t) => t.proxy)).toHaveLength(0);
    expect(started.map((t) => t.node)).toEqual(['s']);
    expect(live.result('s')).toMatchObject({ proxy: false, outputs: { out: 8 } });
    // a drag's first input (flushed later, in another task) keeps its proxies
    live.setGraph(chain(2, 5), { preview: true });
    await vi.advanceTimersByTimeAsync(25);
    expect(exec.log.started.slice(before).filter((t) => t.proxy).map((t) => t.node)).toContain('s');
    live.flush();
    await vi.runAllTimersAsync();
    expect(live.result('s')).toMatchObject({ proxy: false, outputs: { out: 10 } });
  });

  test('a preview edit computes the focused step at proxy resolution at once, then the full result replaces it at rest', async () => {
    const { exec, live, published } = setup(10, 150, { proxyPixels: 4096, restMs: 300 });
    live.setGraph(chain(2, 3), { immediate: true });
    await vi.runAllTimersAsync();
    live.setFocus('s');
    live.setGraph(chain(2, 4), { preview: true });
    // proxies need n (new proxy key) and s; no full-resolution work before the edits rest
    await vi.advanceTimersByTimeAsync(25);
    const proxyRuns = exec.log.started.filter((s) => s.proxy);
    expect(proxyRuns.map((s) => s.node)).toEqual(['n', 's']);
    const proxy = live.result('s')!;
    expect(proxy.proxy).toBe(true);
    expect(proxy.outputs.out).toBe((2 + PROXY_OFFSET) * 4);
    expect(published.at(-1)).toEqual({ node: 's', result: proxy });
    expect(live.proxyKeyOf('s')).toBe(proxy.key);
    expect(proxy.key).not.toBe(live.keyOf('s'));
    expect(exec.log.started.filter((s) => !s.proxy && s.key === live.keyOf('s'))).toHaveLength(0);
    // at rest the full result arrives and takes the proxy's place
    await vi.advanceTimersByTimeAsync(300);
    await vi.runAllTimersAsync();
    expect(live.result('s')).toMatchObject({ proxy: false, outputs: { out: 8 }, key: live.keyOf('s') });
    expect(published.at(-1)?.result?.proxy).toBe(false);
  });

  test('proxy and full results are cached under their own keys: dragging back serves both without running', async () => {
    const { exec, live } = setup(10, 0, { proxyPixels: 4096, restMs: 50 });
    live.setFocus('s');
    for (const f of [3, 4, 3, 4]) {
      live.setGraph(chain(2, f), { preview: true });
      await vi.runAllTimersAsync();
    }
    const keys = exec.log.started.map((s) => s.key);
    expect(new Set(keys).size).toBe(keys.length); // nothing computed twice
    // at each resolution: n once, s for factor 3 and for factor 4
    expect(exec.log.started.filter((s) => s.proxy)).toHaveLength(3);
    expect(exec.log.started.filter((s) => !s.proxy)).toHaveLength(3);
  });

  test('a preview edit stops the obsolete full-resolution work in flight and keeps what is still valid', async () => {
    let g = chain(2, 3);
    g = addNode(g, reg, { id: 'm', op: 'num', params: { value: 7 } });
    const { exec, live } = setup(1000, 0, { proxyPixels: 4096, restMs: 5000 });
    live.setGraph(g, { immediate: true });
    await vi.advanceTimersByTimeAsync(1); // n and m running at full resolution
    expect(exec.log.started.map((s) => s.node).sort()).toEqual(['m', 'n']);
    live.setFocus('m');
    g = setParam(g, reg, 'm', 'value', 8);
    live.setGraph(g, { preview: true });
    await vi.advanceTimersByTimeAsync(1);
    expect(exec.log.aborted.map((a) => a.node)).toEqual(['m']); // m's old value is obsolete; n goes on
    expect(live.view('m').state).toBe('idle'); // the obsolete run says nothing about m's new key
    await vi.advanceTimersByTimeAsync(1000);
    expect(live.result('n')).toMatchObject({ proxy: false, outputs: { out: 2 } });
    expect(live.result('m')).toMatchObject({ proxy: true, outputs: { out: 8 + PROXY_OFFSET } });
  });

  test('proxy keys are those of the newest graph, at the proxy level it was given with, however late they are asked for', () => {
    const { live } = setup(10, 150, { proxyPixels: 4096 });
    live.setGraph(chain(2, 3));
    live.setGraph(chain(2, 4));
    live.proxyPixels = 1024; // applies from the next graph on
    const at4096 = keyGraph(chain(2, 4), reg, { proxy: 4096 });
    for (const id of ['n', 's']) expect(live.proxyKeyOf(id)).toBe((at4096.steps.get(id) as { key: string }).key);
    live.setGraph(chain(5, 4));
    const at1024 = keyGraph(chain(5, 4), reg, { proxy: 1024 });
    expect(live.proxyKeyOf('s')).toBe((at1024.steps.get('s') as { key: string }).key);
    expect(live.proxyKeyOf('s')).not.toBe(live.keyOf('s'));
    live.proxyPixels = 0;
    live.setGraph(chain(5, 5));
    expect(live.proxyKeyOf('s')).toBeNull();
    live.cancel();
  });

  test('an ordinary edit cancels the proxy run; with proxies off a preview edit is an ordinary one', async () => {
    const off = setup(10, 20, { proxyPixels: 0 });
    off.live.setFocus('s');
    off.live.setGraph(chain(2, 4), { preview: true });
    await vi.runAllTimersAsync();
    expect(off.exec.log.started.some((s) => s.proxy)).toBe(false);
    expect(off.live.result('s')).toMatchObject({ proxy: false, outputs: { out: 8 } });

    const on = setup(500, 20, { proxyPixels: 4096, restMs: 5000 });
    on.live.setFocus('s');
    on.live.setGraph(chain(2, 4), { preview: true });
    await vi.advanceTimersByTimeAsync(1);
    on.live.setGraph(chain(2, 5));
    await vi.advanceTimersByTimeAsync(1);
    expect(on.exec.log.aborted.map((a) => a.node)).toEqual(['n']); // the proxy source
    await vi.runAllTimersAsync();
    expect(on.live.result('s')).toMatchObject({ proxy: false, outputs: { out: 10 } });
  });
});

describe('live controller before any graph', () => {
  test('choosing targets before a graph is loaded leaves it idle, and whenIdle resolves', async () => {
    const { live } = setup();
    live.setTargets(['x']);
    await new Promise((r) => setTimeout(r, 5));
    await expect(live.whenIdle()).resolves.toBeUndefined();
  });
});

describe('a reload shows stored results without reading their pixels', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  async function reloaded() {
    const store = diskStore();
    const first = new LiveController<number>({ scheduler: new Scheduler({ registry: reg, executor: testExecutor(() => 1), store }), debounceMs: 0 });
    first.setGraph(chain(2, 3));
    await vi.runAllTimersAsync();
    store.reload();
    const exec = testExecutor(() => 1);
    const live = new LiveController<number>({ scheduler: new Scheduler({ registry: reg, executor: exec, store }), debounceMs: 0 });
    return { store, exec, live };
  }

  test('steps no one reads are published light; the focus is read in full, and so is a step focused later', async () => {
    const { store, exec, live } = await reloaded();
    live.setFocus('s');
    live.setGraph(chain(2, 3));
    await vi.runAllTimersAsync();
    expect(exec.log.started).toHaveLength(0);
    expect(live.result('n')).toMatchObject({ light: true, cached: true });
    expect(live.result('s')).toMatchObject({ outputs: { out: 6 } });
    expect(live.result('s')?.light).toBeUndefined();
    expect(store.reads).toEqual([live.keyOf('s')]);
    // Looking at n reads it.
    live.setFocus('n');
    await vi.runAllTimersAsync();
    expect(live.result('n')).toMatchObject({ outputs: { out: 2 } });
    expect(live.result('n')?.light).toBeUndefined();
    // And a later run never puts the light form back over it.
    live.setFocus('s');
    live.setGraph(chain(2, 3));
    await vi.runAllTimersAsync();
    expect(live.result('n')?.light).toBeUndefined();
    expect(exec.log.started).toHaveLength(0);
  });

  test('full() and need() read a light step whole', async () => {
    const { live } = await reloaded();
    live.setGraph(chain(2, 3));
    await vi.runAllTimersAsync();
    expect(live.result('s')?.light).toBe(true);
    const whole = live.full('s');
    await vi.runAllTimersAsync();
    expect(await whole).toMatchObject({ outputs: { out: 6 } });
    live.setGraph(chain(2, 3)); // no change: n stays light
    await vi.runAllTimersAsync();
    expect(live.result('n')?.light).toBe(true);
    live.need(['n']);
    await vi.runAllTimersAsync();
    expect(live.result('n')).toMatchObject({ outputs: { out: 2 } });
  });
});
