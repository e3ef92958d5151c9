import { describe, expect, test } from 'vitest';
import { PriorityQueue, QueuedExecutor } from '../../../src/engine/queue';
import { PRIORITY, type ExecContext, type Executor, type Outputs, type StepTask } from '../../../src/engine/types';
import { deferred, testRegistry as reg } from './fixtures';

interface Item {
  readonly name: string;
  readonly id?: string;
  priority: number;
}

describe('PriorityQueue', () => {
  test('takes the highest priority first, first come first served within a priority', () => {
    const q = new PriorityQueue<Item>(() => {});
    for (const [name, priority] of [['a', 0], ['b', 2], ['c', 1], ['d', 2], ['e', 0]] as const) q.push({ name, priority });
    const order: string[] = [];
    for (let it = q.take(); it; it = q.take()) order.push(it.name);
    expect(order).toEqual(['b', 'd', 'c', 'a', 'e']);
    expect(q.size).toBe(0);
  });

  test('setPriority moves every waiting entry with that id, and only those', () => {
    const q = new PriorityQueue<Item>(() => {});
    q.push({ name: 'x1', id: 'x', priority: 0 });
    q.push({ name: 'y', id: 'y', priority: 1 });
    q.push({ name: 'x2', id: 'x', priority: 0 });
    q.push({ name: 'z', priority: 1 });
    expect(q.setPriority('x', 3)).toBe(2);
    expect(q.setPriority('x', 3)).toBe(0);
    expect(q.setPriority('nobody', 3)).toBe(0);
    const order: string[] = [];
    for (let it = q.take(); it; it = q.take()) order.push(it.name);
    expect(order).toEqual(['x1', 'x2', 'y', 'z']);
  });

  test('remove drops a waiting entry once; drain empties the queue oldest first', () => {
    const q = new PriorityQueue<Item>(() => {});
    const a = { name: 'a', priority: 5 };
    q.push(a);
    q.push({ name: 'b', priority: 9 });
    q.push({ name: 'c', priority: 1 });
    expect(q.remove(a)).toBe(true);
    expect(q.remove(a)).toBe(false);
    expect(q.drain().map((i) => i.name)).toEqual(['b', 'c']);
    expect(q.take()).toBeUndefined();
  });

  test('kicks in one turn dispatch once, after the turn', async () => {
    let dispatches = 0;
    const q = new PriorityQueue<Item>(() => dispatches++);
    q.kick();
    q.kick();
    q.kick();
    expect(dispatches).toBe(0);
    await Promise.resolve();
    expect(dispatches).toBe(1);
  });

  test('after urgent work finishes, a dispatch with only less urgent work waiting waits a macrotask', async () => {
    let dispatches = 0;
    const q = new PriorityQueue<Item>(() => dispatches++);
    q.push({ name: 'low', priority: PRIORITY.interactive });
    q.kick(PRIORITY.focus);
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(dispatches).toBe(0); // the focused step's dependents get the chance to arrive first
    await new Promise((r) => setTimeout(r, 0));
    expect(dispatches).toBe(1);
    q.kick(PRIORITY.interactive); // nothing less urgent waits: at once
    await Promise.resolve();
    expect(dispatches).toBe(2);
  });
});

function task(node: string, priority: number): StepTask<number> {
  return { nodeId: node, op: reg.get('num')!, params: { value: 1 }, key: `k-${node}`, inputs: {}, priority };
}

/** An executor whose steps finish when the test says so. */
function held() {
  const runs: { node: string; priority: number; finish: () => void }[] = [];
  const exec: Executor<number> = {
    run(t, ctx) {
      const d = deferred<Outputs<number>>();
      runs.push({ node: t.nodeId, priority: t.priority, finish: () => d.resolve({ out: 1 }) });
      ctx.signal.addEventListener('abort', () => d.reject(ctx.signal.reason), { once: true });
      return d.promise;
    },
  };
  return { exec, runs };
}

function ctx(signal = new AbortController().signal, started = () => {}): ExecContext {
  return { signal, started, progress() {} };
}

/** Long enough for a dispatch that yields a macrotask to dependents. */
const settle = () => new Promise((r) => setTimeout(r, 5));

describe('QueuedExecutor', () => {
  test('runs at most `concurrency` steps at once, the rest by priority, and says when each starts', async () => {
    const h = held();
    const q = new QueuedExecutor(h.exec, { concurrency: 1 });
    const started: string[] = [];
    const all = [
      q.run(task('a', 0), ctx(undefined, () => started.push('a'))),
      q.run(task('b', 1), ctx(undefined, () => started.push('b'))),
      q.run(task('c', 3), ctx(undefined, () => started.push('c'))),
    ];
    await settle();
    expect(h.runs.map((r) => r.node)).toEqual(['c']);
    expect(started).toEqual(['c']);
    expect(q.activity).toEqual({ queued: 2, running: 1 });
    q.setPriority('k-a', 2); // a now goes before b
    h.runs[0]!.finish();
    await settle();
    expect(h.runs.map((r) => r.node)).toEqual(['c', 'a']);
    expect(h.runs[1]!.priority).toBe(2); // the inner executor sees the priority it runs at
    h.runs[1]!.finish();
    await settle();
    h.runs[2]!.finish();
    await Promise.all(all);
    expect(started).toEqual(['c', 'a', 'b']);
    expect(q.activity).toEqual({ queued: 0, running: 0 });
  });

  test('a waiting step whose signal aborts is rejected with its reason and never runs', async () => {
    const h = held();
    const q = new QueuedExecutor(h.exec, { concurrency: 1 });
    const first = q.run(task('a', 0), ctx());
    const ac = new AbortController();
    const second = q.run(task('b', 0), ctx(ac.signal));
    const reason = new Error('not wanted');
    ac.abort(reason);
    await expect(second).rejects.toBe(reason);
    await settle();
    h.runs[0]!.finish();
    await first;
    await settle();
    expect(h.runs.map((r) => r.node)).toEqual(['a']);
    await expect(q.run(task('c', 0), ctx(AbortSignal.abort(reason)))).rejects.toBe(reason);
  });

  test('refuses a concurrency below one', () => {
    expect(() => new QueuedExecutor(held().exec, { concurrency: 0 })).toThrow(/at least 1/);
  });
});
