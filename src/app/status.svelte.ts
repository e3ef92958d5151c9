// The status bar's state: how far the current run is and what the worker pool is doing. Step
// states come from the editor's views (already redrawn at most ten times a second); pool activity
// is re-read on runtime events, throttled to the same rate.

import { untrack } from 'svelte';
import type { PoolActivity } from '../workers/pool';
import type { EditorState } from './editor.svelte';
import { formatMs, formatPercent } from './format';
import { Throttle } from './throttle';

export interface RunningStep {
  readonly id: string;
  readonly title: string;
  readonly progress: number;
}

export interface StepCounts {
  /** Done or served from the cache. */
  readonly finished: number;
  /** Steps of the graph the run covers (idle steps are left out once nothing is running). */
  readonly total: number;
  readonly failed: number;
  /** Steps that cannot run until an input is connected (not failures). */
  readonly needInput: number;
  readonly running: readonly RunningStep[];
}

export class StatusState {
  activity = $state.raw<PoolActivity | null>(null);
  /** A run is pending or in flight. */
  busy = $state(false);
  /** Wall time of the last finished run, and how it ended. */
  lastRun = $state.raw<{ readonly ms: number; readonly status: 'done' | 'cancelled' } | null>(null);
  readonly #editor: EditorState;

  constructor(editor: EditorState) {
    this.#editor = editor;
    const runtime = editor.runtime;
    this.activity = runtime.pool.activity;
    // A pool resized in the settings shows its new size at once, not at its next event.
    $effect(() => {
      void editor.settings.values.poolSize;
      this.activity = untrack(() => runtime.pool.activity);
    });
    $effect(() => {
      let runStart: number | null = null;
      const refresh = () => {
        const a = runtime.pool.activity;
        this.activity = a;
        this.busy = runtime.live.busy;
        // A run ends a moment after its last event, and a debounced edit starts one with none:
        // keep looking while anything is under way.
        if (this.busy || a.busy > 0 || a.queued > 0 || a.starting > 0 || a.stopping > 0) soon();
      };
      // Leading and trailing: the first change shows at once, a burst at most every REDRAW_MS.
      const redraws = new Throttle(refresh);
      const soon = () => redraws.request();
      const stop = runtime.subscribe((e) => {
        if (e.source === 'run' && e.event.type === 'run') {
          if (e.event.phase === 'start') runStart = e.at;
          else if (runStart !== null) {
            this.lastRun = { ms: e.at - runStart, status: e.event.status ?? 'done' };
            runStart = null;
          }
        }
        soon();
      });
      // Read once here without subscribing the effect to what refresh reads (busy): re-running it
      // would drop the run that is going (its start) and the refresh that ends it.
      untrack(refresh);
      return () => {
        stop();
        redraws.stop();
      };
    });
  }

  readonly counts = $derived.by((): StepCounts => {
    const views = this.#editor.views;
    const nodes = this.#editor.graph.nodes;
    let finished = 0;
    let failed = 0;
    let needInput = 0;
    let idle = 0;
    let skipped = 0;
    const running: RunningStep[] = [];
    for (const n of nodes) {
      const v = views.get(n.id);
      const s = v?.state ?? 'idle';
      if (s === 'done' || s === 'cached') finished++;
      else if (v?.needsInput) needInput++;
      else if (s === 'failed' || s === 'timedout') failed++;
      else if (s === 'idle') idle++;
      else if (s === 'skipped') skipped++; // left out by a switch: not a step of this run
      if (v && s === 'running') running.push({ id: n.id, title: v.title, progress: v.progress });
    }
    // While a run goes, idle steps are still to come; once it is over, they were not asked for (run to step).
    const total = (this.busy ? nodes.length : nodes.length - idle) - skipped - needInput;
    return { finished, total, failed, needInput, running };
  });

  /** "3/7 steps · Gaussian Blur 45 %" */
  readonly progressText = $derived.by((): string => {
    const c = this.counts;
    if (this.#editor.graph.nodes.length === 0) return 'No steps';
    const parts = [`${c.finished}/${c.total} steps`];
    const first = c.running[0];
    if (first) parts.push(`${first.title} ${formatPercent(first.progress)}` + (c.running.length > 1 ? ` +${c.running.length - 1}` : ''));
    if (c.failed > 0) parts.push(`${c.failed} failed`);
    if (c.needInput > 0) parts.push(c.needInput === 1 ? '1 needs an input' : `${c.needInput} need an input`);
    return parts.join(' · ');
  });

  readonly runText = $derived.by((): string => {
    if (this.busy) return 'Running…';
    const r = this.lastRun;
    if (!r) return 'Idle';
    return r.status === 'cancelled' ? `Cancelled after ${formatMs(r.ms)}` : `Idle · last run ${formatMs(r.ms)}`;
  });

  readonly poolText = $derived.by((): string => {
    const a = this.activity;
    if (!a) return '';
    const parts = [`${a.busy}/${a.size} workers busy`];
    if (a.starting > 0) parts.push(`${a.starting} starting`);
    if (a.stopping > 0) parts.push(`${a.stopping} stopping`);
    parts.push(a.queued === 1 ? '1 task queued' : `${a.queued} tasks queued`);
    return parts.join(' · ');
  });
}
