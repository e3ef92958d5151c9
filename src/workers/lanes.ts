// The worker lanes under the pool: up to `size` step workers (Comlink), each running one task at a
// time on its lane; tasks beyond the idle workers wait in the app's one queue (a PriorityQueue:
// higher first, FIFO within, re-prioritised by id). Lanes start their worker lazily, shut it down
// when idle, and replace one that dies. They run opaque jobs (a call on the worker's API) and know
// nothing of steps, tiles or proxies; a job that can be split into parts is split when it reaches
// the workers, over those that no other waiting job will need. Time limits are the engine's: a
// task ends as timed out when its signal aborts with a StepTimeoutError. While background work
// (the batch queue) holds a worker, one reserve lane beyond the size runs more urgent work only.
//
// Cancellation really stops a kernel: the lanes write the task's shared flag, which the kernel's
// signal reads between bands; a worker still busy after a grace period is terminated and its lane
// starts a fresh one. A worker that dies (error event, or its life lock released) is replaced and
// its task rejected with a message that names the step.

import * as Comlink from 'comlink';
import { PriorityQueue } from '../engine/queue';
import { CancelledError, StepTimeoutError, formatMs, isTimeout } from '../engine/types';
import { CancelCode, FLAG_LENGTH, FLAG_LIMIT_MS, FLAG_STATE, isWorkerNotice, type StepWorkerApi } from './protocol';

export type WorkerFactory = () => Worker;

/**
 * 'band': a further row band of a tiled step. A tiled step's first band is its 'step' task, so
 * every step run has exactly one 'step' task (what counts kernel runs); its preview is a 'bitmap'.
 */
export type TaskKind = 'step' | 'band' | 'decode' | 'encode' | 'bitmap';
export type TaskOutcome = 'done' | 'failed' | 'cancelled' | 'timedout' | 'crashed';
export type WorkerExitReason = 'idle' | 'crashed' | 'unresponsive' | 'resized' | 'disposed' | 'failed-to-start';

export interface TaskInfo {
  readonly taskId: number;
  readonly kind: TaskKind;
  /** What a person reads: the operation's title, "Decode image", "Encode PNG". */
  readonly label: string;
  readonly op?: string;
  readonly node?: string;
}

/** What happened on the worker lanes, for the performance timeline. Times are from `now()`. */
export type PoolEvent =
  | (TaskInfo & { readonly type: 'task-start'; readonly lane: number; readonly t: number })
  | (TaskInfo & {
      readonly type: 'task-end';
      readonly lane: number;
      readonly startedAt: number;
      readonly t: number;
      readonly outcome: TaskOutcome;
    })
  | { readonly type: 'worker-start'; readonly lane: number; readonly t: number }
  | { readonly type: 'worker-exit'; readonly lane: number; readonly t: number; readonly reason: WorkerExitReason };

export type LaneState = 'empty' | 'starting' | 'idle' | 'busy' | 'stopping';

export interface LaneActivity {
  readonly lane: number;
  readonly state: LaneState;
  readonly task?: TaskInfo & { readonly startedAt: number };
}

export interface PoolActivity {
  readonly size: number;
  /** Workers alive (starting, idle, busy or stopping). */
  readonly workers: number;
  readonly busy: number;
  readonly idle: number;
  readonly starting: number;
  /** Workers whose task was cancelled and that have not stopped yet. */
  readonly stopping: number;
  readonly queued: number;
  readonly lanes: readonly LaneActivity[];
}

export interface PoolStats {
  spawned: number;
  terminated: number;
  crashed: number;
  completed: number;
  failed: number;
  cancelled: number;
  timedOut: number;
  /** Bytes of plain-ArrayBuffer images sent to workers by structured clone (only without shared memory). */
  clonedBytes: number;
  /** Bytes of plain-ArrayBuffer results a worker moved into shared memory (see protocol.ts). */
  promotedBytes: number;
}

/** A worker died or could not start; the task it held is rejected with this. */
export class WorkerCrashError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerCrashError';
  }
}

interface Handle {
  readonly worker: Worker;
  readonly api: Comlink.Remote<StepWorkerApi>;
  ready: boolean;
  dead: boolean;
  lockStop: AbortController | null;
  startTimer: ReturnType<typeof setTimeout> | undefined;
}

interface Lane {
  readonly index: number;
  handle: Handle | null;
  job: Job | null;
  /** The lane's task was cancelled; waiting for its worker to return or the grace period to end. */
  stopping: boolean;
  /** A resize made this worker surplus: it stops when its task ends. */
  retire: boolean;
  graceTimer: ReturnType<typeof setTimeout> | undefined;
  idleTimer: ReturnType<typeof setTimeout> | undefined;
}

export interface JobSpec extends Omit<TaskInfo, 'taskId'> {
  /** Groups jobs for `setPriority`: a step's content key (its task, or all its parts). */
  readonly id?: string;
  readonly priority: number;
  readonly signal?: AbortSignal;
  /** Called once, when a worker starts the job (a split job: its first part). */
  readonly onStart?: () => void;
  readonly onProgress?: (fraction: number) => void;
  readonly call: (api: Comlink.Remote<StepWorkerApi>, taskId: number, cancelFlag: Int32Array | undefined) => Promise<unknown>;
  /**
   * For work that can also run as parts on several workers at once. Called when the job reaches a
   * free worker and at least two free workers are left after every other waiting job takes one,
   * with how many: returns one spec per part (at most that many), or null to run whole. A split
   * job settles with its parts' results in order; the first part to fail fails it and cancels the
   * rest. The parts start at once, on the free workers.
   */
  readonly split?: (workers: number) => readonly JobSpec[] | null;
}

interface Job extends JobSpec, TaskInfo {
  /** 'split': its parts run in its place. */
  state: 'queued' | 'assigned' | 'running' | 'split' | 'settled';
  /** Mutable: `setPriority` changes it while the job waits. */
  priority: number;
  lane: Lane | null;
  startedAt: number;
  flag: Int32Array | undefined;
  /** The controller that stops a split job's parts. */
  parts: AbortController | undefined;
  detach: (() => void) | undefined;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export interface LanesOptions {
  /** Most workers alive at once. */
  readonly size: number;
  /** Makes a worker that exposes the step worker API. */
  readonly createWorker: WorkerFactory;
  /** How long a cancelled kernel may take to stop before its worker is terminated. */
  readonly graceMs: number;
  /** An idle worker is terminated after this long (recreated on demand); 0 or Infinity keeps it. */
  readonly idleTimeoutMs: number;
  /** A worker that has not said it is ready after this long is given up on. */
  readonly startTimeoutMs: number;
  /** Use a shared flag to stop synchronous kernels (only when SharedArrayBuffer is usable). */
  readonly sharedCancellation: boolean;
  /**
   * Jobs at or below this priority are background work (the batch queue). While background work
   * holds a worker, one more worker than `size` (the reserve lane) may run anything more urgent, so
   * an edit never waits for a batch band, decode or encode to finish; background work never runs
   * there. The reserve worker starts with the first background job. Undefined: no reserve lane.
   */
  readonly backgroundPriority?: number;
  readonly onEvent?: (event: PoolEvent) => void;
  readonly now: () => number;
}

export class Lanes {
  readonly stats: PoolStats = {
    spawned: 0,
    terminated: 0,
    crashed: 0,
    completed: 0,
    failed: 0,
    cancelled: 0,
    timedOut: 0,
    clonedBytes: 0,
    promotedBytes: 0,
  };
  readonly #opts: Pick<LanesOptions, 'graceMs' | 'idleTimeoutMs' | 'startTimeoutMs'>;
  readonly #createWorker: WorkerFactory;
  readonly #now: () => number;
  readonly #shared: boolean;
  readonly #background: number | undefined;
  readonly #listeners = new Set<(e: PoolEvent) => void>();
  #lanes: Lane[] = [];
  #size: number;
  readonly #queue = new PriorityQueue<Job>(() => this.#pump());
  #seq = 0;
  #disposed = false;

  constructor(options: LanesOptions) {
    this.#size = checkedSize(options.size);
    this.#createWorker = options.createWorker;
    this.#now = options.now;
    this.#shared = options.sharedCancellation;
    this.#background = options.backgroundPriority;
    const { graceMs, idleTimeoutMs, startTimeoutMs } = options;
    this.#opts = { graceMs, idleTimeoutMs, startTimeoutMs };
    if (options.onEvent) this.#listeners.add(options.onEvent);
    this.#lanes = Array.from({ length: this.#count }, (_, i) => newLane(i));
  }

  /** Lanes there may be: the size, and the reserve lane when there is background work. */
  get #count(): number {
    return this.#size + (this.#background === undefined ? 0 : 1);
  }

  #isBackground(job: Job): boolean {
    return this.#background !== undefined && job.priority <= this.#background;
  }

  /** Background work holds one of the sized lanes. */
  #backgroundBusy(): boolean {
    return this.#lanes.some((l) => l.index < this.#size && l.job !== null && this.#isBackground(l.job));
  }

  get size(): number {
    return this.#size;
  }

  /** Listen to lane events (for a timeline); returns the function that stops listening. */
  subscribe(listener: (event: PoolEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get activity(): PoolActivity {
    // The reserve lane is shown only while it runs something.
    const shown = this.#lanes.filter((l) => l.index < this.#size || l.job);
    const lanes = shown.map((lane): LaneActivity => {
      const state = laneState(lane);
      const job = lane.job;
      if (!job || job.state === 'settled') return { lane: lane.index, state };
      const { taskId, kind, label, op, node } = job;
      return { lane: lane.index, state, task: { taskId, kind, label, op, node, startedAt: job.startedAt } };
    });
    const count = (s: LaneState) => lanes.filter((l) => l.state === s).length;
    return {
      size: lanes.length,
      workers: lanes.length - count('empty'),
      busy: count('busy'),
      idle: count('idle'),
      starting: count('starting'),
      stopping: count('stopping'),
      queued: this.#queue.size,
      lanes,
    };
  }

  /** Changes the number of workers. Extra busy workers finish their task first. */
  resize(size: number): void {
    const n = checkedSize(size);
    this.#size = n;
    for (let i = this.#lanes.length; i < this.#count; i++) this.#lanes.push(newLane(i));
    for (const lane of this.#lanes) {
      // A shrink stops the workers past the new size (the reserve's too) once they are idle.
      lane.retire = lane.index >= n && lane.handle !== null;
      if (lane.retire && !lane.job && !lane.stopping) this.#kill(lane, 'resized');
    }
    this.#trim();
    this.#pump();
  }

  /** Stops everything: queued and running tasks are rejected, every worker terminated. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    const reason = new CancelledError('The worker pool was shut down');
    for (const job of this.#queue.drain()) this.#settle(job, 'cancelled', reason);
    for (const lane of this.#lanes) {
      if (lane.job) this.#settle(lane.job, 'cancelled', reason);
      if (lane.handle) this.#kill(lane, 'disposed');
    }
    this.#lanes = [];
    this.#listeners.clear();
  }

  // ---- Jobs ------------------------------------------------------------------------------------

  /**
   * Queues a job; it settles with what its call returns, or is rejected when cancelled, timed out
   * or its worker dies. A job that could be split waits a microtask, so that everything handed
   * over in the same turn is queued before it decides how many workers to take.
   */
  submit<R>(spec: JobSpec): Promise<R> {
    if (this.#disposed) return Promise.reject(new Error('The worker pool was shut down'));
    if (spec.signal?.aborted) return Promise.reject(spec.signal.reason);
    return new Promise<R>((resolve, reject) => {
      this.#queue.push(this.#job(spec, resolve as (v: unknown) => void, reject));
      if (spec.split) this.#queue.kick();
      else this.#pump();
    });
  }

  /** Waiting jobs with this id (a step's key) get a new priority. */
  setPriority(id: string, priority: number): void {
    this.#queue.setPriority(id, priority);
  }

  #job(spec: JobSpec, resolve: (v: unknown) => void, reject: (e: unknown) => void): Job {
    const job: Job = {
      ...spec,
      taskId: ++this.#seq,
      state: 'queued',
      lane: null,
      startedAt: 0,
      flag: undefined,
      parts: undefined,
      detach: undefined,
      resolve,
      reject,
    };
    const signal = spec.signal;
    if (signal) {
      const onAbort = () => this.#abort(job, signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      job.detach = () => signal.removeEventListener('abort', onAbort);
    }
    return job;
  }

  #pump(): void {
    if (this.#disposed) return;
    this.#trim();
    while (this.#queue.size > 0) {
      const free = this.#freeLanes(this.#queue.peek()!);
      if (free.length === 0) return;
      const job = this.#queue.take()!;
      const share = free.length - this.#queue.size;
      const parts = job.split && share >= 2 ? job.split(share) : null;
      if (parts && parts.length >= 2 && parts.length <= share) {
        this.#runParts(job, parts, free);
        continue;
      }
      const shared = share === 1 && free.length === 1 ? this.#shareLater(job) : null;
      if (shared) this.#runParts(job, shared, free);
      else this.#assign(free[0]!, job);
    }
  }

  /**
   * A job that could be split, reaching the only free worker while the others finish what they
   * run and nothing else waits: rather than run whole on one core (a 12 MP blur found the other
   * worker still making the previous step's viewer bitmap), it is split into two parts per worker.
   * The first starts now; the others wait in the queue for whichever worker is free next, so when
   * the busy ones stay busy the free one simply works through them.
   */
  #shareLater(job: Job): readonly JobSpec[] | null {
    if (!job.split || this.#size < 2 || this.#isBackground(job) || this.#backgroundBusy()) return null;
    const parts = job.split(2 * this.#size);
    return parts && parts.length >= 2 ? parts : null;
  }

  /**
   * Work in parts that wait in the queue like any task, at the job's priority and under its id:
   * more urgent work runs between them (a batch step yields to the editor at band boundaries), and
   * free workers take several at once. Settles with the parts' results in order, or with the first
   * failure (the other parts are then cancelled); aborting `spec.signal` cancels them all.
   */
  submitParts<R>(spec: Omit<JobSpec, 'call' | 'split'>, parts: readonly JobSpec[]): Promise<R[]> {
    if (this.#disposed) return Promise.reject(new Error('The worker pool was shut down'));
    if (spec.signal?.aborted) return Promise.reject(spec.signal.reason);
    return new Promise<R[]>((resolve, reject) => {
      const never = () => Promise.reject(new Error('A job in parts never runs whole'));
      const job = this.#job({ ...spec, call: never }, resolve as (v: unknown) => void, reject);
      this.#runParts(job, parts, null);
      this.#pump();
    });
  }

  /**
   * Runs a job's parts in its place: at once, one on each of `lanes` (those beyond go to the
   * queue), or all queued when `lanes` is null. The job settles with their results, or with the
   * first failure (the other parts are then cancelled).
   */
  #runParts(job: Job, specs: readonly JobSpec[], lanes: readonly Lane[] | null): void {
    job.state = 'split';
    const group = new AbortController();
    job.parts = group;
    let started = false;
    const onStart = () => {
      if (started) return;
      started = true;
      job.onStart?.();
    };
    let failure: { error: unknown } | undefined;
    const results = specs.map((spec, i) =>
      new Promise<unknown>((resolve, reject) => {
        const start = () => {
          onStart();
          spec.onStart?.();
        };
        const part = this.#job({ ...spec, id: job.id, priority: job.priority, signal: group.signal, onStart: start }, resolve, reject);
        if (lanes && i < lanes.length) this.#assign(lanes[i]!, part);
        else this.#queue.push(part);
      }).catch((error: unknown) => {
        if (!failure && !group.signal.aborted) {
          // The first part to fail decides the job's error; the others are not wanted any more.
          failure = { error };
          group.abort(new CancelledError(`Cancelled: another part of ${job.label} failed`));
        }
        throw error;
      }),
    );
    Promise.all(results).then(
      (values) => this.#settleSplit(job, true, values),
      (error: unknown) => this.#settleSplit(job, false, failure ? failure.error : error),
    );
  }

  /** A split job is settled by its parts (or by its own abort); it never ran, so it counts nowhere. */
  #settleSplit(job: Job, ok: boolean, value: unknown): void {
    if (job.state !== 'split') return;
    job.state = 'settled';
    job.detach?.();
    if (ok) job.resolve(value);
    else job.reject(value);
  }

  /**
   * Lanes that can take `job` now, best first: warm idle workers, then starting ones, then empty
   * lanes; the reserve lane last, and only for work more urgent than the background work that holds a worker.
   */
  #freeLanes(job: Job): Lane[] {
    // Background work waits while the reserve runs an edit: the edit then shares the cores with one
    // batch task at most (the one already running), not a string of them.
    if (this.#isBackground(job) && this.#lanes[this.#size]?.job) return [];
    const reserve = !this.#isBackground(job) && this.#backgroundBusy();
    const usable = this.#lanes.filter((l) => (l.index < this.#size || (reserve && l.index === this.#size)) && !l.job && !l.stopping);
    const rank = (l: Lane) => (l.index >= this.#size ? 3 : l.handle?.ready ? 0 : l.handle ? 1 : 2);
    return usable.sort((a, b) => rank(a) - rank(b) || a.index - b.index);
  }

  #assign(lane: Lane, job: Job): void {
    clearTimeout(lane.idleTimer);
    lane.job = job;
    job.lane = lane;
    job.state = 'assigned';
    if (!lane.handle) this.#spawn(lane);
    else if (lane.handle.ready) this.#begin(lane, job);
    // else it begins when the worker says it is ready
  }

  #begin(lane: Lane, job: Job): void {
    const handle = lane.handle!;
    job.state = 'running';
    job.startedAt = this.#now();
    job.flag = this.#shared ? new Int32Array(new SharedArrayBuffer(FLAG_LENGTH * 4)) : undefined;
    this.#emit({ type: 'task-start', lane: lane.index, t: job.startedAt, ...info(job) });
    if (this.#isBackground(job)) {
      // Background work has begun: the reserve worker gets ready for the next edit.
      const reserve = this.#lanes[this.#size];
      if (reserve && !reserve.handle && !reserve.job) this.#spawn(reserve);
    }
    job.onStart?.();
    let p: Promise<unknown>;
    try {
      p = job.call(handle.api, job.taskId, job.flag);
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      (value) => this.#returned(lane, handle, job, true, value),
      (error) => this.#returned(lane, handle, job, false, error),
    );
  }

  /** The worker answered (result or error), possibly after its task was cancelled. */
  #returned(lane: Lane, handle: Handle, job: Job, ok: boolean, value: unknown): void {
    if (lane.handle !== handle || lane.job !== job) return; // the worker was replaced meanwhile
    lane.job = null;
    if (lane.stopping) {
      // Stopped within the grace period: the worker is kept.
      lane.stopping = false;
      clearTimeout(lane.graceTimer);
    } else {
      this.#settle(job, ok ? 'done' : 'failed', value);
    }
    this.#release(lane);
    // Its dependents may be a few promise hops from arriving: the queue lets them go first.
    this.#queue.kick(job.priority);
  }

  /** Cancels a job wherever it is. A running kernel is told to stop; its worker gets a grace period. */
  #abort(job: Job, reason: unknown): void {
    const timedOut = isTimeout(reason);
    const outcome: TaskOutcome = timedOut ? 'timedout' : 'cancelled';
    const lane = job.lane;
    switch (job.state) {
      case 'settled':
        return;
      case 'queued':
        this.#queue.remove(job);
        this.#settle(job, outcome, reason);
        return;
      case 'split':
        this.#settleSplit(job, false, reason);
        job.parts!.abort(reason);
        return;
      case 'assigned':
        // Its worker is still starting: the task goes, the worker stays for the next one.
        this.#settle(job, outcome, reason);
        lane!.job = null;
        this.#pump();
        return;
      case 'running': {
        const code = timedOut ? CancelCode.timedOut : CancelCode.cancelled;
        const limitMs = reason instanceof StepTimeoutError ? Math.min(2 ** 31 - 1, Math.round(reason.ms)) : 0;
        if (job.flag) {
          Atomics.store(job.flag, FLAG_LIMIT_MS, limitMs);
          Atomics.store(job.flag, FLAG_STATE, code);
          Atomics.notify(job.flag, FLAG_STATE); // wakes a kernel waiting on the flag
        }
        // Also by message, for workers without the flag and kernels that are awaiting something.
        lane!.handle!.api.cancel(job.taskId, code, limitMs).catch(() => {});
        this.#settle(job, outcome, reason);
        lane!.stopping = true;
        lane!.graceTimer = setTimeout(() => {
          if (lane!.job === job && lane!.stopping) {
            this.#kill(lane!, 'unresponsive');
            this.#pump();
          }
        }, this.#opts.graceMs);
        return;
      }
    }
  }

  #settle(job: Job, outcome: TaskOutcome, value: unknown): void {
    if (job.state === 'settled') return;
    const wasRunning = job.state === 'running';
    job.state = 'settled';
    job.detach?.();
    const s = this.stats;
    if (outcome === 'done') s.completed++;
    else if (outcome === 'cancelled') s.cancelled++;
    else if (outcome === 'timedout') s.timedOut++;
    else s.failed++;
    if (wasRunning && job.lane) {
      this.#emit({ type: 'task-end', lane: job.lane.index, startedAt: job.startedAt, t: this.#now(), outcome, ...info(job) });
    }
    if (outcome === 'done') job.resolve(value);
    else job.reject(value);
  }

  // ---- Workers ---------------------------------------------------------------------------------

  #spawn(lane: Lane): void {
    let worker: Worker;
    try {
      worker = this.#createWorker();
    } catch (e) {
      const job = lane.job;
      lane.job = null;
      if (job) this.#settle(job, 'crashed', new WorkerCrashError(`The step worker could not start: ${message(e)}`));
      return;
    }
    const handle: Handle = { worker, api: Comlink.wrap<StepWorkerApi>(worker), ready: false, dead: false, lockStop: null, startTimer: undefined };
    lane.handle = handle;
    this.stats.spawned++;
    this.#emit({ type: 'worker-start', lane: lane.index, t: this.#now() });
    const startLimit = this.#opts.startTimeoutMs;
    if (startLimit > 0 && Number.isFinite(startLimit)) {
      const timer = setTimeout(() => {
        if (!handle.ready) this.#died(lane, handle, `it did not start within ${formatMs(startLimit)}`);
      }, startLimit);
      handle.startTimer = timer;
    }
    worker.addEventListener('message', (ev: MessageEvent) => {
      const d: unknown = ev.data;
      if (!isWorkerNotice(d) || lane.handle !== handle) return;
      if (d.type === 'pipette:ready') this.#ready(lane, handle, d.lock);
      else {
        const job = lane.job;
        if (job && job.state === 'running' && job.taskId === d.taskId) job.onProgress?.(d.fraction);
      }
    });
    worker.addEventListener('error', (ev: Event) => {
      ev.preventDefault(); // reported through the task's error instead of the console
      const text = ev instanceof ErrorEvent && ev.message ? ev.message : handle.ready ? 'an uncaught error' : 'its script failed to load';
      this.#died(lane, handle, text);
    });
    worker.addEventListener('messageerror', () => this.#died(lane, handle, 'it sent a message that could not be read'));
  }

  #ready(lane: Lane, handle: Handle, lock: string | null): void {
    if (handle.ready || handle.dead) return;
    handle.ready = true;
    clearTimeout(handle.startTimer);
    const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
    if (lock && locks) {
      // Granted only once the worker has let go of it, i.e. when it is gone.
      const stop = new AbortController();
      handle.lockStop = stop;
      locks
        .request(lock, { signal: stop.signal }, () => {
          this.#died(lane, handle, 'it stopped unexpectedly');
        })
        .catch(() => {});
    }
    const job = lane.job;
    if (job && job.state === 'assigned') this.#begin(lane, job);
    else {
      this.#release(lane);
      this.#pump();
    }
  }

  /** A worker we did not terminate is gone or broken: replace it and fail its task clearly. */
  #died(lane: Lane, handle: Handle, why: string): void {
    if (handle.dead || lane.handle !== handle) return;
    const job = lane.job;
    const started = handle.ready;
    this.stats.crashed++;
    this.#kill(lane, started ? 'crashed' : 'failed-to-start');
    if (job && job.state !== 'settled') {
      const text = started
        ? `The worker running ${job.label} crashed (${why}). A fresh worker replaces it; retry the step, and if it crashes again, try a smaller image`
        : `The step worker could not start (${why}); reload the page, and if it happens again, report it`;
      this.#settle(job, 'crashed', new WorkerCrashError(text));
    }
    this.#pump();
  }

  #kill(lane: Lane, reason: WorkerExitReason): void {
    const handle = lane.handle;
    if (!handle) return;
    handle.dead = true;
    clearTimeout(handle.startTimer);
    handle.lockStop?.abort();
    handle.worker.terminate();
    lane.handle = null;
    lane.job = null;
    lane.stopping = false;
    lane.retire = false;
    clearTimeout(lane.graceTimer);
    clearTimeout(lane.idleTimer);
    this.stats.terminated++;
    this.#emit({ type: 'worker-exit', lane: lane.index, t: this.#now(), reason });
  }

  /** A lane whose worker has no task any more: idle (with its idle timer) or removed by a resize. */
  #release(lane: Lane): void {
    if (lane.index >= this.#count || lane.retire) {
      this.#kill(lane, 'resized');
      this.#trim();
      return;
    }
    const idleMs = this.#opts.idleTimeoutMs;
    clearTimeout(lane.idleTimer);
    if (idleMs > 0 && Number.isFinite(idleMs)) {
      lane.idleTimer = setTimeout(() => {
        if (lane.handle && !lane.job && !lane.stopping) this.#kill(lane, 'idle');
      }, idleMs);
    }
  }

  /** Drops lanes past the size once their worker is gone. */
  #trim(): void {
    while (this.#lanes.length > this.#count) {
      const last = this.#lanes[this.#lanes.length - 1]!;
      if (last.handle || last.job) break;
      this.#lanes.pop();
    }
  }

  #emit(e: PoolEvent): void {
    for (const l of this.#listeners) {
      try {
        l(e);
      } catch (err) {
        console.error('Pipette: a worker pool listener failed', err);
      }
    }
  }
}

function newLane(index: number): Lane {
  return { index, handle: null, job: null, stopping: false, retire: false, graceTimer: undefined, idleTimer: undefined };
}

function laneState(lane: Lane): LaneState {
  if (!lane.handle) return 'empty';
  if (lane.stopping) return 'stopping';
  if (!lane.handle.ready) return 'starting';
  return lane.job ? 'busy' : 'idle';
}

function info(job: Job): TaskInfo {
  const { taskId, kind, label, op, node } = job;
  return { taskId, kind, label, op, node };
}

function checkedSize(n: number): number {
  if (!Number.isFinite(n) || n < 1) throw new RangeError(`A worker pool needs at least one worker (got ${n})`);
  return Math.floor(n);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
