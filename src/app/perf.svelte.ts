// The performance panel's state: per-step time and throughput, the last run's total, slow-step
// flags, cache statistics and budgets, and the worker-lane timeline of the latest run. Events are
// gathered as they come and published at most ten times a second.

import type { TieredCache, CacheStats } from '../cache';
import type { StepState } from '../engine';
import type { PoolEvent, TaskKind, TaskOutcome } from '../workers/pool';
import type { EditorState } from './editor.svelte';
import { Throttle } from './throttle';

const MiB = 1024 * 1024;
/** A step taking more than this share of its run's wall time is flagged. */
export const SLOW_SHARE = 0.5;

export interface StepRow {
  readonly id: string;
  readonly title: string;
  readonly state: StepState;
  /** Computation time of the current result; 0 when it came from the cache; null when there is none. */
  readonly ms: number | null;
  readonly cached: boolean;
  /** Pixels of the step's first image output. */
  readonly pixels: number | null;
  /** Megapixels per second, output size over time; null for cached or non-image steps. */
  readonly mpps: number | null;
  /** Time as a fraction of the slowest step's, for the inline bar. */
  readonly share: number;
  /** Why the step is flagged as slow, or null. */
  readonly flag: string | null;
}

export interface TimelineBar {
  readonly taskId: number;
  readonly lane: number;
  readonly kind: TaskKind;
  readonly label: string;
  readonly node?: string;
  readonly start: number;
  /** null while it runs. */
  readonly end: number | null;
  readonly outcome: TaskOutcome | 'running';
}

export interface Timeline {
  /** performance.now() of the run's start (or its earliest task's, if that began before). */
  readonly start: number;
  /** End of the run, or the time of this snapshot while it runs. */
  readonly end: number;
  readonly running: boolean;
  readonly lanes: number;
  readonly bars: readonly TimelineBar[];
}

export interface RunTotal {
  readonly ms: number;
  readonly status: 'done' | 'cancelled' | 'running';
}

interface RunRecord {
  start: number;
  end: number | null;
  status: 'done' | 'cancelled' | null;
  bars: Map<number, TimelineBar>;
}

export class PerfState {
  /** The drawer is open; closed at first, so the graph keeps the room until someone asks. */
  open = $state(false);
  cacheStats = $state.raw<CacheStats>(null!);
  timeline = $state.raw<Timeline | null>(null);
  run = $state.raw<RunTotal | null>(null);
  /** An error from changing budgets or clearing, to show. */
  cacheError = $state<string | null>(null);
  readonly #editor: EditorState;
  readonly #cache: TieredCache;

  constructor(editor: EditorState, cache: TieredCache) {
    this.#editor = editor;
    this.#cache = cache;
    this.cacheStats = cache.stats;
    $effect(() => this.#listen());
  }

  #listen(): () => void {
    const runtime = this.#editor.runtime;
    const inFlight = new Map<number, TimelineBar>();
    let current: RunRecord | null = null;

    const publish = () => {
      this.cacheStats = this.#cache.stats;
      const r = current;
      if (!r) return;
      const now = performance.now();
      const bars = [...r.bars.values()];
      const start = Math.min(r.start, ...bars.map((b) => b.start));
      // Tasks that outlive the run (a preview bitmap asked for at its end) stay on the chart.
      const end = Math.max(r.end ?? now, ...bars.map((b) => b.end ?? now));
      this.timeline = { start, end, running: r.end === null, lanes: Math.max(runtime.pool.size, ...bars.map((b) => b.lane + 1)), bars };
      this.run = { ms: (r.end ?? now) - r.start, status: r.status ?? 'running' };
      // Running bars grow: keep redrawing while the run goes.
      if (r.end === null) soon();
    };
    const redraws = new Throttle(publish);
    const soon = () => redraws.request();

    const onPool = (e: PoolEvent) => {
      if (e.type === 'task-start') {
        const bar: TimelineBar = { taskId: e.taskId, lane: e.lane, kind: e.kind, label: e.label, node: e.node, start: e.t, end: null, outcome: 'running' };
        inFlight.set(e.taskId, bar);
        // A step always belongs to a run; other tasks (decode, preview bitmaps) only while one goes.
        if (current && (current.end === null || e.kind === 'step')) current.bars.set(e.taskId, bar);
      } else if (e.type === 'task-end') {
        inFlight.delete(e.taskId);
        const old = current?.bars.get(e.taskId);
        if (current && old) current.bars.set(e.taskId, { ...old, end: e.t, outcome: e.outcome });
      }
    };

    const stopRuntime = runtime.subscribe((e) => {
      if (e.source === 'pool') onPool(e.event);
      else if (e.event.type === 'run') {
        const now = e.at;
        if (e.event.phase === 'start') {
          // Work the new run took over from the one it replaced is part of it.
          current = { start: now, end: null, status: null, bars: new Map(inFlight) };
        } else if (current) {
          current.end = now;
          current.status = e.event.status ?? 'done';
        }
      }
      soon();
    });
    const stopCache = this.#cache.subscribe(() => soon());
    return () => {
      stopRuntime();
      stopCache();
      redraws.stop();
    };
  }

  /** One row per step, in graph order. */
  readonly rows = $derived.by((): StepRow[] => {
    const views = this.#editor.views;
    const run = this.run;
    const base = this.#editor.graph.nodes.map((n) => {
      const v = views.get(n.id);
      const pixels = v?.size ? v.size.width * v.size.height : null;
      const cached = v?.cached ?? false;
      const ms = v && (v.state === 'done' || v.state === 'cached') ? (v.durationMs ?? null) : null;
      const mpps = pixels !== null && ms !== null && ms > 0 && !cached ? pixels / 1e6 / (ms / 1000) : null;
      return { id: n.id, title: v?.title ?? n.op, state: v?.state ?? 'idle', ms, cached, pixels, mpps };
    });
    const computed = base.filter((r) => r.ms !== null && r.ms > 0 && !r.cached);
    const slowest = computed.reduce<(typeof base)[number] | null>((a, r) => (a === null || r.ms! > a.ms! ? r : a), null);
    const max = slowest?.ms ?? 0;
    const runMs = run && run.status !== 'running' ? run.ms : null;
    return base.map((r) => {
      let flag: string | null = null;
      if (r.ms !== null && r.ms > 0 && !r.cached) {
        if (runMs !== null && runMs > 0 && r.ms > SLOW_SHARE * runMs) flag = `${Math.round((r.ms / runMs) * 100)} % of the run`;
        else if (r === slowest && computed.length > 1) flag = 'slowest step';
      }
      return { ...r, share: max > 0 && r.ms !== null ? r.ms / max : 0, flag };
    });
  });

  /** Sum of the step times of the current results (cache hits count 0). */
  readonly stepTotalMs = $derived(this.rows.reduce((s, r) => s + (r.ms ?? 0), 0));

  // Through the settings, which store the budgets and apply them to the cache.
  setMemoryBudgetMB(mb: number): void {
    if (!Number.isFinite(mb) || mb < 0) return;
    this.cacheError = null;
    this.#editor.settings.update({ memoryMB: mb });
    this.cacheStats = this.#cache.stats;
  }

  setIdbBudgetMB(mb: number): void {
    if (!Number.isFinite(mb) || mb < 0) return;
    this.cacheError = null;
    this.#editor.settings.update({ idbMB: mb });
    this.cacheStats = this.#cache.stats;
  }

  clearCache(): void {
    this.cacheError = null;
    this.#cache.clear().catch((e: unknown) => (this.cacheError = `The cache could not be cleared: ${message(e)}`));
  }

}

export function toMB(bytes: number): number {
  return Math.round(bytes / MiB);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
