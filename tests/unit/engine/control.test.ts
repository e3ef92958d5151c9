// Control flow in the engine: a switch decides before it schedules (only the picked input runs,
// the other shows skipped, its key is (condition value, picked key)); a repeat runs its body one
// iteration at a time, keyed so that a larger N reuses earlier iterations, and stops at its limit
// or when cancelled.
import { describe, expect, test } from 'vitest';
import { addNode, connect, emptyGraph, setParam, type Graph } from '../../../src/engine/graph';
import { keyGraph, stepKey, type KeyedStep } from '../../../src/engine/keys';
import { Scheduler, type SchedulerEvent, type StepEvent } from '../../../src/engine/scheduler';
import { MemoryStore } from '../../../src/engine/memory-store';
import { LiveController } from '../../../src/engine/live';
import type { ExecContext, Executor, Outputs, StepTask } from '../../../src/engine/types';
import { deferred, evaluate, switchOp, testExecutor, testRegistry as reg } from './fixtures';

const edge = (g: Graph, from: string, fromPort: string, to: string, toPort: string) =>
  connect(g, reg, { from: { node: from, port: fromPort }, to: { node: to, port: toPort } });

/**
 * c(cond) → sw.condition; x(10) → ka(+1) → sw.a; y(20) → kb(+2) → sw.b; sw → out(×2).
 * The condition picks A when it is above 128 (the default threshold).
 */
function switchGraph(cond: number, extra: Record<string, number> = {}): Graph {
  let g = addNode(emptyGraph, reg, { id: 'c', op: 'num', params: { value: cond } });
  g = addNode(g, reg, { id: 'x', op: 'num', params: { value: 10 } });
  g = addNode(g, reg, { id: 'ka', op: 'add', params: { k: 1 } });
  g = addNode(g, reg, { id: 'y', op: 'num', params: { value: 20 } });
  g = addNode(g, reg, { id: 'kb', op: 'add', params: { k: extra.kb ?? 2 } });
  g = addNode(g, reg, { id: 'sw', op: 'switch', params: {} });
  g = addNode(g, reg, { id: 'out', op: 'scale', params: { factor: 2 } });
  g = edge(g, 'x', 'out', 'ka', 'a');
  g = edge(g, 'y', 'out', 'kb', 'a');
  g = edge(g, 'ka', 'out', 'sw', 'a');
  g = edge(g, 'kb', 'out', 'sw', 'b');
  g = edge(g, 'c', 'out', 'sw', 'condition');
  g = edge(g, 'sw', 'out', 'out', 'x');
  return g;
}

function collect() {
  const events: SchedulerEvent<number>[] = [];
  const steps = () => events.filter((e): e is StepEvent<number> => e.type === 'step');
  return {
    events,
    onEvent: (e: SchedulerEvent<number>) => events.push(e),
    last: (node: string) => steps().filter((e) => e.node === node).at(-1),
    progress: (node: string) => events.filter((e) => e.type === 'progress' && e.node === node).map((e) => (e as { progress: number }).progress),
  };
}

describe('switch', () => {
  test('the input not picked is never executed and shows skipped', async () => {
    const exec = testExecutor();
    const sched = new Scheduler({ registry: reg, executor: exec });
    const c = collect();
    const summary = await sched.run(switchGraph(200), { onEvent: c.onEvent }).done;
    expect(summary.status).toBe('done');
    expect(c.last('out')?.outputs?.out).toBe(22);
    const ran = exec.log.started.map((s) => s.node);
    expect(ran).toContain('ka');
    expect(ran).not.toContain('kb');
    expect(ran).not.toContain('y');
    expect(c.last('kb')?.state).toBe('skipped');
    expect(c.last('y')?.state).toBe('skipped');
    expect(c.last('sw')?.message).toBe('Picked A (condition 200)');
  });

  test('the condition is computed before either input is scheduled', async () => {
    const order: string[] = [];
    const exec = testExecutor();
    const inner = exec.run.bind(exec);
    exec.run = (task, ctx) => {
      order.push(task.nodeId);
      return inner(task, ctx);
    };
    const sched = new Scheduler({ registry: reg, executor: exec });
    await sched.run(switchGraph(50)).done;
    expect(order.indexOf('c')).toBeLessThan(order.indexOf('kb'));
    expect(order).not.toContain('ka');
  });

  test("its key is (condition value, picked input's key): editing the other input changes nothing below", async () => {
    const sched = new Scheduler({ registry: reg, executor: testExecutor() });
    await sched.run(switchGraph(200)).done;
    const k1 = keyGraph(switchGraph(200), reg, { conditions: sched.conditions });
    const k2 = keyGraph(switchGraph(200, { kb: 7 }), reg, { conditions: sched.conditions });
    const sw = k1.steps.get('sw') as KeyedStep;
    expect(sw.ok).toBe(true);
    const ka = k1.steps.get('ka') as KeyedStep;
    expect(sw.key).toBe(stepKey(switchOp, { condition: 200 }, [ka.outputs.get('out')!]));
    expect(k2.steps.get('sw')).toMatchObject({ key: sw.key });
    expect((k2.steps.get('out') as KeyedStep).key).toBe((k1.steps.get('out') as KeyedStep).key);
    // another condition value that picks the same input is another key
    const k3 = keyGraph(switchGraph(201), reg, { conditions: new Map([[(keyGraph(switchGraph(201), reg).steps.get('c') as KeyedStep).outputs.get('out')!, 201]]) });
    expect((k3.steps.get('sw') as KeyedStep).key).not.toBe(sw.key);
  });

  test('until its condition is known, the switch and what follows wait, and its inputs wait with it', () => {
    const keys = keyGraph(switchGraph(200), reg);
    expect(keys.steps.get('sw')).toMatchObject({ ok: false, pending: 'sw' });
    expect(keys.steps.get('out')).toMatchObject({ ok: false, pending: 'sw' });
    expect(keys.conditions.get('sw')?.from).toEqual({ node: 'c', port: 'out' });
    expect([...keys.waitsOn.keys()].sort()).toEqual(['ka', 'kb', 'out', 'sw', 'x', 'y']);
    expect(keys.skipped.size).toBe(0);
  });

  test('a parameter condition decides at keying time', () => {
    let g = addNode(emptyGraph, reg, { id: 'x', op: 'num', params: { value: 1 } });
    g = addNode(g, reg, { id: 'y', op: 'num', params: { value: 2 } });
    g = addNode(g, reg, { id: 'sw', op: 'switch', params: { value: 5, threshold: 10, compare: 'lt' } });
    g = edge(g, 'x', 'out', 'sw', 'a');
    g = edge(g, 'y', 'out', 'sw', 'b');
    const keys = keyGraph(g, reg);
    expect(keys.steps.get('sw')).toMatchObject({ ok: true, choice: { value: 5, port: 'a' } });
    expect([...keys.skipped]).toEqual(['y']);
  });

  test('a step that also feeds something else still runs', async () => {
    let g = switchGraph(200);
    g = addNode(g, reg, { id: 'side', op: 'scale', params: { factor: 3 } });
    g = edge(g, 'kb', 'out', 'side', 'x');
    const exec = testExecutor();
    const c = collect();
    await new Scheduler({ registry: reg, executor: exec }).run(g, { onEvent: c.onEvent }).done;
    expect(c.last('kb')?.state).toBe('done');
    expect(c.last('side')?.outputs?.out).toBe(66);
  });

  test('a switch inside an input not picked never computes its condition', async () => {
    // outer picks A by its Value; inner sits on B with a condition from c
    let g = addNode(emptyGraph, reg, { id: 'x', op: 'num', params: { value: 1 } });
    g = addNode(g, reg, { id: 'y', op: 'num', params: { value: 2 } });
    g = addNode(g, reg, { id: 'c', op: 'num', params: { value: 500 } });
    g = addNode(g, reg, { id: 'inner', op: 'switch', params: {} });
    g = addNode(g, reg, { id: 'outer', op: 'switch', params: { value: 200 } });
    g = edge(g, 'y', 'out', 'inner', 'a');
    g = edge(g, 'y', 'out', 'inner', 'b');
    g = edge(g, 'c', 'out', 'inner', 'condition');
    g = edge(g, 'x', 'out', 'outer', 'a');
    g = edge(g, 'inner', 'out', 'outer', 'b');
    const exec = testExecutor();
    const c = collect();
    await new Scheduler({ registry: reg, executor: exec }).run(g, { onEvent: c.onEvent }).done;
    expect(c.last('outer')?.outputs?.out).toBe(1);
    expect(exec.log.started.map((s) => s.node)).toEqual(['x']);
    for (const n of ['inner', 'c', 'y']) expect(c.last(n)?.state).toBe('skipped');
  });

  test('a condition that also feeds the switch it decides, below another switch, resolves outermost first', async () => {
    // outer's condition (n = 200) picks A = inner; inner's condition and its A both come from x2
    let g = addNode(emptyGraph, reg, { id: 'n', op: 'num', params: { value: 200 } });
    g = addNode(g, reg, { id: 'x', op: 'num', params: { value: 150 } });
    g = addNode(g, reg, { id: 'x2', op: 'add', params: { k: 1 } });
    g = addNode(g, reg, { id: 'y', op: 'num', params: { value: 2 } });
    g = addNode(g, reg, { id: 'inner', op: 'switch', params: {} });
    g = addNode(g, reg, { id: 'outer', op: 'switch', params: {} });
    g = edge(g, 'x', 'out', 'x2', 'a');
    g = edge(g, 'x2', 'out', 'inner', 'condition');
    g = edge(g, 'x2', 'out', 'inner', 'a');
    g = edge(g, 'y', 'out', 'inner', 'b');
    g = edge(g, 'n', 'out', 'outer', 'condition');
    g = edge(g, 'inner', 'out', 'outer', 'a');
    g = edge(g, 'y', 'out', 'outer', 'b');
    const keys = keyGraph(g, reg);
    expect(keys.waitsOn.get('x2')).toBe('outer');
    const c = collect();
    const summary = await new Scheduler({ registry: reg, executor: testExecutor() }).run(g, { onEvent: c.onEvent }).done;
    expect(summary.status).toBe('done');
    expect(c.last('outer')?.outputs?.out).toBe(151);
    expect(c.last('y')?.state).toBe('skipped');
  });

  test('a condition that cannot be computed blocks what only feeds its switch', async () => {
    let g = switchGraph(200);
    g = addNode(g, reg, { id: 'neg', op: 'check', params: {} });
    g = addNode(g, reg, { id: 'm', op: 'num', params: { value: -1 } });
    g = edge(g, 'm', 'out', 'neg', 'x');
    g = edge(g, 'neg', 'out', 'sw', 'condition');
    const exec = testExecutor();
    const c = collect();
    await new Scheduler({ registry: reg, executor: exec }).run(g, { onEvent: c.onEvent }).done;
    expect(c.last('sw')?.state).toBe('blocked');
    expect(c.last('ka')).toMatchObject({ state: 'blocked', blockedBy: 'neg' });
    expect(c.last('out')?.state).toBe('blocked');
    expect(exec.log.started.map((s) => s.node)).not.toContain('ka');
  });

  test('a condition within 1 % of the threshold gives a warning on the switch', async () => {
    const c = collect();
    await new Scheduler({ registry: reg, executor: testExecutor() }).run(switchGraph(127), { onEvent: c.onEvent }).done;
    expect(c.last('sw')?.state).toBe('done');
    expect(c.last('sw')?.warning).toMatch(/within 1 % of the threshold \(128\)/);
    const far = collect();
    await new Scheduler({ registry: reg, executor: testExecutor() }).run(switchGraph(100), { onEvent: far.onEvent }).done;
    expect(far.last('sw')?.warning).toBeUndefined();
  });

  test('a proxy picks the input the full-resolution condition picks, and waits for it when unknown', async () => {
    // At proxy resolution the fixture's sources give +0.25: 127.9 becomes 128.15, above the threshold.
    const g = switchGraph(127.9);
    const sched = new Scheduler({ registry: reg, executor: testExecutor() });
    const early = collect();
    await sched.run(g, { keys: keyGraph(g, reg, { proxy: 1000, conditions: sched.conditions }), onEvent: early.onEvent }).done;
    expect(early.last('out')?.outputs).toBeUndefined();
    await sched.run(g).done;
    const proxyKeys = keyGraph(g, reg, { proxy: 1000, conditions: sched.conditions });
    expect(proxyKeys.steps.get('sw')).toMatchObject({ ok: true, choice: { port: 'b' } });
    const c = collect();
    await sched.run(g, { keys: proxyKeys, priority: 'proxy', onEvent: c.onEvent }).done;
    expect(c.last('out')?.outputs?.out).toBe((20.25 + 2) * 2);
  });

  test('the live controller publishes below a switch once its condition is known, under the new keys', async () => {
    const sched = new Scheduler({ registry: reg, executor: testExecutor() });
    const live = new LiveController({ scheduler: sched, debounceMs: 0 });
    live.setGraph(switchGraph(200), { immediate: true });
    expect(live.keyOf('out')).toBeNull();
    await live.whenIdle();
    expect(live.keyOf('out')).not.toBeNull();
    expect(live.result('out')?.outputs.out).toBe(22);
    expect(live.view('kb').state).toBe('skipped');
    expect(live.view('sw').state).toBe('done');
    // flipping the condition: the other branch runs now
    live.setGraph(setParam(switchGraph(200), reg, 'c', 'value', 3), { immediate: true });
    await live.whenIdle();
    expect(live.result('out')?.outputs.out).toBe(44);
    expect(live.view('ka').state).toBe('skipped');
  });
});

/** start(value) → rep.image; start → body chain → rep.body; rep → after(+0). */
function repeatGraph(start: number, params: Record<string, number | string>, body: 'scale' | 'two' = 'scale', factor = 2): Graph {
  let g = addNode(emptyGraph, reg, { id: 'src', op: 'num', params: { value: start } });
  g = addNode(g, reg, { id: 'b1', op: 'scale', params: { factor } });
  g = addNode(g, reg, { id: 'rep', op: 'repeat', params });
  g = addNode(g, reg, { id: 'after', op: 'add', params: { k: 0 } });
  g = edge(g, 'src', 'out', 'b1', 'x');
  g = edge(g, 'src', 'out', 'rep', 'image');
  if (body === 'two') {
    // b2 = b1 + k, with a side input from outside the body
    g = addNode(g, reg, { id: 'side', op: 'num', params: { value: 1 } });
    g = addNode(g, reg, { id: 'b2', op: 'add', params: { k: 0 } });
    g = edge(g, 'b1', 'out', 'b2', 'a');
    g = edge(g, 'side', 'out', 'b2', 'b');
    g = edge(g, 'b2', 'out', 'rep', 'body');
  } else {
    g = edge(g, 'b1', 'out', 'rep', 'body');
  }
  g = edge(g, 'rep', 'image', 'after', 'a');
  return g;
}

describe('repeat', () => {
  test('count mode applies the body N times', async () => {
    const exec = testExecutor();
    const c = collect();
    await new Scheduler({ registry: reg, executor: exec }).run(repeatGraph(1, { mode: 'count', count: 4 }), { onEvent: c.onEvent }).done;
    expect(c.last('rep')?.outputs?.image).toBe(16);
    expect(c.last('after')?.outputs?.out).toBe(16);
    expect(c.last('rep')?.message).toBe('Ran 4 iterations');
    expect(exec.log.finished.filter((f) => f.node === 'b1')).toHaveLength(4);
    // the body step itself shows iteration 1
    expect(c.last('b1')?.outputs?.out).toBe(2);
  });

  test('a body of several steps with an input from outside the body', async () => {
    const c = collect();
    await new Scheduler({ registry: reg, executor: testExecutor() }).run(repeatGraph(1, { mode: 'count', count: 3 }, 'two'), { onEvent: c.onEvent }).done;
    // x → 2x + 1, three times from 1: 3, 7, 15
    expect(c.last('rep')?.outputs?.image).toBe(15);
  });

  test('progress is reported per iteration and reaches 1', async () => {
    const c = collect();
    await new Scheduler({ registry: reg, executor: testExecutor() }).run(repeatGraph(1, { mode: 'count', count: 4 }), { onEvent: c.onEvent }).done;
    const p = c.progress('rep');
    for (const f of [0.25, 0.5, 0.75, 1]) expect(p).toContain(f);
    expect([...p].sort((a, b) => a - b)).toEqual(p);
  });

  test('raising N reuses the earlier iterations from the cache', async () => {
    const exec = testExecutor();
    const store = new MemoryStore<number>({ budgetBytes: 1 << 20, sizeOf: () => 8 });
    const sched = new Scheduler({ registry: reg, executor: exec, store });
    await sched.run(repeatGraph(1, { mode: 'count', count: 3 })).done;
    expect(exec.log.finished.filter((f) => f.node === 'b1')).toHaveLength(3);
    const c = collect();
    await sched.run(repeatGraph(1, { mode: 'count', count: 5 }), { onEvent: c.onEvent }).done;
    expect(c.last('rep')?.outputs?.image).toBe(32);
    expect(exec.log.finished.filter((f) => f.node === 'b1')).toHaveLength(5);
  });

  test("its key depends on the body, the initial key and only the parameters its mode uses", () => {
    const key = (g: Graph) => (keyGraph(g, reg).steps.get('rep') as KeyedStep).key;
    const base = key(repeatGraph(1, { mode: 'count', count: 3 }));
    expect(key(repeatGraph(1, { mode: 'count', count: 3, epsilon: 2, maxIterations: 9 }))).toBe(base);
    expect(key(repeatGraph(1, { mode: 'count', count: 4 }))).not.toBe(base);
    expect(key(repeatGraph(2, { mode: 'count', count: 3 }))).not.toBe(base);
    expect(key(repeatGraph(1, { mode: 'count', count: 3 }, 'scale', 3))).not.toBe(base);
    const conv = key(repeatGraph(1, { mode: 'converge', epsilon: 1 }));
    expect(key(repeatGraph(1, { mode: 'converge', epsilon: 1, count: 7 }))).toBe(conv);
    expect(key(repeatGraph(1, { mode: 'converge', epsilon: 2 }))).not.toBe(conv);
    expect(key(repeatGraph(1, { mode: 'converge', epsilon: 1, maxIterations: 5 }))).not.toBe(conv);
  });

  test('converge mode stops when an iteration changes the value by less than ε', async () => {
    const c = collect();
    const g = repeatGraph(64, { mode: 'converge', epsilon: 1, maxIterations: 20 }, 'scale', 0.5);
    await new Scheduler({ registry: reg, executor: testExecutor() }).run(g, { onEvent: c.onEvent }).done;
    // 32, 16, 8, 4, 2, 1, 0.5: the change 1 → 0.5 is the first below 1 (three iterations end on 16 → 8)
    expect(c.last('rep')?.outputs?.image).toBe(0.5);
    expect(c.last('rep')?.message).toBe('Converged after 7 iterations (mean |Δ| 0.5)');
  });

  test('not converging within the limit fails the step with a clear message', async () => {
    const c = collect();
    const g = repeatGraph(64, { mode: 'converge', epsilon: 1, maxIterations: 3 }, 'scale', 0.5);
    await new Scheduler({ registry: reg, executor: testExecutor() }).run(g, { onEvent: c.onEvent }).done;
    expect(c.last('rep')?.state).toBe('failed');
    expect(c.last('rep')?.message).toBe('Did not converge within 3 iterations: the last one still changed the image by 8 (mean |Δ|), above ε 1. Raise Max iterations or ε.');
    expect(c.last('after')?.state).toBe('blocked');
  });

  test('N above the limit fails without running', async () => {
    const exec = testExecutor();
    const c = collect();
    await new Scheduler({ registry: reg, executor: exec }).run(repeatGraph(1, { mode: 'count', count: 30, maxIterations: 10 }), { onEvent: c.onEvent }).done;
    expect(c.last('rep')?.state).toBe('failed');
    expect(c.last('rep')?.message).toMatch(/N \(30\) is more than Max iterations \(10\)/);
    expect(exec.log.finished.filter((f) => f.node === 'b1')).toHaveLength(1);
  });

  test('a body that does not start at the Image input is refused', () => {
    let g = repeatGraph(1, { mode: 'count', count: 2 });
    g = addNode(g, reg, { id: 'other', op: 'num', params: { value: 3 } });
    g = edge(g, 'other', 'out', 'b1', 'x');
    expect(keyGraph(g, reg).steps.get('rep')).toMatchObject({ ok: false, message: expect.stringMatching(/must come from steps that start at the Image input/) });
  });

  test('cancelling stops between iterations: no further iteration starts', async () => {
    const pending: { task: StepTask<number>; ctx: ExecContext; d: ReturnType<typeof deferred<Outputs<number>>> }[] = [];
    const exec: Executor<number> = {
      run(task, ctx) {
        const d = deferred<Outputs<number>>();
        pending.push({ task, ctx, d });
        ctx.started();
        ctx.signal.addEventListener('abort', () => d.reject(ctx.signal.reason), { once: true });
        return d.promise;
      },
    };
    const finishNext = async () => {
      for (let i = 0; i < 100 && pending.length === 0; i++) await new Promise((r) => setTimeout(r, 0));
      const p = pending.shift()!;
      p.d.resolve(evaluate(p.task.op.id, p.task.params as Record<string, unknown>, p.task.inputs as Record<string, number>));
      return p.task.nodeId;
    };
    const c = collect();
    const run = new Scheduler({ registry: reg, executor: exec }).run(repeatGraph(1, { mode: 'count', count: 5 }), { onEvent: c.onEvent });
    expect(await finishNext()).toBe('src');
    expect(await finishNext()).toBe('b1'); // iteration 1
    expect(await finishNext()).toBe('b1'); // iteration 2
    for (let i = 0; i < 100 && pending.length === 0; i++) await new Promise((r) => setTimeout(r, 0));
    expect(pending).toHaveLength(1); // iteration 3 started
    run.cancel();
    const summary = await run.done;
    expect(summary.status).toBe('cancelled');
    expect(c.last('rep')?.state).toBe('cancelled');
    expect(c.last('rep')?.message).toMatch(/after 2 of 5 iterations/);
    expect(pending[0]!.ctx.signal.aborted).toBe(true);
    await new Promise((r) => setTimeout(r, 5));
    expect(pending).toHaveLength(1);
  });

  test('an unrelated edit during a repeat takes over its iteration in flight instead of restarting it', async () => {
    const exec = testExecutor((t) => (t.nodeId === 'b1' ? 15 : 0));
    const store = new MemoryStore<number>({ budgetBytes: 1 << 20, sizeOf: () => 8 });
    const sched = new Scheduler({ registry: reg, executor: exec, store });
    const live = new LiveController({ scheduler: sched, debounceMs: 0 });
    const g = repeatGraph(1, { mode: 'count', count: 4 });
    live.setGraph(g, { immediate: true });
    for (let i = 0; i < 500 && exec.log.started.filter((s) => s.node === 'b1').length < 3; i++) await new Promise((r) => setTimeout(r, 1));
    live.setGraph(addNode(g, reg, { id: 'other', op: 'num', params: { value: 5 } }), { immediate: true });
    await live.whenIdle();
    expect(live.result('rep')?.outputs.image).toBe(16);
    expect(exec.log.aborted).toEqual([]);
    expect(exec.log.finished.filter((f) => f.node === 'b1')).toHaveLength(4);
  });

  test('cancelling the repeat step alone stops its iteration in flight', async () => {
    const exec = testExecutor((t) => (t.nodeId === 'b1' ? 30 : 0));
    const c = collect();
    const run = new Scheduler({ registry: reg, executor: exec }).run(repeatGraph(1, { mode: 'count', count: 5 }), { onEvent: c.onEvent });
    for (let i = 0; i < 200 && exec.log.started.filter((s) => s.node === 'b1').length < 2; i++) await new Promise((r) => setTimeout(r, 2));
    run.cancelStep('rep');
    await run.done;
    expect(c.last('rep')?.state).toBe('cancelled');
    expect(exec.log.aborted.some((a) => a.node === 'b1')).toBe(true);
    expect(exec.log.finished.filter((f) => f.node === 'b1').length).toBeLessThan(5);
  });
});
