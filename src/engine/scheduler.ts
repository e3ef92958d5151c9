// The scheduler turns "show me these steps" into work: it keys the graph, serves what the store
// already has, and hands the rest to an Executor in dependency order, each step as soon as its
// inputs are ready, with a priority class (see PRIORITY). It keeps no queue: how much runs at once,
// and what waits, is the executor's (one PriorityQueue, see queue.ts). It keeps the policy: work is
// shared by content key (two steps or two runs that need the same key share one job, at the highest
// priority any of them gives it), a job is aborted only when nobody needs it any more, which lets a
// newer edit take over the still-valid work of the run it replaces, and a step that cannot run says
// which step blocks it. Time limits count from when the executor starts a step.

import type { Graph } from './graph';
import type { OpRegistry } from './op';
import { iterationKeys, keyGraph, stepKey, type GraphKeys, type KeyedStep } from './keys';
import type { OpDecl, Params } from './op';
import { ancestorsOf, bypassPort, stepTitle } from './graph';
import { REPEAT_PORTS } from './control';
import {
  CancelledError,
  StepTimeoutError,
  isAbort,
  isTimeout,
  PRIORITY,
  type Executor,
  type RunClass,
  type Outputs,
  type Peeked,
  type ResultStore,
  type StepState,
  type StepTask,
} from './types';

export interface StepEvent<V> {
  readonly type: 'step';
  readonly run: number;
  readonly node: string;
  /** The step's content key in this run; null when it cannot be keyed (invalid, or blocked upstream). */
  readonly key: string | null;
  readonly state: StepState;
  /** For failed, blocked, cancelled and timed out steps: what happened and what to try. */
  readonly message?: string;
  /** For blocked steps: the step whose problem blocks this one. */
  readonly blockedBy?: string;
  /** For done and cached steps. */
  readonly outputs?: Outputs<V>;
  /** Wall time of the computation, for done steps (0 for a bypassed step). */
  readonly durationMs?: number;
  /** When the computation started (scheduler clock), for the timeline. */
  readonly startedAt?: number;
  /** Something to know about a result that is fine (a switch's condition close to its threshold). */
  readonly warning?: string;
  /** The outputs are the store's light form (see ResultStore.peek): to show, not to read. */
  readonly light?: boolean;
}

/**
 * The run keyed its graph again: a switch's condition became known, so the steps that waited for
 * it have keys now (and the steps feeding the input it did not pick are skipped).
 */
export interface KeysEvent {
  readonly type: 'keys';
  readonly run: number;
  readonly keys: GraphKeys;
}

export interface ProgressEvent {
  readonly type: 'progress';
  readonly run: number;
  readonly node: string;
  readonly key: string;
  /** 0..1 */
  readonly progress: number;
}

export interface RunEvent {
  readonly type: 'run';
  readonly run: number;
  readonly phase: 'start' | 'end';
  readonly status?: 'done' | 'cancelled';
}

export type SchedulerEvent<V> = StepEvent<V> | ProgressEvent | RunEvent | KeysEvent;

export interface SchedulerOptions<V> {
  readonly registry: OpRegistry;
  /** Runs the steps, and is where they wait: the scheduler hands each over as soon as it can run. */
  readonly executor: Executor<V>;
  readonly store?: ResultStore<V>;
  /** Default per-step time limit in ms, counted from when the executor starts the step; 0 or Infinity for none. */
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

export interface RunOptions<V> {
  /** Steps to compute (with whatever they need). Default: every step. */
  readonly targets?: Iterable<string>;
  /** The step the user is looking at: in an interactive run, it and its ancestors go first. */
  readonly focus?: string | null;
  /** What the run is for, which sets its steps' priority (see PRIORITY). Default 'interactive'. */
  readonly priority?: RunClass;
  readonly signal?: AbortSignal;
  /** Per-step time limit for this run, overriding the scheduler's. */
  readonly timeoutMs?: number;
  /** A run this one supersedes: its work that this run also needs is taken over, the rest cancelled. */
  readonly replaces?: Run | null;
  readonly onEvent?: (event: SchedulerEvent<V>) => void;
  /** Keys computed beforehand for this graph, to save keying it twice. */
  readonly keys?: GraphKeys;
  /**
   * Targets only shown, not read (node previews): a stored result of one is served by the store's
   * `peek`, which may leave its pixels in storage (a `light` step event). A step that another step
   * of the run needs is read in full all the same.
   */
  readonly light?: Iterable<string>;
}

export interface RunSummary {
  readonly status: 'done' | 'cancelled';
  readonly states: ReadonlyMap<string, StepState>;
}

export interface Run {
  readonly id: number;
  readonly done: Promise<RunSummary>;
  /** The run's keys; replaced (see KeysEvent) when a switch's condition becomes known. */
  readonly keys: GraphKeys;
  /** Cancels the whole run: waiting steps are dropped, running ones stopped unless another run needs them. */
  cancel(): void;
  /** Cancels one step (even if another run shares it); what depends on it is not computed. */
  cancelStep(node: string): void;
  /**
   * Lets go of the work whose keys are not in `keep` (stopping it unless another run needs it),
   * and goes on with the rest. Used when an edit makes part of a run obsolete before the run that
   * replaces it is due to start.
   */
  retain(keep: ReadonlySet<string>): void;
  stateOf(node: string): StepState;
}

interface JobWatcher {
  onStart(startedAt: number): void;
  onProgress(p: number): void;
}

interface JobResult<V> {
  readonly outputs: Outputs<V>;
  readonly durationMs: number;
  readonly startedAt: number;
}

/** One computation of one key, shared by every run that needs it. */
class Job<V> {
  readonly controller = new AbortController();
  /** The runs that need this job, with the priority each would give it; the job has the highest. */
  readonly claims = new Map<RunImpl<V>, number>();
  readonly watchers = new Set<JobWatcher>();
  /** 'waiting': handed to the executor, not started yet. */
  state: 'waiting' | 'running' | 'settled' = 'waiting';
  startedAt = 0;
  timer: ReturnType<typeof setTimeout> | undefined;
  readonly promise: Promise<JobResult<V>>;
  resolve!: (r: JobResult<V>) => void;
  reject!: (e: unknown) => void;

  constructor(
    readonly task: StepTask<V>,
    public priority: number,
    readonly timeoutMs: number,
  ) {
    this.promise = new Promise<JobResult<V>>((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    // Owners observe the promise through their own race; keep an orphaned rejection quiet.
    this.promise.catch(() => {});
  }
}

/** Carries which upstream step stopped a step from running. */
class UpstreamStop extends Error {
  constructor(
    readonly node: string,
    readonly state: StepState,
    readonly root: string,
  ) {
    super(`stopped at ${node}`);
  }
}

/** How many condition values the scheduler remembers (a few numbers each; oldest forgotten first). */
const CONDITION_MEMORY = 10_000;

/** A repeat that did not converge within its limit. */
class RepeatLimitError extends Error {}

export class Scheduler<V> {
  readonly #opts: SchedulerOptions<V>;
  readonly #jobs = new Map<string, Job<V>>();
  /** Switch conditions seen, by the full-resolution output key they come from (see KeyOptions.conditions). */
  readonly #conditions = new Map<string, number>();
  #waiting = 0;
  #running = 0;
  #runSeq = 0;

  constructor(opts: SchedulerOptions<V>) {
    this.#opts = opts;
  }

  get registry(): OpRegistry {
    return this.#opts.registry;
  }

  now(): number {
    return (this.#opts.now ?? (() => performance.now()))();
  }

  /** Jobs handed to the executor and not started yet, and jobs running, across all runs. */
  get activity(): { readonly queued: number; readonly running: number } {
    return { queued: this.#waiting, running: this.#running };
  }

  /** Condition values known so far; pass them to keyGraph so switches that can decide do. */
  get conditions(): ReadonlyMap<string, number> {
    return this.#conditions;
  }

  /** @internal Remembers the value a switch condition's key stands for. */
  learn(key: string, value: number): void {
    this.#conditions.delete(key);
    this.#conditions.set(key, value);
    if (this.#conditions.size > CONDITION_MEMORY) this.#conditions.delete(this.#conditions.keys().next().value!);
  }

  /** @internal */
  putResult(key: string, outputs: Outputs<V>, op: OpDecl, durationMs: number, proxy: boolean, volatile = false): void {
    this.#opts.store?.put(key, outputs, { op, durationMs, ...(proxy ? { proxy: true } : {}), ...(volatile ? { volatile: true } : {}) });
  }

  run(graph: Graph, opts: RunOptions<V> = {}): Run {
    const keys = opts.keys ?? keyGraph(graph, this.#opts.registry, { conditions: this.#conditions });
    const targets = opts.targets ? [...opts.targets] : graph.nodes.map((n) => n.id);
    const run = new RunImpl<V>(this, ++this.#runSeq, graph, keys, targets, opts);
    const old = opts.replaces as RunImpl<V> | null | undefined;
    if (old instanceof RunImpl) {
      run.adopt(old);
      old.cancel();
    }
    run.start();
    return run;
  }

  /** @internal Finds the job computing a key, or hands a new one to the executor; `run` claims it at `priority`. */
  obtain(
    run: RunImpl<V>,
    step: Pick<KeyedStep, 'id' | 'op' | 'params' | 'key'>,
    inputs: Record<string, V>,
    priority: number,
    timeoutMs: number,
    proxy: number,
    opts: { readonly display?: boolean; readonly volatile?: boolean } = {},
  ): Job<V> {
    const existing = this.#jobs.get(step.key);
    if (existing) {
      this.claim(existing, run, priority);
      return existing;
    }
    const task: StepTask<V> = {
      nodeId: step.id,
      op: step.op,
      params: step.params,
      key: step.key,
      inputs,
      priority,
      ...(proxy > 0 ? { proxy } : {}),
      ...(opts.display ? { display: true } : {}),
      ...(opts.volatile ? { volatile: true } : {}),
    };
    const job = new Job<V>(task, priority, timeoutMs);
    job.claims.set(run, priority);
    this.#jobs.set(step.key, job);
    this.#waiting++;
    this.#launch(job);
    return job;
  }

  /** @internal `run` needs the job at this priority (replacing its earlier claim). */
  claim(job: Job<V>, run: RunImpl<V>, priority: number): void {
    job.claims.set(run, priority);
    this.#reprioritise(job);
  }

  /** @internal `run` no longer needs the job: it is stopped when nobody does, else it may go down in priority. */
  release(job: Job<V>, run: RunImpl<V>): void {
    if (!job.claims.delete(run) || job.state === 'settled') return;
    if (job.claims.size === 0) this.abortJob(job, new CancelledError('No longer needed'));
    else this.#reprioritise(job);
  }

  /** @internal Stops a job now: the executor drops it if it is waiting, or is told to stop it. */
  abortJob(job: Job<V>, reason: Error): void {
    if (job.state === 'settled') return;
    this.#settle(job);
    job.controller.abort(reason);
    job.reject(reason);
  }

  #reprioritise(job: Job<V>): void {
    if (job.state !== 'waiting' || job.claims.size === 0) return;
    const priority = Math.max(...job.claims.values());
    if (priority === job.priority) return;
    job.priority = priority;
    this.#opts.executor.setPriority?.(job.task.key, priority);
  }

  #settle(job: Job<V>): void {
    if (job.state === 'running') this.#running--;
    else if (job.state === 'waiting') this.#waiting--;
    job.state = 'settled';
    clearTimeout(job.timer);
    if (this.#jobs.get(job.task.key) === job) this.#jobs.delete(job.task.key);
  }

  /** The executor began the work: it runs from now, and its time limit counts from now. */
  #started(job: Job<V>): void {
    if (job.state !== 'waiting') return;
    job.state = 'running';
    this.#waiting--;
    this.#running++;
    job.startedAt = this.now();
    for (const w of job.watchers) w.onStart(job.startedAt);
    if (job.timeoutMs > 0 && Number.isFinite(job.timeoutMs)) {
      job.timer = setTimeout(() => this.abortJob(job, new StepTimeoutError(job.timeoutMs)), job.timeoutMs);
    }
  }

  #launch(job: Job<V>): void {
    let promise: Promise<Outputs<V>>;
    try {
      promise = this.#opts.executor.run(job.task, {
        signal: job.controller.signal,
        started: () => this.#started(job),
        progress: (p) => {
          if (job.state !== 'running') return;
          const f = Math.min(1, Math.max(0, p));
          for (const w of job.watchers) w.onProgress(f);
        },
      });
    } catch (e) {
      promise = Promise.reject(e);
    }
    promise.then(
      (outputs) => {
        if (job.state === 'settled') return;
        this.#started(job); // an executor that never said so started it when it was handed over
        const durationMs = this.now() - job.startedAt;
        this.#settle(job);
        this.#opts.store?.put(job.task.key, outputs, { op: job.task.op, durationMs, ...(job.task.proxy ? { proxy: true } : {}), ...(job.priority <= PRIORITY.batch ? { batch: true } : {}), ...(job.task.volatile ? { volatile: true } : {}) });
        job.resolve({ outputs, durationMs, startedAt: job.startedAt });
      },
      (err) => {
        if (job.state === 'settled') return;
        this.#settle(job);
        job.reject(err);
      },
    );
  }

  /** @internal */
  lookup(key: string): Outputs<V> | undefined | Promise<Outputs<V> | undefined> {
    return this.#opts.store?.get(key);
  }

  /** @internal The store's light answer for a step only to be shown; null when the store has no `peek`. */
  peek(key: string): Peeked<V> | undefined | Promise<Peeked<V> | undefined> | null {
    const store = this.#opts.store;
    return store?.peek ? store.peek(key) : null;
  }

  /** @internal */
  defaultTimeout(): number {
    return this.#opts.timeoutMs ?? 0;
  }

  /** @internal */
  jobFor(key: string): Job<V> | undefined {
    return this.#jobs.get(key);
  }
}

class RunImpl<V> implements Run {
  readonly #sched: Scheduler<V>;
  readonly #opts: RunOptions<V>;
  readonly #targets: string[];
  /** Targets only shown: served light when the store can (see RunOptions.light). */
  readonly #light: ReadonlySet<string>;
  readonly #controller = new AbortController();
  readonly #memo = new Map<string, Promise<Outputs<V>>>();
  readonly #states = new Map<string, StepState>();
  readonly #stepStops = new Map<string, AbortController>();
  /** Every job this run holds a claim on. */
  readonly jobs = new Set<Job<V>>();
  /** Jobs taken over from the run this one replaced, by key: their results are this run's even if they finish early. */
  readonly #adopted = new Map<string, Job<V>>();
  readonly #boosted: Set<string>;
  /** Per switch waiting for its condition: the one evaluation of it that every step waiting on it shares. */
  readonly #decisions = new Map<string, Promise<void>>();
  /** Switches whose evaluation (above) has settled, either way. */
  readonly #decided = new Set<string>();
  /** The job a repeat is waiting on now, by the repeat's node: cancelling the step stops it. */
  readonly #inner = new Map<string, Job<V>>();
  /** Jobs run inside a repeat (iterations, measures), with the repeat's key: a run that needs that repeat takes them over. */
  readonly innerJobs = new Map<Job<V>, string>();
  done!: Promise<RunSummary>;

  constructor(
    sched: Scheduler<V>,
    readonly id: number,
    readonly graph: Graph,
    public keys: GraphKeys,
    targets: string[],
    opts: RunOptions<V>,
  ) {
    this.#sched = sched;
    this.#opts = opts;
    this.#targets = targets.filter((t) => keys.steps.has(t));
    this.#light = new Set(opts.light ?? []);
    // Only an interactive run's focus goes first; a proxy or batch run's steps keep their class.
    const interactive = (opts.priority ?? 'interactive') === 'interactive';
    this.#boosted = interactive && opts.focus ? ancestorsOf(keys.index, [opts.focus]) : new Set();
    if (opts.signal) {
      if (opts.signal.aborted) this.#controller.abort(opts.signal.reason);
      else opts.signal.addEventListener('abort', () => this.cancel(), { once: true });
    }
  }

  /** Take over the old run's jobs whose keys this run needs too, before the old run lets go. */
  adopt(old: RunImpl<V>): void {
    const needed = new Set<string>();
    for (const id of ancestorsOf(this.keys.index, this.#targets)) {
      const s = this.keys.steps.get(id);
      if (s?.ok) needed.add(s.key);
    }
    for (const job of old.jobs) {
      if ((needed.has(job.task.key) || needed.has(old.innerJobs.get(job) ?? '')) && job.state !== 'settled') {
        // Claimed at the old run's priority until this run gets to the step and says its own.
        this.#sched.claim(job, this, job.claims.get(old) ?? job.priority);
        this.jobs.add(job);
        this.#adopted.set(job.task.key, job);
      }
    }
  }

  start(): void {
    // Start on a microtask so that the caller holds the Run before its first event arrives.
    this.done = Promise.resolve().then(() => {
      this.#emit({ type: 'run', run: this.id, phase: 'start' });
      return Promise.allSettled(this.#targets.map((t) => (this.#light.has(t) ? this.#show(t) : this.#resolve(t))));
    }).then(() => {
      for (const job of this.jobs) this.#sched.release(job, this);
      this.jobs.clear();
      const status = this.#controller.signal.aborted ? 'cancelled' : 'done';
      this.#emit({ type: 'run', run: this.id, phase: 'end', status });
      return { status, states: new Map(this.#states) } as RunSummary;
    });
  }

  cancel(): void {
    if (this.#controller.signal.aborted) return;
    this.#controller.abort(new CancelledError('Cancelled'));
    for (const job of [...this.jobs]) this.#sched.release(job, this);
  }

  cancelStep(node: string): void {
    const step = this.keys.steps.get(node);
    let stop = this.#stepStops.get(node);
    if (!stop) {
      stop = new AbortController();
      this.#stepStops.set(node, stop);
    }
    stop.abort(new CancelledError('Cancelled by you'));
    const inner = this.#inner.get(node);
    if (inner) this.#sched.abortJob(inner, new CancelledError('Cancelled by you'));
    if (step?.ok) {
      const job = this.#sched.jobFor(step.key);
      if (job && this.jobs.has(job)) this.#sched.abortJob(job, new CancelledError('Cancelled by you'));
    }
  }

  retain(keep: ReadonlySet<string>): void {
    for (const job of [...this.jobs]) {
      if (keep.has(job.task.key)) continue;
      this.jobs.delete(job);
      this.#sched.release(job, this);
    }
  }

  stateOf(node: string): StepState {
    return this.#states.get(node) ?? 'idle';
  }

  #emit(e: SchedulerEvent<V>): void {
    this.#opts.onEvent?.(e);
  }

  #set(node: string, key: string | null, state: StepState, extra: Partial<StepEvent<V>> = {}): void {
    this.#states.set(node, state);
    this.#emit({ type: 'step', run: this.id, node, key, state, ...extra });
  }

  /**
   * A target only shown: its stored result in the store's light form when it has one (pixels left
   * in storage), else resolved as usual. Steps that need more than a store lookup (a switch
   * waiting for its condition, a skipped or pass-through step, a repeat) are resolved as usual.
   */
  async #show(node: string): Promise<unknown> {
    const step = this.keys.steps.get(node);
    const plain = step?.ok && !step.passThrough && !step.repeat && !this.keys.skipped.has(node) && !this.keys.waitsOn.has(node) && this.keys.proxy === 0;
    if (!plain || this.#memo.has(node) || this.#stopReason(node)) return this.#resolve(node);
    let hit: Peeked<V> | undefined | null;
    try {
      hit = await this.#sched.peek(step.key);
    } catch {
      hit = undefined; // an unreadable entry: the usual lookup decides
    }
    // Resolved meanwhile (another target needs it), stopped, or not stored: as usual.
    if (!hit || this.#memo.has(node) || this.#stopReason(node)) return this.#resolve(node);
    if (!hit.light) {
      const outputs = hit.outputs;
      this.#memo.set(node, Promise.resolve(outputs));
      this.#set(node, step.key, 'cached', { outputs, durationMs: 0 });
      return outputs;
    }
    this.#set(node, step.key, 'cached', { outputs: hit.outputs, durationMs: 0, light: true });
    return hit.outputs;
  }

  #resolve(node: string): Promise<Outputs<V>> {
    let p = this.#memo.get(node);
    if (!p) {
      p = this.#compute(node);
      p.catch(() => {});
      this.#memo.set(node, p);
    }
    return p;
  }

  #stopReason(node: string): unknown | null {
    if (this.#controller.signal.aborted) return this.#controller.signal.reason;
    const s = this.#stepStops.get(node);
    return s?.signal.aborted ? s.signal.reason : null;
  }

  /**
   * Evaluates the condition of a switch that waits for it, records the value and keys the graph
   * again, once per switch and run. A proxy run never evaluates a condition (its value would be a
   * proxy's): it stops there, and the full run decides.
   */
  #decide(sw: string): Promise<void> {
    let p = this.#decisions.get(sw);
    if (!p) {
      p = (async () => {
        const cond = this.keys.conditions.get(sw);
        if (!cond) return;
        if (this.keys.proxy > 0) throw new UpstreamStop(sw, 'blocked', sw);
        const outs = await this.#resolve(cond.from.node);
        const value = outs[cond.from.port];
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          this.#set(sw, null, 'failed', { message: `The condition from "${this.#title(cond.from.node)}" is not a number` });
          throw new UpstreamStop(sw, 'failed', sw);
        }
        this.#sched.learn(cond.key, value);
        this.keys = keyGraph(this.graph, this.#sched.registry, { conditions: this.#sched.conditions, index: this.keys.index, proxy: this.keys.proxy, volatile: this.keys.volatile });
        this.#emit({ type: 'keys', run: this.id, keys: this.keys });
      })();
      p.then(
        () => this.#decided.add(sw),
        () => this.#decided.add(sw),
      );
      this.#decisions.set(sw, p);
    }
    return p;
  }

  #keyOf(node: string): string | null {
    const s = this.keys.steps.get(node);
    return s?.ok ? s.key : null;
  }

  /** A step as messages name it: its label or its operation's title. */
  #title(node: string): string {
    return stepTitle(this.keys.index.nodes.get(node), this.#sched.registry, node);
  }

  async #compute(node: string): Promise<Outputs<V>> {
    // A step a switch's decision may leave out (or key differently) waits for that decision.
    for (let sw = this.keys.waitsOn.get(node); sw !== undefined; sw = this.keys.waitsOn.get(node)) {
      let root: string | null = null;
      try {
        if (this.keys.conditions.has(sw)) {
          await this.#decide(sw); // rejects again if it failed before
          if (this.keys.waitsOn.get(node) === sw && this.keys.conditions.has(sw)) root = sw; // decided, yet still waiting: never loop
        } else {
          // That switch cannot decide (its condition cannot be computed); a switch still deciding may yet need this step.
          const open = this.keys.proxy === 0 ? [...this.keys.conditions.keys()].filter((s) => !this.#decided.has(s)) : [];
          if (open.length > 0) await Promise.allSettled(open.map((s) => this.#decide(s)));
          else {
            const up = this.keys.steps.get(sw);
            root = up && !up.ok ? (up.blockedBy ?? sw) : sw;
          }
        }
      } catch (e) {
        if (e instanceof UpstreamStop && e.node === node) throw e; // this switch's own condition is unusable: it said so
        if (this.#stopReason(node) || (e instanceof UpstreamStop && e.state === 'cancelled')) {
          this.#set(node, this.#keyOf(node), 'cancelled', { message: 'Cancelled' });
          throw new UpstreamStop(node, 'cancelled', e instanceof UpstreamStop ? e.root : node);
        }
        root = e instanceof UpstreamStop ? e.root : sw;
      }
      if (root !== null) {
        // A proxy run leaves what waits for a condition to the full run; it says nothing of it.
        if (this.keys.proxy === 0) this.#set(node, this.#keyOf(node), 'blocked', { message: `Waiting on "${this.#title(root)}", which did not finish`, blockedBy: root });
        throw new UpstreamStop(node, 'blocked', root);
      }
    }
    const step = this.keys.steps.get(node);
    if (!step) throw new UpstreamStop(node, 'failed', node);
    if (this.keys.skipped.has(node)) {
      this.#set(node, step.ok ? step.key : null, 'skipped', { message: 'Not run: it only feeds a Switch input that was not picked' });
      throw new UpstreamStop(node, 'skipped', node);
    }
    if (!step.ok) {
      if (step.blockedBy) {
        this.#set(node, null, 'blocked', { message: step.message, blockedBy: step.blockedBy });
        throw new UpstreamStop(node, 'blocked', step.blockedBy);
      }
      this.#set(node, null, 'failed', { message: step.message });
      throw new UpstreamStop(node, 'failed', node);
    }
    const key = step.key;
    const cancelled = (): never => {
      this.#set(node, key, 'cancelled', { message: 'Cancelled' });
      throw new UpstreamStop(node, 'cancelled', node);
    };
    if (this.#stopReason(node)) cancelled();
    this.#set(node, key, 'queued');

    if (!step.passThrough) {
      let hit: Outputs<V> | undefined;
      try {
        hit = await this.#sched.lookup(key);
      } catch {
        hit = undefined; // an unreadable cache entry is a miss, never an error
      }
      if (this.#stopReason(node)) cancelled();
      if (hit) {
        this.#set(node, key, 'cached', { outputs: hit, durationMs: 0 });
        return hit;
      }
    }

    const inputs: Record<string, V> = {};
    try {
      await Promise.all(
        step.inputs.map(async (i) => {
          const outs = await this.#resolve(i.from.node);
          inputs[i.port] = outs[i.from.port] as V;
        }),
      );
    } catch (e) {
      if (this.#stopReason(node)) cancelled();
      if (e instanceof UpstreamStop) {
        if (e.state === 'cancelled') {
          this.#set(node, key, 'cancelled', { message: `Not run: "${this.#title(e.root)}" was cancelled` });
          throw new UpstreamStop(node, 'cancelled', e.root);
        }
        this.#set(node, key, 'blocked', { message: `Waiting on "${this.#title(e.root)}", which did not finish`, blockedBy: e.root });
        throw new UpstreamStop(node, 'blocked', e.root);
      }
      throw e;
    }
    if (this.#stopReason(node)) cancelled();

    if (step.passThrough) {
      const outputs = { [step.passThrough.output]: inputs[step.passThrough.input] as V };
      const choice = step.choice;
      const said = choice ? { message: `Picked ${choice.port.toUpperCase()} (condition ${Math.round(choice.value * 1000) / 1000})`, ...(choice.warning ? { warning: choice.warning } : {}) } : {};
      this.#set(node, key, 'done', { outputs, durationMs: 0, ...said });
      return outputs;
    }

    if (step.repeat) return this.#repeat(node, step, inputs);

    const priority = this.#boosted.has(node) ? PRIORITY.focus : PRIORITY[this.#opts.priority ?? 'interactive'];
    const timeout = this.#opts.timeoutMs ?? this.#sched.defaultTimeout();
    const adopted = this.#adopted.get(key);
    if (adopted) this.#sched.claim(adopted, this, priority);
    // A proxy run's targets and a run's focus are shown the moment they arrive: their images may come with a display bitmap.
    const display = (this.keys.proxy > 0 && this.#targets.includes(node)) || node === this.#opts.focus;
    const job = adopted ?? this.#sched.obtain(this, step, inputs, priority, timeout, this.keys.proxy, { display, volatile: this.keys.volatile.has(node) });
    this.jobs.add(job);
    const watcher: JobWatcher = {
      onStart: () => this.#set(node, key, 'running'),
      onProgress: (progress) => this.#emit({ type: 'progress', run: this.id, node, key, progress }),
    };
    job.watchers.add(watcher);
    if (job.state === 'running') watcher.onStart(job.startedAt);

    try {
      const result = await raceStop(job.promise, [this.#controller.signal, this.#stepSignal(node)]);
      this.#set(node, key, 'done', { outputs: result.outputs, durationMs: result.durationMs, startedAt: result.startedAt });
      return result.outputs;
    } catch (e) {
      if (isTimeout(e)) {
        this.#set(node, key, 'timedout', { message: (e as Error).message + '. Raise the limit or make the step cheaper, then retry.' });
        throw new UpstreamStop(node, 'timedout', node);
      }
      if (isAbort(e) || this.#stopReason(node)) {
        const reason = this.#stopReason(node);
        this.#set(node, key, 'cancelled', { message: reason instanceof Error ? reason.message : 'Cancelled' });
        throw new UpstreamStop(node, 'cancelled', node);
      }
      this.#set(node, key, 'failed', { message: e instanceof Error ? e.message : String(e) });
      throw new UpstreamStop(node, 'failed', node);
    } finally {
      job.watchers.delete(watcher);
      if (job.state === 'settled') this.jobs.delete(job);
    }
  }

  /**
   * Runs a repeat: iteration 1 is the body as wired (its result arrives at the Body input), each
   * further one runs the body's steps again with the carried image in place of the initial one,
   * every step keyed by (its body, the carried key) and looked up in the store first, so a larger
   * N reuses what a smaller one computed. One iteration at a time; the run can stop between them.
   */
  async #repeat(node: string, step: KeyedStep, inputs: Record<string, V>): Promise<Outputs<V>> {
    const plan = step.repeat!;
    const key = step.key;
    const proxy = this.keys.proxy;
    const priority = this.#boosted.has(node) ? PRIORITY.focus : PRIORITY[this.#opts.priority ?? 'interactive'];
    const timeout = this.#opts.timeoutMs ?? this.#sched.defaultTimeout();
    const startedAt = this.#sched.now();
    const total = plan.mode === 'count' ? plan.count : plan.maxIterations;
    this.#set(node, key, 'running', { startedAt });
    const progress = (f: number) => this.#emit({ type: 'progress', run: this.id, node, key, progress: Math.min(1, f) });
    let prev = inputs[REPEAT_PORTS.image] as V;
    let prevKey = plan.initialKey;
    let carried = inputs[REPEAT_PORTS.body] as V;
    let carriedKey = step.inputs.find((i) => i.port === REPEAT_PORTS.body)!.key;
    let n = 1;
    let delta: number | null = null;
    try {
      for (;;) {
        progress(n / total);
        if (plan.mode === 'count') {
          if (n >= plan.count) break;
        } else {
          const m = plan.metric!;
          const out = await this.#runKey(node, key, { id: node, op: m, params: {}, key: stepKey(m, {}, [prevKey, carriedKey], proxy) }, { [m.inputs[0]!.name]: prev, [m.inputs[1]!.name]: carried }, priority, timeout, () => {});
          const d = out[m.outputs[0]!.name];
          if (typeof d !== 'number') throw new Error(`${m.title} gave no number`);
          delta = d;
          if (d < plan.epsilon) break;
          if (n >= plan.maxIterations) {
            throw new RepeatLimitError(
              `Did not converge within ${plan.maxIterations} iterations: the last one still changed the image by ${fmt(d)} (mean |Δ|), above ε ${fmt(plan.epsilon)}. Raise Max iterations or ε.`,
            );
          }
        }
        const stop = this.#stopReason(node);
        if (stop) throw stop;
        const keys = iterationKeys(plan, carriedKey, proxy);
        const values = new Map<string, Outputs<V>>();
        for (const b of plan.body) {
          const bin: Record<string, V> = {};
          for (const i of b.inputs) {
            if (i.kind === 'carried') bin[i.port] = carried;
            else if (i.kind === 'body') bin[i.port] = values.get(i.from.node)![i.from.port] as V;
            else if (i.kind === 'fixed') bin[i.port] = (await this.#resolve(i.from.node))[i.from.port] as V;
          }
          const through = b.bypass ? bypassPort(b.op) : null;
          const done = n;
          values.set(
            b.id,
            through
              ? { [through.output]: bin[through.input] as V }
              : await this.#runKey(node, key, { id: b.id, op: b.op, params: b.params, key: keys.steps.get(b.id)! }, bin, priority, timeout, (f) => progress((done + f) / total)),
          );
        }
        prev = carried;
        prevKey = carriedKey;
        carried = values.get(plan.output.node)![plan.output.port] as V;
        carriedKey = keys.output;
        n++;
      }
    } catch (e) {
      if (e instanceof RepeatLimitError) {
        this.#set(node, key, 'failed', { message: e.message });
        throw new UpstreamStop(node, 'failed', node);
      }
      if (isTimeout(e)) {
        this.#set(node, key, 'timedout', { message: `Iteration ${n + 1}: ${(e as Error).message}. Raise the limit or make the body cheaper, then retry.` });
        throw new UpstreamStop(node, 'timedout', node);
      }
      if (isAbort(e) || this.#stopReason(node)) {
        const reason = this.#stopReason(node);
        this.#set(node, key, 'cancelled', { message: `${reason instanceof Error ? reason.message : 'Cancelled'} after ${n} of ${total} iterations` });
        throw new UpstreamStop(node, 'cancelled', node);
      }
      this.#set(node, key, 'failed', { message: `Iteration ${n + 1}: ${e instanceof Error ? e.message : String(e)}` });
      throw new UpstreamStop(node, 'failed', node);
    }
    const outputs = { [REPEAT_PORTS.out]: carried } as Outputs<V>;
    const durationMs = this.#sched.now() - startedAt;
    this.#sched.putResult(key, outputs, step.op, durationMs, proxy > 0, this.keys.volatile.has(node));
    const message = plan.mode === 'count' ? `Ran ${n} iterations` : `Converged after ${n} iterations (mean |Δ| ${fmt(delta!)})`;
    this.#set(node, key, 'done', { outputs, durationMs, startedAt, message });
    return outputs;
  }

  /** One computation inside a repeat: the store's result for its key, else a job (shared by key like any other). */
  async #runKey(
    node: string,
    repeatKey: string,
    step: { id: string; op: OpDecl; params: Params; key: string },
    inputs: Record<string, V>,
    priority: number,
    timeout: number,
    onProgress: (f: number) => void,
  ): Promise<Outputs<V>> {
    let hit: Outputs<V> | undefined;
    try {
      hit = await this.#sched.lookup(step.key);
    } catch {
      hit = undefined;
    }
    if (hit) return hit;
    const stop = this.#stopReason(node);
    if (stop) throw stop;
    const job = this.#sched.obtain(this, step, inputs, priority, timeout, this.keys.proxy, { volatile: this.keys.volatile.has(node) });
    this.jobs.add(job);
    this.#inner.set(node, job);
    this.innerJobs.set(job, repeatKey);
    const watcher: JobWatcher = { onStart: () => {}, onProgress };
    job.watchers.add(watcher);
    try {
      return (await raceStop(job.promise, [this.#controller.signal, this.#stepSignal(node)])).outputs;
    } finally {
      job.watchers.delete(watcher);
      this.#inner.delete(node);
      if (job.state === 'settled') {
        this.jobs.delete(job);
        this.innerJobs.delete(job);
      }
    }
  }

  #stepSignal(node: string): AbortSignal {
    let s = this.#stepStops.get(node);
    if (!s) {
      s = new AbortController();
      this.#stepStops.set(node, s);
    }
    return s.signal;
  }
}

function fmt(v: number): string {
  return String(Math.round(v * 1000) / 1000);
}

/** Follows a promise, but rejects as soon as any signal aborts. */
function raceStop<T>(promise: Promise<T>, signals: AbortSignal[]): Promise<T> {
  for (const s of signals) if (s.aborted) return Promise.reject(s.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      cleanup();
      reject(signals.find((s) => s.aborted)?.reason ?? new CancelledError());
    };
    const cleanup = () => signals.forEach((s) => s.removeEventListener('abort', onAbort));
    signals.forEach((s) => s.addEventListener('abort', onAbort, { once: true }));
    promise.then(
      (v) => {
        cleanup();
        resolve(v);
      },
      (e) => {
        cleanup();
        reject(e);
      },
    );
  });
}
