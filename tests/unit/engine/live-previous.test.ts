import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { addNode, connect, emptyGraph, removeNodes, type Graph } from '../../../src/engine/graph';
import { LiveController } from '../../../src/engine/live';
import { MemoryStore } from '../../../src/engine/memory-store';
import { Scheduler } from '../../../src/engine/scheduler';
import { PROXY_OFFSET, testExecutor, testRegistry as reg } from './fixtures';

// n → a → b: while `a` is tuned, `b` keeps its last result as `previous` (shown marked updating),
// and a watched step is computed on proxies beside the focused one.
function chain(value: number): Graph {
  let g = addNode(emptyGraph, reg, { id: 'n', op: 'num', params: { value } });
  g = addNode(g, reg, { id: 'a', op: 'scale', params: { factor: 2 } });
  g = addNode(g, reg, { id: 'b', op: 'scale', params: { factor: 3 } });
  g = connect(g, reg, { from: { node: 'n', port: 'out' }, to: { node: 'a', port: 'x' } });
  return connect(g, reg, { from: { node: 'a', port: 'out' }, to: { node: 'b', port: 'x' } });
}

function setup() {
  const exec = testExecutor(() => 10);
  const store = new MemoryStore<number>({ budgetBytes: 1e6, sizeOf: () => 8 });
  const scheduler = new Scheduler({ registry: reg, executor: exec, store });
  const live = new LiveController<number>({ scheduler, debounceMs: 0, proxyPixels: 4096, restMs: 300 });
  return { exec, live };
}

describe('previous results and watched steps', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  test('an edit keeps what a step below showed as its previous result until its new one arrives', async () => {
    const { live } = setup();
    live.setGraph(chain(1), { immediate: true });
    await vi.runAllTimersAsync();
    expect(live.result('b')?.outputs.out).toBe(6);
    live.setGraph(chain(2));
    expect(live.result('b')).toBeUndefined(); // never shown as its result
    expect(live.previous('b')?.outputs.out).toBe(6);
    await vi.runAllTimersAsync();
    expect(live.result('b')?.outputs.out).toBe(12);
    expect(live.previous('b')).toBeUndefined();
  });

  test('a previous result goes when its step is deleted, cannot run, or a run ends without it', async () => {
    const { live } = setup();
    live.setGraph(chain(1), { immediate: true });
    await vi.runAllTimersAsync();
    live.setGraph(removeNodes(chain(2), ['a']));
    expect(live.previous('b')).toBeUndefined(); // b lost its input
    live.setGraph(chain(1), { immediate: true });
    await vi.runAllTimersAsync();
    live.setTargets(['a'], { immediate: false });
    live.setGraph(chain(3));
    expect(live.previous('b')?.outputs.out).toBe(6);
    await vi.runAllTimersAsync(); // run to a: b is not computed, and stops showing 6
    expect(live.result('b')).toBeUndefined();
    expect(live.previous('b')).toBeUndefined();
  });

  test('a watched step is computed on proxies during a preview edit, beside the focused one', async () => {
    const { exec, live } = setup();
    live.setGraph(chain(1), { immediate: true });
    await vi.runAllTimersAsync();
    live.setFocus('a');
    live.watch(['b']);
    live.setGraph(chain(2), { preview: true });
    await vi.advanceTimersByTimeAsync(50);
    expect(exec.log.started.filter((s) => s.proxy).map((s) => s.node)).toEqual(['n', 'a', 'b']);
    expect(live.result('b')).toMatchObject({ proxy: true, outputs: { out: (2 + PROXY_OFFSET) * 6 } });
    live.watch([]);
    live.setGraph(chain(3), { preview: true });
    await vi.advanceTimersByTimeAsync(50);
    expect(exec.log.started.filter((s) => s.proxy).map((s) => s.node)).toEqual(['n', 'a', 'b', 'n', 'a']);
  });
});
