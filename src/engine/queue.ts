// The one queue work waits in before it runs: highest priority first, first come first served
// within a priority, re-prioritised by id, and dispatched in bursts. The worker lanes (the app's
// pool) and QueuedExecutor (in-process, for tests and headless use) keep their waiting work here;
// the scheduler queues nothing itself: it hands each step to its executor as soon as the step's
// inputs are ready, with a priority from PRIORITY, and calls `setPriority` when that changes.

import type { ExecContext, Executor, Outputs, StepTask } from './types';

export interface Queued {
  /** Groups entries for `setPriority` (a step's content key). */
  readonly id?: string;
  priority: number;
}

export class PriorityQueue<T extends Queued> {
  readonly #entries: { readonly item: T; readonly seq: number }[] = [];
  readonly #dispatch: () => void;
  #seq = 0;
  #kicked = false;

  /** `dispatch` starts what can start now, taking entries with `take`; `kick` calls it soon. */
  constructor(dispatch: () => void) {
    this.#dispatch = dispatch;
  }

  get size(): number {
    return this.#entries.length;
  }

  /** Adds an entry (call `kick`, or dispatch at once, to start it). */
  push(item: T): void {
    this.#entries.push({ item, seq: ++this.#seq });
  }

  /** The entry that would start next (highest priority, oldest within it), left in place. */
  peek(): T | undefined {
    const i = this.#next();
    return i < 0 ? undefined : this.#entries[i]!.item;
  }

  /** Removes and returns the entry to start next: highest priority, oldest within it. */
  take(): T | undefined {
    const i = this.#next();
    return i < 0 ? undefined : this.#entries.splice(i, 1)[0]!.item;
  }

  #next(): number {
    if (this.#entries.length === 0) return -1;
    let best = 0;
    for (let i = 1; i < this.#entries.length; i++) {
      const a = this.#entries[i]!;
      const b = this.#entries[best]!;
      if (a.item.priority > b.item.priority || (a.item.priority === b.item.priority && a.seq < b.seq)) best = i;
    }
    return best;
  }

  /** Removes an entry that is still waiting; false when it is not here. */
  remove(item: T): boolean {
    const i = this.#entries.findIndex((e) => e.item === item);
    if (i < 0) return false;
    this.#entries.splice(i, 1);
    return true;
  }

  /** Gives every waiting entry with this id a new priority; returns how many changed. */
  setPriority(id: string, priority: number): number {
    let changed = 0;
    for (const { item } of this.#entries) {
      if (item.id === id && item.priority !== priority) {
        item.priority = priority;
        changed++;
      }
    }
    return changed;
  }

  /** Removes every waiting entry and returns them, oldest first. */
  drain(): T[] {
    return this.#entries.splice(0).map((e) => e.item);
  }

  /**
   * Asks for a dispatch soon. On a microtask, so work handed over in the same turn is all here
   * before any of it starts (the lanes split a step over the workers that nothing else waiting
   * will need). After an entry of priority `finished` has run, its dependents need a few promise hops
   * to arrive; when only less urgent work waits, the dispatch waits a macrotask so they go first.
   */
  kick(finished?: number): void {
    if (this.#kicked) return;
    this.#kicked = true;
    const go = () => {
      this.#kicked = false;
      this.#dispatch();
    };
    const yieldToDependents = finished !== undefined && this.#entries.some((e) => e.item.priority < finished);
    if (yieldToDependents) setTimeout(go, 0);
    else queueMicrotask(go);
  }
}

interface Waiting<V> extends Queued {
  readonly task: StepTask<V>;
  readonly ctx: ExecContext;
  readonly resolve: (outputs: Outputs<V>) => void;
  readonly reject: (error: unknown) => void;
  detach(): void;
}

/**
 * An executor that runs at most `concurrency` steps of another at once, the rest waiting in a
 * PriorityQueue: the in-process counterpart of the worker lanes, for tests and headless runs.
 * A waiting step whose signal aborts is dropped without running.
 */
export class QueuedExecutor<V> implements Executor<V> {
  readonly #inner: Executor<V>;
  readonly #concurrency: number;
  readonly #queue: PriorityQueue<Waiting<V>>;
  #running = 0;

  constructor(inner: Executor<V>, options: { readonly concurrency: number }) {
    if (!(options.concurrency >= 1)) throw new RangeError(`A queue needs a concurrency of at least 1 (got ${options.concurrency})`);
    this.#inner = inner;
    this.#concurrency = Math.floor(options.concurrency);
    this.#queue = new PriorityQueue(() => this.#dispatch());
  }

  get activity(): { readonly queued: number; readonly running: number } {
    return { queued: this.#queue.size, running: this.#running };
  }

  run(task: StepTask<V>, ctx: ExecContext): Promise<Outputs<V>> {
    if (ctx.signal.aborted) return Promise.reject(ctx.signal.reason);
    return new Promise<Outputs<V>>((resolve, reject) => {
      const onAbort = () => {
        if (this.#queue.remove(entry)) reject(ctx.signal.reason);
      };
      const entry: Waiting<V> = {
        id: task.key,
        priority: task.priority,
        task,
        ctx,
        resolve,
        reject,
        detach: () => ctx.signal.removeEventListener('abort', onAbort),
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(entry);
      this.#queue.kick();
    });
  }

  setPriority(key: string, priority: number): void {
    this.#queue.setPriority(key, priority);
  }

  #dispatch(): void {
    while (this.#running < this.#concurrency) {
      const entry = this.#queue.take();
      if (!entry) return;
      entry.detach();
      this.#running++;
      entry.ctx.started();
      let p: Promise<Outputs<V>>;
      try {
        p = this.#inner.run({ ...entry.task, priority: entry.priority }, entry.ctx);
      } catch (e) {
        p = Promise.reject(e);
      }
      p.then(entry.resolve, entry.reject).finally(() => {
        this.#running--;
        this.#queue.kick(entry.priority);
      });
    }
  }
}
