import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { addNode, connect, emptyGraph, setParam, type Graph } from '../../../src/engine/graph';
import { LiveController, type Published } from '../../../src/engine/live';
import { MemoryStore } from '../../../src/engine/memory-store';
import { Scheduler } from '../../../src/engine/scheduler';
import { testExecutor, testRegistry as reg } from './fixtures';

function chain(value = 2, factor = 3): Graph {
  let g = addNode(emptyGraph, reg, { id: 'n', op: 'num', params: { value } });
  g = addNode(g, reg, { id: 's', op: 'scale', params: { factor } });
  g = connect(g, reg, { from: { node: 'n', port: 'out' }, to: { node: 's', port: 'x' } });
  return g;
}

function setup(delay = 10, debounceMs = 150) {
  const exec = testExecutor(() => delay);
  const store = new MemoryStore<number>({ budgetBytes: 1e6, sizeOf: () => 8 });
  const scheduler = new Scheduler({ registry: reg, executor: exec, store });
  const published: { node: string; result: Published<number> | null }[] = [];
  const live = new LiveController<number>({ scheduler, debounceMs, onPublish: (node, result) => published.push({ node, result }) });
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

describe('live controller before any graph', () => {
  test('choosing targets before a graph is loaded leaves it idle, and whenIdle resolves', async () => {
    const { live } = setup();
    live.setTargets(['x']);
    await new Promise((r) => setTimeout(r, 5));
    await expect(live.whenIdle()).resolves.toBeUndefined();
  });
});
