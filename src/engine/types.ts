// The contracts between the engine and what it drives: the executor that runs a step (a worker
// pool in the app, an in-process function in tests) and the store that remembers results.

import type { OpDecl, Params } from './op';

/** Every state a step can be in, as the UI shows it. */
export type StepState =
  | 'idle'
  | 'queued'
  | 'running'
  | 'done'
  | 'cached'
  | 'failed'
  | 'cancelled'
  | 'timedout'
  | 'blocked'
  /** Not needed: it only feeds a switch input that was not picked. */
  | 'skipped';

/** States after which a step will not change again in the same run. */
export const FINAL_STATES: ReadonlySet<StepState> = new Set(['done', 'cached', 'failed', 'cancelled', 'timedout', 'blocked', 'skipped']);

/** A step's result: one value per output port. `V` is opaque to the engine. */
export type Outputs<V> = Readonly<Record<string, V>>;

export interface StepTask<V> {
  readonly nodeId: string;
  readonly op: OpDecl;
  readonly params: Params;
  readonly key: string;
  /** One value per wired input port. */
  readonly inputs: Readonly<Record<string, V>>;
  /** Higher runs first: one of PRIORITY's classes when it comes from the scheduler. */
  readonly priority: number;
  /**
   * Set for a proxy run: sources reduce their images to at most this many pixels, and every step
   * works on the reduced images (see keys.ts). Absent or 0 for full resolution.
   */
  readonly proxy?: number;
  /**
   * Set on a proxy run's targets (the focused step, pinned ones) and on a run's focus: shown as
   * soon as it is made, so an executor may hand back, with each image, a bitmap ready to display
   * (see workers/protocol.ts; the app's gives none for a reduced proxy, which the viewer draws from
   * its pixels).
   */
  readonly display?: boolean;
  /** Computed from a live source (a camera frame, a timer's tick): keep it in memory only (see ResultStore). */
  readonly volatile?: boolean;
}

export interface ExecContext {
  /** Aborted when the step is cancelled or times out; the executor must stop and reject. */
  readonly signal: AbortSignal;
  /**
   * Call when the work really begins (a worker takes it), after any waiting in a queue: the step
   * shows as running from then, its time limit and its duration count from then. Later calls are
   * ignored. A step whose executor never calls it shows as queued until it settles, without limit.
   */
  started(): void;
  /** Report progress as a fraction 0..1. May be called often; consumers throttle. */
  progress(fraction: number): void;
}

/**
 * Runs steps. The scheduler hands a step over as soon as its inputs are ready: the executor is
 * where work waits (in one PriorityQueue, see queue.ts) and how much runs at once.
 */
export interface Executor<V> {
  run(task: StepTask<V>, ctx: ExecContext): Promise<Outputs<V>>;
  /** The step with this key (waiting or about to) now has this priority: the focus moved, or a more urgent run needs it. */
  setPriority?(key: string, priority: number): void;
}

/**
 * Priority classes, highest first: the step the user looks at (and what it needs) in an
 * interactive run; proxy previews while a slider moves; the rest of an interactive run; batch work.
 * Anything a person waits for outside a run (decoding a dropped file) goes above them all.
 */
export const PRIORITY = { focus: 3, proxy: 2, interactive: 1, batch: 0 } as const;

/** What a run is for; decides its steps' priority class. */
export type RunClass = 'interactive' | 'proxy' | 'batch';

/** What a result store is told about a result it is given. */
export interface PutInfo {
  readonly op: OpDecl;
  readonly durationMs: number;
  readonly proxy?: boolean;
  readonly batch?: boolean;
  readonly volatile?: boolean;
}

/** A stored result as `ResultStore.peek` gives it. */
export interface Peeked<V> {
  readonly outputs: Outputs<V>;
  /**
   * The outputs are a light form, for showing only: their images keep their size and node preview
   * but not their pixels, which stay in storage until `get` asks for them.
   */
  readonly light: boolean;
}

/** Where results are remembered between runs, keyed by content key. */
export interface ResultStore<V> {
  /** May answer synchronously (memory) or asynchronously (IndexedDB). */
  get(key: string): Outputs<V> | undefined | Promise<Outputs<V> | undefined>;
  /**
   * Optional: a stored result for a step that is only to be shown (its node preview), not read —
   * a store that keeps pixels apart may leave them there (`light`). Undefined when not stored.
   */
  peek?(key: string): Peeked<V> | undefined | Promise<Peeked<V> | undefined>;
  /**
   * Must not block: implementations write behind. `proxy`: a proxy-run result, cheap to recompute
   * and made many times a second while a slider moves — worth keeping in memory, not on disk.
   * `batch`: only batch runs needed it (each image is new): not worth keeping at all, and storing
   * six 12 MP results an image would take the memory and cores the editor needs.
   * `volatile`: computed from a camera frame or a timer's tick, a key that will not come back:
   * memory only, never IndexedDB.
   */
  put(key: string, outputs: Outputs<V>, info: PutInfo): void;
}

/** Thrown into a step when its time budget runs out. */
export class StepTimeoutError extends Error {
  constructor(readonly ms: number) {
    super(`Stopped after ${formatMs(ms)}: the step took longer than its time limit`);
    this.name = 'TimeoutError';
  }
}

/** Thrown into a step that was cancelled by the user or superseded by a newer edit. */
export class CancelledError extends Error {
  constructor(message = 'Cancelled') {
    super(message);
    this.name = 'AbortError';
  }
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s` : `${Math.round(ms)} ms`;
}

export function isAbort(e: unknown): boolean {
  return e instanceof Error && (e.name === 'AbortError' || e instanceof CancelledError);
}

export function isTimeout(e: unknown): boolean {
  return e instanceof StepTimeoutError || (e instanceof Error && e.name === 'TimeoutError');
}
