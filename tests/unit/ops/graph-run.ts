// Runs a graph of real operations in this thread: the engine's Scheduler over the kernels the
// step workers run. For the control steps (switch, repeat), which only the scheduler carries out.
import type { Graph } from '../../../src/engine/graph';
import { Scheduler, type StepEvent } from '../../../src/engine/scheduler';
import type { Executor, Outputs } from '../../../src/engine/types';
import { MemoryStore } from '../../../src/engine/memory-store';
import { registry } from '../../../src/ops/registry';
import { opDef } from '../../../src/ops/kernels';
import type { KernelInputs, Value } from '../../../src/ops/types';

export function kernelScheduler(): { scheduler: Scheduler<Value>; ran: string[] } {
  const ran: string[] = [];
  const executor: Executor<Value> = {
    async run(task, ctx) {
      ctx.started();
      ran.push(task.nodeId);
      const op = opDef(task.op.id);
      if (!op) throw new Error(`no kernel for ${task.op.id}`);
      return op.kernel(task.inputs as KernelInputs, task.params, { signal: ctx.signal, progress: ctx.progress }) as Promise<Outputs<Value>>;
    },
  };
  const store = new MemoryStore<Value>({ budgetBytes: 1 << 26, sizeOf: () => 1024 });
  return { scheduler: new Scheduler<Value>({ registry, executor, store }), ran };
}

/** Runs every step; the last event per step. */
export async function runGraph(scheduler: Scheduler<Value>, graph: Graph): Promise<Map<string, StepEvent<Value>>> {
  const last = new Map<string, StepEvent<Value>>();
  await scheduler.run(graph, { onEvent: (e) => e.type === 'step' && last.set(e.node, e) }).done;
  return last;
}
