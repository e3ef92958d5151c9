// A small numeric operation set and an in-process executor for engine tests. Values are numbers,
// so expected results can be computed by hand or from scratch.
import { registryOf, type OpDecl } from '../../../src/engine/op';
import { REPEAT_PARAMS, SWITCH_PARAMS } from '../../../src/engine/control';
import type { Executor, ExecContext, Outputs, StepTask } from '../../../src/engine/types';

export const numOp: OpDecl = {
  id: 'num',
  version: 1,
  title: 'Number',
  category: 'source',
  description: 'A constant',
  inputs: [],
  outputs: [{ name: 'out', type: 'number' }],
  params: { value: { kind: 'number', label: 'Value', default: 0, min: -1000, max: 1000 } },
};

export const addOp: OpDecl = {
  id: 'add',
  version: 1,
  title: 'Add',
  category: 'utility',
  description: 'a + b + k',
  inputs: [
    { name: 'a', type: 'number' },
    { name: 'b', type: 'number', optional: true },
  ],
  outputs: [{ name: 'out', type: 'number' }],
  params: { k: { kind: 'number', label: 'K', default: 0, min: -100, max: 100 } },
};

export const scaleOp: OpDecl = {
  id: 'scale',
  version: 1,
  title: 'Scale',
  category: 'utility',
  description: 'x * factor',
  inputs: [{ name: 'x', type: 'number' }],
  outputs: [{ name: 'out', type: 'number' }],
  params: {
    factor: { kind: 'number', label: 'Factor', default: 1, min: -10, max: 10, step: 0.5 },
    mode: { kind: 'select', label: 'Mode', default: 'plain', options: [{ value: 'plain', label: 'Plain' }, { value: 'neg', label: 'Negate' }] },
  },
};

/** Fails when its input is negative: for failure and blocking tests. */
export const checkOp: OpDecl = {
  id: 'check',
  version: 1,
  title: 'Check',
  category: 'utility',
  description: 'Fails on negative input',
  inputs: [{ name: 'x', type: 'number' }],
  outputs: [{ name: 'out', type: 'number' }],
  params: {},
};

/** Two outputs, for port-level keys. */
export const splitOp: OpDecl = {
  id: 'split',
  version: 1,
  title: 'Split',
  category: 'utility',
  description: 'x → (x, -x)',
  inputs: [{ name: 'x', type: 'number' }],
  outputs: [
    { name: 'pos', type: 'number' },
    { name: 'neg', type: 'number' },
  ],
  params: {},
};

/** A port of another type, for type-mismatch tests. */
export const histOp: OpDecl = {
  id: 'hist',
  version: 1,
  title: 'Histogram',
  category: 'analyze',
  description: 'takes a histogram',
  inputs: [{ name: 'h', type: 'histogram' }],
  outputs: [{ name: 'out', type: 'number' }],
  params: {},
};

/** Switch over numbers: the same control declaration as src/ops/switch, with number ports. */
export const switchOp: OpDecl = {
  id: 'switch',
  version: 1,
  title: 'Switch',
  category: 'utility',
  description: 'a or b by a condition',
  inputs: [
    { name: 'a', type: 'number' },
    { name: 'b', type: 'number' },
    { name: 'condition', type: 'number', optional: true },
  ],
  outputs: [{ name: 'out', type: 'number' }],
  params: SWITCH_PARAMS,
  control: { kind: 'switch' },
};

/** Repeat over numbers; measures change with absdiff. */
export const repeatOp: OpDecl = {
  id: 'repeat',
  version: 1,
  title: 'Repeat',
  category: 'utility',
  description: 'repeats its body',
  inputs: [
    { name: 'image', type: 'number' },
    { name: 'body', type: 'number' },
  ],
  outputs: [{ name: 'image', type: 'number' }],
  params: REPEAT_PARAMS,
  control: { kind: 'repeat', metric: 'absdiff' },
};

export const absdiffOp: OpDecl = {
  id: 'absdiff',
  version: 1,
  title: 'Difference',
  category: 'analyze',
  description: '|a − b|',
  inputs: [
    { name: 'a', type: 'number' },
    { name: 'b', type: 'number' },
  ],
  outputs: [{ name: 'mean', type: 'number' }],
  params: {},
};

export const testRegistry = registryOf([numOp, addOp, scaleOp, checkOp, splitOp, histOp, switchOp, repeatOp, absdiffOp]);

/**
 * The pure meaning of each test op, shared by the executor and the from-scratch evaluator. At
 * proxy resolution a source gives a slightly different value (as a reduced image differs from the
 * full one), so a proxy result can be told from a full one downstream.
 */
export const PROXY_OFFSET = 0.25;

export function evaluate(opId: string, params: Record<string, unknown>, inputs: Record<string, number | undefined>, proxy = false): Record<string, number> {
  switch (opId) {
    case 'num':
      return { out: (params.value as number) + (proxy ? PROXY_OFFSET : 0) };
    case 'add':
      return { out: (inputs.a ?? 0) + (inputs.b ?? 0) + (params.k as number) };
    case 'scale': {
      const v = (inputs.x ?? 0) * (params.factor as number);
      return { out: params.mode === 'neg' ? -v : v };
    }
    case 'check':
      if ((inputs.x ?? 0) < 0) throw new Error('negative input');
      return { out: inputs.x ?? 0 };
    case 'split':
      return { pos: inputs.x ?? 0, neg: -(inputs.x ?? 0) };
    case 'absdiff':
      return { mean: Math.abs((inputs.a ?? 0) - (inputs.b ?? 0)) };
    default:
      throw new Error(`no such op ${opId}`);
  }
}

export interface ExecutorLog {
  started: { node: string; key: string; at: number; proxy: boolean; display: boolean }[];
  finished: { node: string; key: string }[];
  aborted: { node: string; key: string }[];
  maxConcurrent: number;
}

/**
 * Runs test ops in-process after a delay chosen per task. Honours the abort signal like a
 * well-behaved worker would: the delay is cut short and the promise rejects with the reason.
 */
export function testExecutor(delay: (task: StepTask<number>) => number = () => 0): Executor<number> & { log: ExecutorLog } {
  const log: ExecutorLog = { started: [], finished: [], aborted: [], maxConcurrent: 0 };
  let running = 0;
  return {
    log,
    run(task: StepTask<number>, ctx: ExecContext): Promise<Outputs<number>> {
      ctx.started();
      running++;
      log.maxConcurrent = Math.max(log.maxConcurrent, running);
      log.started.push({ node: task.nodeId, key: task.key, at: Date.now(), proxy: !!task.proxy, display: !!task.display });
      return new Promise<Outputs<number>>((resolve, reject) => {
        const finish = () => {
          running--;
          ctx.signal.removeEventListener('abort', onAbort);
        };
        const onAbort = () => {
          clearTimeout(timer as never);
          finish();
          log.aborted.push({ node: task.nodeId, key: task.key });
          reject(ctx.signal.reason);
        };
        ctx.signal.addEventListener('abort', onAbort, { once: true });
        const timer = setTimeout(() => {
          finish();
          ctx.progress(0.5);
          try {
            const out = evaluate(task.op.id, task.params as Record<string, unknown>, task.inputs as Record<string, number>, !!task.proxy);
            log.finished.push({ node: task.nodeId, key: task.key });
            resolve(out);
          } catch (e) {
            reject(e);
          }
        }, delay(task));
      });
    },
  };
}

export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * A store like the app's tiered cache: results in memory and "on disk"; `peek` answers a result
 * only on disk in a light form (`{ out: -1 }`, marked light) without reading it, and `get` reads it
 * (logged in `reads`). `reload()` forgets what memory holds, as a new page would.
 */
export function diskStore() {
  const disk = new Map<string, Outputs<number>>();
  let memory = new Map<string, Outputs<number>>();
  const reads: string[] = [];
  const peeks: string[] = [];
  return {
    disk,
    reads,
    peeks,
    reload(): void {
      memory = new Map();
    },
    get(key: string): Outputs<number> | undefined | Promise<Outputs<number> | undefined> {
      const m = memory.get(key);
      if (m) return m;
      const d = disk.get(key);
      if (!d) return undefined;
      reads.push(key);
      memory.set(key, d);
      return Promise.resolve(d);
    },
    peek(key: string) {
      const m = memory.get(key);
      if (m) return { outputs: m, light: false };
      if (!disk.has(key)) return undefined;
      peeks.push(key);
      return Promise.resolve({ outputs: { out: -1 } as Outputs<number>, light: true });
    },
    put(key: string, outputs: Outputs<number>): void {
      disk.set(key, outputs);
      memory.set(key, outputs);
    },
  };
}
