import { describe, expect, test } from 'vitest';
import { addNode, connect, emptyGraph, setBypass, type Graph } from '../../../src/engine/graph';
import { Scheduler, type SchedulerEvent, type StepEvent } from '../../../src/engine/scheduler';
import { MemoryStore } from '../../../src/engine/memory-store';
import { QueuedExecutor } from '../../../src/engine/queue';
import { keyGraph } from '../../../src/engine/keys';
import type { ExecContext, Executor, Outputs, StepTask } from '../../../src/engine/types';
import { deferred, diskStore, evaluate, testExecutor, testRegistry as reg } from './fixtures';

/** n(2) → s(×3) → a(+1); and an independent branch m(5) → t(×2). */
function twoBranches(): Graph {
  let g = addNode(emptyGraph, reg, { id: 'n', op: 'num', params: { value: 2 } });
  g = addNode(g, reg, { id: 's', op: 'scale', params: { factor: 3 } });
  g = addNode(g, reg, { id: 'a', op: 'add', params: { k: 1 } });
  g = addNode(g, reg, { id: 'm', op: 'num', params: { value: 5 } });
  g = addNode(g, reg, { id: 't', op: 'scale', params: { factor: 2 } });
  g = connect(g, reg, { from: { node: 'n', port: 'out' }, to: { node: 's', port: 'x' } });
  g = connect(g, reg, { from: { node: 's', port: 'out' }, to: { node: 'a', port: 'a' } });
  g = connect(g, reg, { from: { node: 'm', port: 'out' }, to: { node: 't', port: 'x' } });
  return g;
}

function collect() {
  const events: SchedulerEvent<number>[] = [];
  const steps = () => events.filter((e): e is StepEvent<number> => e.type === 'step');
  const finalState = (node: string) => steps().filter((e) => e.node === node).at(-1)?.state;
  const output = (node: string) => steps().find((e) => e.node === node && e.outputs)?.outputs?.out;
  return { events, onEvent: (e: SchedulerEvent<number>) => events.push(e), steps, finalState, output };
}

/** An executor whose tasks finish only when the test says so. */
function manualExecutor() {
  const pending = new Map<string, { task: StepTask<number>; ctx: ExecContext; d: ReturnType<typeof deferred<Outputs<number>>> }>();
  const started: string[] = [];
  const exec: Executor<number> = {
    run(task, ctx) {
      const d = deferred<Outputs<number>>();
      pending.set(task.nodeId, { task, ctx, d });
      started.push(task.nodeId);
      ctx.started();
      ctx.signal.addEventListener('abort', () => d.reject(ctx.signal.reason), { once: true });
      return d.promise;
    },
  };
  const finish = (node: string) => {
    const p = pending.get(node)!;
    pending.delete(node);
    p.d.resolve(evaluate(p.task.op.id, p.task.params as Record<string, unknown>, p.task.inputs as Record<string, number>));
  };
  return { exec, pending, started, finish };
}

const tick = () => new Promise((r) => setTimeout(r, 0));
async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await tick();
  }
}

describe('scheduler', () => {
  test('every step runs after its inputs and gets the right value', async () => {
    const exec = testExecutor(() => Math.random() * 3);
    const sched = new Scheduler({ registry: reg, executor: exec });
    const c = collect();
    const summary = await sched.run(twoBranches(), { onEvent: c.onEvent }).done;
    expect(summary.status).toBe('done');
    expect(c.output('a')).toBe(7);
    expect(c.output('t')).toBe(10);
    const order = exec.log.started.map((s) => s.node);
    expect(order.indexOf('n')).toBeLessThan(order.indexOf('s'));
    expect(order.indexOf('s')).toBeLessThan(order.indexOf('a'));
  });

  test('independent branches run at the same time up to the concurrency limit', async () => {
    const exec = testExecutor(() => 20);
    const sched = new Scheduler({ registry: reg, executor: new QueuedExecutor(exec, { concurrency: 2 }) });
    await sched.run(twoBranches()).done;
    expect(exec.log.maxConcurrent).toBe(2);
  });

  test('the concurrency limit is never exceeded', async () => {
    let g = emptyGraph;
    for (let i = 0; i < 12; i++) g = addNode(g, reg, { id: `n${i}`, op: 'num', params: { value: i } });
    const exec = testExecutor(() => 5);
    await new Scheduler({ registry: reg, executor: new QueuedExecutor(exec, { concurrency: 3 }) }).run(g).done;
    expect(exec.log.maxConcurrent).toBe(3);
    expect(exec.log.finished).toHaveLength(12);
  });

  test('run to a step computes only that step and its ancestors', async () => {
    const exec = testExecutor();
    const sched = new Scheduler({ registry: reg, executor: exec });
    const c = collect();
    await sched.run(twoBranches(), { targets: ['s'], onEvent: c.onEvent }).done;
    expect(exec.log.started.map((s) => s.node).sort()).toEqual(['n', 's']);
    expect(c.steps().some((e) => ['a', 'm', 't'].includes(e.node))).toBe(false);
  });

  test('steps go through queued and running before done, with progress in between', async () => {
    const sched = new Scheduler({ registry: reg, executor: testExecutor(() => 1) });
    const c = collect();
    await sched.run(twoBranches(), { targets: ['n'], onEvent: c.onEvent }).done;
    const seq = c.events.filter((e) => (e.type === 'step' || e.type === 'progress') && e.node === 'n').map((e) => (e.type === 'step' ? e.state : 'progress'));
    expect(seq).toEqual(['queued', 'running', 'progress', 'done']);
  });

  test('a stored result is served as cached without running the step', async () => {
    const store = new MemoryStore<number>({ budgetBytes: 1e6, sizeOf: () => 8 });
    const exec = testExecutor();
    const sched = new Scheduler({ registry: reg, executor: exec, store });
    await sched.run(twoBranches()).done;
    const ran = exec.log.started.length;
    const c = collect();
    await sched.run(twoBranches(), { onEvent: c.onEvent }).done;
    expect(exec.log.started.length).toBe(ran);
    expect(c.finalState('a')).toBe('cached');
    expect(c.output('a')).toBe(7);
  });

  test('results only a batch run needed are put marked batch; those an interactive run shares are not', async () => {
    const puts: { key: string; batch: boolean }[] = [];
    const store = { get: () => undefined, put: (key: string, _o: unknown, info: { batch?: boolean }) => void puts.push({ key, batch: info.batch === true }) };
    const sched = new Scheduler({ registry: reg, executor: testExecutor(), store });
    await sched.run(twoBranches(), { priority: 'batch' }).done;
    expect(puts.length).toBeGreaterThan(0);
    expect(puts.every((p) => p.batch)).toBe(true);
    puts.length = 0;
    await sched.run(twoBranches(), { priority: 'interactive' }).done;
    expect(puts.length).toBeGreaterThan(0);
    expect(puts.some((p) => p.batch)).toBe(false);
  });

  test('a cached step does not need its ancestors computed', async () => {
    const store = new MemoryStore<number>({ budgetBytes: 1e6, sizeOf: () => 8 });
    const exec = testExecutor();
    const sched = new Scheduler({ registry: reg, executor: exec, store });
    await sched.run(twoBranches(), { targets: ['a'] }).done;
    const keys = sched.run(twoBranches(), { targets: [] }).keys;
    const nKey = keys.steps.get('n')!;
    if (nKey.ok) store.delete(nKey.key);
    const c = collect();
    await sched.run(twoBranches(), { targets: ['a'], onEvent: c.onEvent }).done;
    expect(c.finalState('a')).toBe('cached');
    expect(c.steps().some((e) => e.node === 'n')).toBe(false);
  });

  test('two steps with the same key in one run compute once', async () => {
    let g = addNode(emptyGraph, reg, { id: 'x', op: 'num', params: { value: 4 } });
    g = addNode(g, reg, { id: 'y', op: 'num', params: { value: 4 } });
    const exec = testExecutor(() => 2);
    const c = collect();
    await new Scheduler({ registry: reg, executor: exec }).run(g, { onEvent: c.onEvent }).done;
    expect(exec.log.started).toHaveLength(1);
    expect(c.output('x')).toBe(4);
    expect(c.output('y')).toBe(4);
  });

  test('a bypassed step passes its input through without running', async () => {
    const exec = testExecutor();
    const c = collect();
    const g = setBypass(twoBranches(), 's', true);
    await new Scheduler({ registry: reg, executor: exec }).run(g, { onEvent: c.onEvent }).done;
    expect(exec.log.started.map((s) => s.node)).not.toContain('s');
    expect(c.output('s')).toBe(2);
    expect(c.output('a')).toBe(3);
  });

  test('a failed step marks what depends on it blocked while other branches complete', async () => {
    let g = twoBranches();
    g = addNode(g, reg, { id: 'neg', op: 'num', params: { value: -1 } });
    g = addNode(g, reg, { id: 'chk', op: 'check' });
    g = addNode(g, reg, { id: 'after', op: 'scale' });
    g = connect(g, reg, { from: { node: 'neg', port: 'out' }, to: { node: 'chk', port: 'x' } });
    g = connect(g, reg, { from: { node: 'chk', port: 'out' }, to: { node: 'after', port: 'x' } });
    const c = collect();
    const summary = await new Scheduler({ registry: reg, executor: testExecutor(() => 1) }).run(g, { onEvent: c.onEvent }).done;
    expect(summary.states.get('chk')).toBe('failed');
    expect(c.steps().find((e) => e.node === 'chk' && e.state === 'failed')?.message).toBe('negative input');
    expect(summary.states.get('after')).toBe('blocked');
    expect(c.steps().find((e) => e.node === 'after' && e.state === 'blocked')?.blockedBy).toBe('chk');
    expect(summary.states.get('a')).toBe('done');
    expect(summary.states.get('t')).toBe('done');
  });

  test('an invalid step fails with its reason and blocks its descendants', async () => {
    let g = addNode(emptyGraph, reg, { id: 's', op: 'scale' });
    g = addNode(g, reg, { id: 'a', op: 'add' });
    g = connect(g, reg, { from: { node: 's', port: 'out' }, to: { node: 'a', port: 'a' } });
    const c = collect();
    const summary = await new Scheduler({ registry: reg, executor: testExecutor() }).run(g, { onEvent: c.onEvent }).done;
    expect(summary.states.get('s')).toBe('failed');
    expect(summary.states.get('a')).toBe('blocked');
  });

  test('cancelling a run stops its running steps and drops its queued ones', async () => {
    const m = manualExecutor();
    const sched = new Scheduler({ registry: reg, executor: new QueuedExecutor(m.exec, { concurrency: 1 }) });
    const c = collect();
    const run = sched.run(twoBranches(), { onEvent: c.onEvent });
    await until(() => m.started.length === 1);
    run.cancel();
    const summary = await run.done;
    expect(summary.status).toBe('cancelled');
    expect(m.started).toHaveLength(1);
    for (const id of ['n', 's', 'a', 'm', 't']) expect(summary.states.get(id)).toBe('cancelled');
    expect(m.pending.size).toBe(1); // the manual executor saw the abort: its promise was rejected
    expect(sched.activity).toEqual({ queued: 0, running: 0 });
  });

  test('cancelling one queued step leaves the rest of the run going', async () => {
    const m = manualExecutor();
    const sched = new Scheduler({ registry: reg, executor: new QueuedExecutor(m.exec, { concurrency: 1 }) });
    const run = sched.run(twoBranches());
    await until(() => m.started.length === 1);
    const first = m.started[0]!;
    const victim = first === 'n' ? 'm' : 'n';
    run.cancelStep(victim);
    m.finish(first);
    await until(() => m.pending.size === 1 || sched.activity.running === 0);
    while (m.pending.size > 0) {
      m.finish([...m.pending.keys()][0]!);
      await tick();
      await tick();
    }
    const summary = await run.done;
    expect(m.started).not.toContain(victim);
    expect(summary.states.get(victim)).toBe('cancelled');
    expect(summary.status).toBe('done');
  });

  test('cancelling one running step aborts its executor call and cancels what depends on it', async () => {
    const m = manualExecutor();
    const sched = new Scheduler({ registry: reg, executor: new QueuedExecutor(m.exec, { concurrency: 4 }) });
    const run = sched.run(twoBranches(), { targets: ['a', 't'] });
    await until(() => m.pending.has('n') && m.pending.has('m'));
    const nSignal = m.pending.get('n')!.ctx.signal;
    run.cancelStep('n');
    expect(nSignal.aborted).toBe(true);
    m.finish('m');
    await until(() => m.pending.has('t'));
    m.finish('t');
    const summary = await run.done;
    expect(summary.states.get('n')).toBe('cancelled');
    expect(summary.states.get('s')).toBe('cancelled');
    expect(summary.states.get('a')).toBe('cancelled');
    expect(summary.states.get('t')).toBe('done');
  });

  test('a step over its time limit is stopped and marked timed out; other branches go on', async () => {
    const exec = testExecutor((t) => (t.nodeId === 'n' ? 10_000 : 1));
    const c = collect();
    const summary = await new Scheduler({ registry: reg, executor: exec }).run(twoBranches(), { timeoutMs: 30, onEvent: c.onEvent }).done;
    expect(summary.states.get('n')).toBe('timedout');
    expect(c.steps().find((e) => e.node === 'n' && e.state === 'timedout')?.message).toMatch(/time limit/);
    expect(exec.log.aborted.map((a) => a.node)).toEqual(['n']);
    expect(summary.states.get('s')).toBe('blocked');
    expect(summary.states.get('t')).toBe('done');
  });

  test('the step in focus and its ancestors run before other work', async () => {
    let g = emptyGraph;
    for (let i = 0; i < 6; i++) g = addNode(g, reg, { id: `b${i}`, op: 'num', params: { value: i } });
    g = addNode(g, reg, { id: 'f', op: 'num', params: { value: 99 } });
    g = addNode(g, reg, { id: 'fs', op: 'scale' });
    g = connect(g, reg, { from: { node: 'f', port: 'out' }, to: { node: 'fs', port: 'x' } });
    const exec = testExecutor(() => 2);
    await new Scheduler({ registry: reg, executor: new QueuedExecutor(exec, { concurrency: 1 }) }).run(g, { focus: 'fs' }).done;
    expect(exec.log.started.slice(0, 2).map((s) => s.node)).toEqual(['f', 'fs']);
  });

  test('a time limit counts from when the executor starts the step, not while it waits', async () => {
    // Six 100 ms steps one at a time: the last waits 500 ms, more than the limit, and still runs.
    let g = emptyGraph;
    for (let i = 0; i < 6; i++) g = addNode(g, reg, { id: `n${i}`, op: 'num', params: { value: i } });
    const exec = testExecutor(() => 100);
    const summary = await new Scheduler({ registry: reg, executor: new QueuedExecutor(exec, { concurrency: 1 }) }).run(g, { timeoutMs: 400 }).done;
    expect([...summary.states.values()]).toEqual(Array(6).fill('done'));
    expect(exec.log.aborted).toEqual([]);
  });

  test('steps wait in priority classes: interactive focus, then proxy, then interactive, then batch', async () => {
    let g = emptyGraph;
    for (const [id, value] of [['blk', 0], ['b', 1], ['i', 2], ['f', 3], ['p', 4]] as const) g = addNode(g, reg, { id, op: 'num', params: { value } });
    const m = manualExecutor();
    const queue = new QueuedExecutor(m.exec, { concurrency: 1 });
    const sched = new Scheduler({ registry: reg, executor: queue });
    const runs = [sched.run(g, { targets: ['blk'] })];
    await until(() => m.started.length === 1);
    runs.push(sched.run(g, { targets: ['b'], priority: 'batch' }));
    runs.push(sched.run(g, { targets: ['i', 'f'], focus: 'f' }));
    runs.push(sched.run(g, { targets: ['p'], priority: 'proxy', keys: keyGraph(g, reg, { proxy: 4096 }) }));
    await until(() => queue.activity.queued === 4);
    while (m.pending.size > 0) {
      m.finish([...m.pending.keys()][0]!);
      await until(() => m.pending.size > 0 || queue.activity.queued === 0);
    }
    await Promise.all(runs.map((r) => r.done));
    expect(m.started).toEqual(['blk', 'f', 'p', 'i', 'b']);
  });

  test('when the focus moves, a replacing run re-prioritises the waiting work it takes over', async () => {
    let g = emptyGraph;
    for (const [id, value] of [['x', 1], ['y', 2], ['z', 3]] as const) g = addNode(g, reg, { id, op: 'num', params: { value } });
    const m = manualExecutor();
    const queue = new QueuedExecutor(m.exec, { concurrency: 1 });
    const sched = new Scheduler({ registry: reg, executor: queue });
    const r1 = sched.run(g, { focus: 'x' });
    await until(() => m.started.length === 1 && queue.activity.queued === 2);
    expect(m.started).toEqual(['x']); // y and z wait, y first
    const r2 = sched.run(g, { focus: 'z', replaces: r1 });
    await tick();
    m.finish('x');
    await until(() => m.pending.size === 1);
    expect(m.started).toEqual(['x', 'z']);
    m.finish('z');
    await until(() => m.pending.has('y'));
    m.finish('y');
    const summary = await r2.done;
    expect([...summary.states.values()]).toEqual(['done', 'done', 'done']);
  });

  test('a run that replaces another takes over the work both need and cancels the rest', async () => {
    const m = manualExecutor();
    const sched = new Scheduler({ registry: reg, executor: new QueuedExecutor(m.exec, { concurrency: 4 }) });
    const g1 = twoBranches();
    const r1 = sched.run(g1, { targets: ['a', 't'] });
    await until(() => m.pending.has('n') && m.pending.has('m'));
    const nSignal = m.pending.get('n')!.ctx.signal;
    const mSignal = m.pending.get('m')!.ctx.signal;
    // The new graph no longer needs m's branch.
    const c = collect();
    const r2 = sched.run(g1, { targets: ['a'], replaces: r1, onEvent: c.onEvent });
    expect(nSignal.aborted).toBe(false);
    expect(mSignal.aborted).toBe(true);
    m.finish('n');
    await until(() => m.pending.has('s'));
    m.finish('s');
    await until(() => m.pending.has('a'));
    m.finish('a');
    await r2.done;
    expect((await r1.done).status).toBe('cancelled');
    expect(c.output('a')).toBe(7);
    expect(m.started.filter((s) => s === 'n')).toHaveLength(1);
  });

  test('an executor that throws synchronously fails the step instead of the run', async () => {
    const exec: Executor<number> = {
      run() {
        throw new Error('boom');
      },
    };
    const summary = await new Scheduler({ registry: reg, executor: exec }).run(twoBranches(), { targets: ['n'] }).done;
    expect(summary.states.get('n')).toBe('failed');
  });

  test('a cache that throws on read is treated as a miss', async () => {
    const exec = testExecutor();
    const store = { get: () => Promise.reject(new Error('disk on fire')), put: () => {} };
    const summary = await new Scheduler({ registry: reg, executor: exec, store }).run(twoBranches(), { targets: ['n'] }).done;
    expect(summary.states.get('n')).toBe('done');
  });
});

describe('proxy runs', () => {
  test('a run keyed for proxies hands the proxy level to the executor and marks what it stores', async () => {
    const puts: { key: string; proxy: boolean }[] = [];
    const store = {
      get: () => undefined,
      put: (key: string, _o: Outputs<number>, info: { proxy?: boolean }) => void puts.push({ key, proxy: !!info.proxy }),
    };
    const exec = testExecutor();
    const scheduler = new Scheduler({ registry: reg, executor: exec, store });
    const g = twoBranches();
    await scheduler.run(g, { keys: keyGraph(g, reg, { proxy: 4096 }), targets: ['a'] }).done;
    await scheduler.run(g, { targets: ['a'] }).done;
    expect(exec.log.started.map((s) => s.proxy)).toEqual([true, true, true, false, false, false]);
    expect(puts.map((p) => p.proxy)).toEqual([true, true, true, false, false, false]);
    expect(new Set(puts.map((p) => p.key)).size).toBe(6);
  });

  test('a proxy run\'s targets and a run\'s focus ask for a display bitmap with their result, not their ancestors nor a full run\'s targets', async () => {
    const exec = testExecutor();
    const scheduler = new Scheduler({ registry: reg, executor: exec });
    const g = twoBranches();
    await scheduler.run(g, { keys: keyGraph(g, reg, { proxy: 4096 }), targets: ['a'] }).done;
    const proxyRun = exec.log.started.filter((s) => s.proxy);
    expect(proxyRun.length).toBeGreaterThan(1);
    expect(proxyRun.filter((s) => s.display).map((s) => s.node)).toEqual(['a']);
    await scheduler.run(g, { targets: ['a'] }).done;
    expect(exec.log.started.filter((s) => !s.proxy).some((s) => s.display)).toBe(false);
    // the focus (the step in the viewer) is shown the moment it is made, at full resolution too
    const exec2 = testExecutor();
    await new Scheduler({ registry: reg, executor: exec2 }).run(g, { focus: 'a' }).done;
    expect(exec2.log.started.length).toBeGreaterThan(1);
    expect(exec2.log.started.filter((s) => s.display).map((s) => s.node)).toEqual(['a']);
  });
});

describe('light targets (a reload shows stored results without reading their pixels)', () => {
  /** The graph computed once into a store, then a fresh scheduler on the same store as after a reload. */
  async function reloaded() {
    const store = diskStore();
    const g = twoBranches();
    await new Scheduler({ registry: reg, executor: testExecutor(), store }).run(g).done;
    store.reload();
    const exec = testExecutor();
    return { store, g, exec, scheduler: new Scheduler({ registry: reg, executor: exec, store }) };
  }
  const keyOf = (g: Graph, id: string) => (keyGraph(g, reg).steps.get(id) as { key: string }).key;

  test('a target only shown is peeked at, not read; one the user looks at is read', async () => {
    const { store, g, exec, scheduler } = await reloaded();
    const events: StepEvent<number>[] = [];
    await scheduler.run(g, { light: ['n', 's', 'm', 't'], onEvent: (e) => void (e.type === 'step' && events.push(e)) }).done;
    expect(exec.log.started).toHaveLength(0);
    expect(store.reads).toEqual([keyOf(g, 'a')]);
    expect(new Set(store.peeks)).toEqual(new Set(['n', 's', 'm', 't'].map((id) => keyOf(g, id))));
    const last = (id: string) => events.filter((e) => e.node === id).at(-1)!;
    expect(last('n')).toMatchObject({ state: 'cached', light: true, outputs: { out: -1 } });
    expect(last('a')).toMatchObject({ state: 'cached', outputs: { out: 7 } });
    expect(last('a').light).toBeUndefined();
  });

  test('a light target that a step to compute needs is read in full all the same', async () => {
    const { store, g, exec, scheduler } = await reloaded();
    // a's parameter changed: a computes from s, which must be read whole.
    const g2 = { ...g, nodes: g.nodes.map((n) => (n.id === 'a' ? { ...n, params: { k: 10 } } : n)) };
    const events: StepEvent<number>[] = [];
    await scheduler.run(g2, { light: ['n', 's', 'm', 't'], onEvent: (e) => void (e.type === 'step' && events.push(e)) }).done;
    expect(exec.log.started.map((s) => s.node)).toEqual(['a']);
    expect(store.reads).toContain(keyOf(g2, 's'));
    expect(events.filter((e) => e.node === 'a').at(-1)).toMatchObject({ state: 'done', outputs: { out: 16 } });
    // s's last word is its whole result, whatever order the peek and the read came in.
    const s = events.filter((e) => e.node === 's' && e.state === 'cached');
    expect(s.some((e) => !e.light && e.outputs?.out === 6)).toBe(true);
  });

  test('a result still in memory is served whole, and a proxy run never peeks', async () => {
    const { store, g, scheduler } = await reloaded();
    await scheduler.run(g, { targets: ['s'] }).done; // s (and n) read into memory
    const before = store.peeks.length;
    const events: StepEvent<number>[] = [];
    await scheduler.run(g, { targets: ['s'], light: ['s'], onEvent: (e) => void (e.type === 'step' && events.push(e)) }).done;
    expect(events.at(-1)).toMatchObject({ node: 's', state: 'cached', outputs: { out: 6 } });
    expect(events.at(-1)!.light).toBeUndefined();
    await scheduler.run(g, { keys: keyGraph(g, reg, { proxy: 4096 }), targets: ['t'], light: ['t'] }).done;
    expect(store.peeks.length).toBe(before);
  });
});
