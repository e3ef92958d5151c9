// The live controller turns a stream of edits into runs. Edits are debounced into one run; a new
// run replaces the one in flight (taking over whatever work is still valid, cancelling the rest).
// Results are published only under the key the step has in the newest graph, so a result of an
// older version of the graph can never be shown, whatever the timing.
//
// Proxy previews: an edit marked `preview` (a slider being dragged) first runs the focused step and
// its ancestors on proxies — sources reduced to about a megapixel, keyed apart from full results —
// at once, ahead of all full-resolution work but the focused step's own (see PRIORITY); the
// full-resolution run follows when the edits rest. A step shows its full result when it has one
// for its current key, else its proxy result for its current proxy key, marked as such; never
// anything else.
//
// What a step showed before an edit withdrew it is kept apart as its `previous` result, for display
// only and marked as out of date ("updating"), until the step gets a result for its new key, fails,
// or a run ends without giving it one: a preview below the step being tuned never goes blank mid-drag.
// `watch` adds steps (a pinned viewer's) that proxy runs compute too, beside the focused one.

import type { Graph } from './graph';
import { keyGraph, type GraphKeys } from './keys';
import type { Run, Scheduler, SchedulerEvent } from './scheduler';
import type { Outputs, StepState } from './types';

export interface StepView {
  readonly state: StepState;
  /** The step's key in the current graph, null if it cannot run. */
  readonly key: string | null;
  /** 0..1 while running. */
  readonly progress: number;
  readonly message?: string;
  readonly blockedBy?: string;
  /** Last computation time for the current key (0 for a cache hit). */
  readonly durationMs?: number;
  readonly startedAt?: number;
  /** A result that is fine but worth a look (a switch's condition close to its threshold). */
  readonly warning?: string;
}

export interface Published<V> {
  readonly key: string;
  readonly outputs: Outputs<V>;
  readonly cached: boolean;
  readonly durationMs: number;
  /** A proxy-resolution result, shown until the full one arrives. */
  readonly proxy: boolean;
  /**
   * The store's light form of a stored result (see ResultStore.peek): what a node preview shows
   * (sizes, thumbnails, numbers), not the pixels. A step the user looks at (the focus, a watched
   * or needed step) or that `full` asks for is read in full; `result` never gives a light result
   * for those once their run is over.
   */
  readonly light?: boolean;
}

const EMPTY: ReadonlySet<string> = new Set();

/** Default proxy size: sources are reduced to at most this many pixels while a parameter is dragged. */
export const DEFAULT_PROXY_PIXELS = 1 << 20;

export interface LiveOptions<V> {
  readonly scheduler: Scheduler<V>;
  /** Quiet time after the last edit before a run starts. */
  readonly debounceMs?: number;
  /** A step's current result, or null when its result no longer matches the graph. */
  readonly onPublish?: (node: string, result: Published<V> | null) => void;
  /** A step's state changed. */
  readonly onState?: (node: string, view: StepView) => void;
  /** The focus (the step computed first and shown) changed, whoever changed it. */
  readonly onFocus?: (node: string | null) => void;
  /** Every scheduler event of the current run, for timelines and statistics. */
  readonly onEvent?: (event: SchedulerEvent<V>) => void;
  /** Per-step time limit in ms (0: none). */
  readonly timeoutMs?: number;
  /** Most pixels of a proxy source; 0 turns proxy previews off. Default DEFAULT_PROXY_PIXELS. */
  readonly proxyPixels?: number;
  /** After a preview edit, how long edits must rest before the full-resolution run starts. Default 250 ms. */
  readonly restMs?: number;
}

export class LiveController<V> {
  readonly #opts: LiveOptions<V>;
  #graph: Graph = { nodes: [], edges: [] };
  #keys: GraphKeys | null = null;
  /** Keys at proxy resolution, made when first needed (a preview edit, a proxy result to check) rather than on every edit. */
  #proxyKeys: GraphKeys | null = null;
  /** The proxy level of the current graph's proxy keys (proxyPixels when it was set); 0: proxies off. */
  #proxyLevel = 0;
  #proxyRun: Run | null = null;
  /** Steps a live source drives (a timer's target): their results and those below are volatile. */
  #volatile: ReadonlySet<string> = EMPTY;
  #focus: string | null = null;
  #targets: readonly string[] | null = null;
  #run: Run | null = null;
  #timer: unknown = null;
  #version = 0;
  #idleWaiters: (() => void)[] = [];
  #idleSpells = 0;
  /** Proxies started from rest in the current task: a flush in the same task stops them. */
  #proxyFromRest = false;
  readonly #published = new Map<string, Published<V>>();
  /** What a step showed before an edit withdrew it; shown marked "updating", never as its result. */
  readonly #previous = new Map<string, Published<V>>();
  /** Steps proxy runs compute besides the focused one (a pinned viewer's step). */
  #watched: readonly string[] = [];
  /** Steps whose pixels someone reads (a compared image), besides the focus and the watched ones: never light. */
  #needed: readonly string[] = [];
  /** Steps `full` is waiting for, by how many callers. */
  readonly #wanted = new Map<string, number>();
  readonly #proxies = new Map<string, Published<V>>();
  /** What onPublish last announced per step, to announce only changes. */
  readonly #shown = new Map<string, Published<V>>();
  readonly #views = new Map<string, StepView>();
  debounceMs: number;
  timeoutMs: number;
  proxyPixels: number;
  restMs: number;

  constructor(opts: LiveOptions<V>) {
    this.#opts = opts;
    this.debounceMs = opts.debounceMs ?? 150;
    this.timeoutMs = opts.timeoutMs ?? 0;
    this.proxyPixels = Math.max(0, Math.floor(opts.proxyPixels ?? DEFAULT_PROXY_PIXELS));
    this.restMs = opts.restMs ?? 250;
  }

  get graph(): Graph {
    return this.#graph;
  }

  /** Increases with every graph change; lets callers tell versions apart. */
  get version(): number {
    return this.#version;
  }

  get busy(): boolean {
    return this.#timer !== null || this.#run !== null || this.#proxyRun !== null;
  }

  /** How many times the graph has gone from busy to idle: tells one idle spell from the next. */
  get idleSpells(): number {
    return this.#idleSpells;
  }

  keyOf(node: string): string | null {
    const s = this.#keys?.steps.get(node);
    return s?.ok ? s.key : null;
  }

  /** The step's key at proxy resolution, or null (not keyed, or proxies off). */
  proxyKeyOf(node: string): string | null {
    const s = this.#currentProxyKeys()?.steps.get(node);
    return s?.ok ? s.key : null;
  }

  #currentProxyKeys(): GraphKeys | null {
    if (!this.#proxyKeys && this.#proxyLevel > 0 && this.#keys) {
      const conditions = this.#opts.scheduler.conditions;
      this.#proxyKeys = keyGraph(this.#graph, this.#opts.scheduler.registry, { proxy: this.#proxyLevel, index: this.#keys.index, conditions, volatile: this.#volatile });
    }
    return this.#proxyKeys;
  }

  /** What the step shows: its full result for its current key, else its current proxy result. */
  result(node: string): Published<V> | undefined {
    return this.#published.get(node) ?? this.#proxies.get(node);
  }

  /**
   * What the step showed before an edit withdrew it, while its new result is still to come; for
   * display marked as out of date, never as the step's result (exports and pixels use `result`).
   */
  previous(node: string): Published<V> | undefined {
    return this.#published.has(node) || this.#proxies.has(node) ? undefined : this.#previous.get(node);
  }

  /** Steps to compute on proxies too while a slider is dragged (a pinned viewer's), besides the focus. */
  watch(nodes: readonly string[]): void {
    this.#watched = [...nodes];
    this.#upgrade(nodes);
  }

  /**
   * Steps whose pixels are read besides the focus and the watched ones (the image the viewer
   * compares with): their stored results are read in full, never served light.
   */
  need(nodes: readonly string[]): void {
    this.#needed = [...nodes];
    this.#upgrade(nodes);
  }

  /**
   * The step's result with its pixels: a light one is read in full first (a run that asks for it).
   * Undefined when the step has no result.
   */
  async full(node: string): Promise<Published<V> | undefined> {
    if (!this.result(node)?.light) return this.result(node);
    this.#wanted.set(node, (this.#wanted.get(node) ?? 0) + 1);
    try {
      this.#schedule(0);
      await this.whenIdle();
    } finally {
      const n = (this.#wanted.get(node) ?? 1) - 1;
      if (n > 0) this.#wanted.set(node, n);
      else this.#wanted.delete(node);
    }
    const r = this.result(node);
    return r?.light ? undefined : r;
  }

  /** A run soon if any of `nodes` shows only a light result, to read it in full. */
  #upgrade(nodes: readonly (string | null)[]): void {
    if (nodes.some((n) => n !== null && this.result(n)?.light)) this.#schedule(0);
  }

  view(node: string): StepView {
    return this.#views.get(node) ?? { state: 'idle', key: this.keyOf(node), progress: 0 };
  }

  /**
   * Takes a new version of the graph. Results that no longer match are withdrawn at once; the run
   * starts after the debounce (or now, with `immediate`).
   */
  setGraph(graph: Graph, opts: { immediate?: boolean; preview?: boolean; volatile?: ReadonlySet<string> } = {}): void {
    this.#graph = graph;
    this.#version++;
    this.#volatile = opts.volatile ?? EMPTY;
    const registry = this.#opts.scheduler.registry;
    const keys = keyGraph(graph, registry, { conditions: this.#opts.scheduler.conditions, volatile: this.#volatile });
    this.#keys = keys;
    this.#proxyKeys = null;
    this.#proxyLevel = this.proxyPixels;
    const present = new Set(graph.nodes.map((n) => n.id));
    const before = new Map<string, Published<V>>();
    for (const node of this.#shown.keys()) {
      const r = this.result(node);
      if (r) before.set(node, r);
    }
    for (const [node, pub] of this.#published) {
      if (!present.has(node) || this.keyOf(node) !== pub.key) this.#published.delete(node);
    }
    for (const [node, pub] of this.#proxies) {
      if (!present.has(node) || this.proxyKeyOf(node) !== pub.key) this.#proxies.delete(node);
    }
    for (const node of [...this.#previous.keys()]) if (!present.has(node) || keys.steps.get(node)?.ok !== true) this.#previous.delete(node);
    for (const [node, shown] of before) {
      if (present.has(node) && !this.result(node) && keys.steps.get(node)?.ok === true) this.#previous.set(node, shown);
    }
    for (const node of [...this.#shown.keys()]) this.#announce(node);
    for (const node of [...this.#views.keys()]) {
      if (!present.has(node)) this.#views.delete(node);
    }
    for (const n of graph.nodes) {
      const v = this.#views.get(n.id);
      const key = this.keyOf(n.id);
      if (!v || v.key !== key) this.#setView(n.id, { state: 'idle', key, progress: 0 });
    }
    if (opts.preview && this.#currentProxyKeys()) {
      // Work of the run in flight that this graph no longer needs stops now, to leave the workers
      // to the proxies; what is still valid goes on and is taken over by the full run at rest.
      const keep = new Set<string>();
      for (const s of keys.steps.values()) if (s.ok) keep.add(s.key);
      this.#run?.retain(keep);
      if (!this.busy) {
        // From rest: an edit flushed within this same task (a key press, a click's input and change
        // together) goes straight to full resolution with every worker, and flush() stops these
        // proxies before they take one. A drag's first input, or a key held down (runs in flight),
        // keeps them.
        this.#proxyFromRest = true;
        queueMicrotask(() => (this.#proxyFromRest = false));
      }
      this.#startProxy();
      this.#schedule(opts.immediate ? 0 : this.restMs);
    } else {
      this.#proxyRun?.cancel();
      this.#schedule(opts.immediate ? 0 : this.debounceMs);
    }
  }

  /** The step the user is looking at: computed first. */
  setFocus(node: string | null): void {
    if (this.#focus === node) return;
    this.#focus = node;
    this.#opts.onFocus?.(node);
    if (this.busy) this.#schedule(0);
    else this.#upgrade([node]);
  }

  get focus(): string | null {
    return this.#focus;
  }

  /** The steps computed (run-to-step), or null for all. */
  get targets(): readonly string[] | null {
    return this.#targets;
  }

  /** Which steps to compute: null for all (the default), or a list for run-to-step. */
  setTargets(targets: readonly string[] | null, opts: { immediate?: boolean } = { immediate: true }): void {
    this.#targets = targets;
    this.#schedule(opts.immediate ? 0 : this.debounceMs);
  }

  /** Starts the pending run now instead of after the debounce. */
  flush(): void {
    if (this.#proxyFromRest) {
      this.#proxyFromRest = false;
      this.#proxyRun?.cancel();
    }
    if (this.#timer !== null) this.#schedule(0);
  }

  /** Re-runs the current graph (after a failure or cancellation; cached steps are served). */
  retry(): void {
    this.#schedule(0);
  }

  /** Stops the run in flight and any pending one. */
  cancel(): void {
    const pending = this.#timer !== null;
    if (pending) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    this.#proxyRun?.cancel();
    this.#run?.cancel();
    // A pending run stopped before it began: nothing will finish to say the graph is idle, so say it
    // here (a run in flight says it once it has settled, and #wakeIdle waits for that).
    if (pending) this.#wakeIdle();
  }

  cancelStep(node: string): void {
    this.#run?.cancelStep(node);
  }

  /** Resolves when no run is pending or in flight. */
  whenIdle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((r) => this.#idleWaiters.push(r));
  }

  #schedule(ms: number): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#start();
    }, ms);
  }

  #start(): void {
    const keys = this.#keys;
    if (!keys) {
      this.#wakeIdle();
      return;
    }
    // Steps no one reads are only shown: a stored result of one may come light (pixels left in storage).
    const read = new Set<string | null>([this.#focus, ...this.#watched, ...this.#needed, ...this.#wanted.keys()]);
    const light = (this.#targets ?? this.#graph.nodes.map((n) => n.id)).filter((n) => !read.has(n));
    const run = this.#opts.scheduler.run(this.#graph, {
      keys,
      targets: this.#targets ?? undefined,
      light,
      focus: this.#focus,
      replaces: this.#run,
      timeoutMs: this.timeoutMs,
      onEvent: (e) => this.#onEvent(run, e),
    });
    this.#run = run;
    void run.done.then(() => {
      if (this.#run !== run) return;
      this.#run = null;
      // A step this run did not give a new result (not asked for, failed, cancelled) stops showing its old one.
      if (this.#timer === null) for (const node of [...this.#previous.keys()]) this.#dropPrevious(node);
      this.#wakeIdle();
    });
  }

  /** Computes the focused step (or the targets) on proxies, in the proxy priority class. */
  #startProxy(): void {
    const keys = this.#currentProxyKeys()!;
    const wanted = [this.#focus, ...this.#watched].filter((n): n is string => n !== null && keys.steps.has(n));
    const targets = wanted.length > 0 ? [...new Set(wanted)] : (this.#targets ?? undefined);
    const run = this.#opts.scheduler.run(this.#graph, {
      keys,
      targets,
      focus: this.#focus,
      priority: 'proxy',
      replaces: this.#proxyRun,
      timeoutMs: this.timeoutMs,
      onEvent: (e) => this.#onProxyEvent(e),
    });
    this.#proxyRun = run;
    void run.done.then(() => {
      if (this.#proxyRun !== run) return;
      this.#proxyRun = null;
      this.#wakeIdle();
    });
  }

  #onProxyEvent(e: SchedulerEvent<V>): void {
    if (e.type !== 'step' || !e.outputs || e.key === null || e.key !== this.proxyKeyOf(e.node)) return;
    if (this.#published.has(e.node)) return; // the full result is here already
    const old = this.#proxies.get(e.node);
    if (old && old.key === e.key && old.outputs === e.outputs) return;
    this.#proxies.set(e.node, { key: e.key, outputs: e.outputs, cached: e.state === 'cached', durationMs: e.durationMs ?? 0, proxy: true });
    this.#previous.delete(e.node);
    this.#announce(e.node);
  }

  #dropPrevious(node: string): void {
    if (!this.#previous.delete(node)) return;
    if (!this.result(node)) this.#opts.onPublish?.(node, null);
  }

  /** Tells onPublish when what a step shows has changed. */
  #announce(node: string): void {
    const now = this.result(node);
    if (this.#shown.get(node) === now) return;
    if (now) this.#shown.set(node, now);
    else this.#shown.delete(node);
    this.#opts.onPublish?.(node, now ?? null);
  }

  #wakeIdle(): void {
    if (this.busy) return;
    this.#idleSpells++;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    waiters.forEach((w) => w());
  }

  #onEvent(run: Run, e: SchedulerEvent<V>): void {
    if (e.type === 'step' && e.outputs && e.key !== null && e.key === this.keyOf(e.node)) {
      // A result is valid under its key, whichever run produced it.
      const old = this.#published.get(e.node);
      // A light result never replaces the same result in full.
      if (!old || old.key !== e.key || (old.outputs !== e.outputs && !(e.light && !old.light))) {
        this.#published.set(e.node, { key: e.key, outputs: e.outputs, cached: e.state === 'cached', durationMs: e.durationMs ?? 0, proxy: false, ...(e.light ? { light: true } : {}) });
        this.#proxies.delete(e.node);
        this.#previous.delete(e.node);
        this.#announce(e.node);
      }
    }
    // States belong to the current run only: an old run's "cancelled" must not overwrite a new run's state.
    // (`run` is assigned before any event fires: the scheduler starts a run on a microtask.)
    if (run !== this.#run) return;
    if (e.type === 'keys') {
      this.#rekeyed();
      return;
    }
    this.#opts.onEvent?.(e);
    // A view shows the step under its current key: events of work an edit made obsolete (a run
    // not yet replaced) say nothing about it.
    if (e.type === 'step' && e.key !== this.keyOf(e.node)) return;
    if (e.type === 'step') {
      if (e.state === 'failed' || e.state === 'blocked' || e.state === 'timedout') this.#dropPrevious(e.node);
      const prev = this.#views.get(e.node);
      if (e.state === 'cancelled' && prev && prev.key === e.key && (prev.state === 'done' || prev.state === 'cached')) return;
      this.#setView(e.node, {
        state: e.state,
        key: e.key,
        progress: e.state === 'done' || e.state === 'cached' ? 1 : 0,
        ...(e.message !== undefined ? { message: e.message } : {}),
        ...(e.blockedBy !== undefined ? { blockedBy: e.blockedBy } : {}),
        ...(e.durationMs !== undefined ? { durationMs: e.durationMs } : {}),
        ...(e.startedAt !== undefined ? { startedAt: e.startedAt } : {}),
        ...(e.warning !== undefined ? { warning: e.warning } : {}),
      });
    } else if (e.type === 'progress') {
      const prev = this.#views.get(e.node);
      if (prev && prev.state === 'running' && prev.key === e.key) this.#setView(e.node, { ...prev, progress: e.progress });
    }
  }

  /**
   * A run learned a switch's condition: the graph is keyed again with what the scheduler now knows
   * (the current graph, which may be newer than the run's), so steps that waited for it get keys.
   * Keys only appear (a keyed step keeps its key), so nothing published goes stale; proxy keys are
   * made again from the new values when next needed.
   */
  #rekeyed(): void {
    if (!this.#keys) return;
    this.#keys = keyGraph(this.#graph, this.#opts.scheduler.registry, { conditions: this.#opts.scheduler.conditions, index: this.#keys.index, volatile: this.#volatile });
    this.#proxyKeys = null;
    for (const n of this.#graph.nodes) {
      const v = this.#views.get(n.id);
      const key = this.keyOf(n.id);
      if (v && v.key !== key) this.#setView(n.id, { state: 'idle', key, progress: 0 });
    }
  }

  #setView(node: string, view: StepView): void {
    this.#views.set(node, view);
    this.#opts.onState?.(node, view);
  }
}

