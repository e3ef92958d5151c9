// UI state for the editor: mirrors the runtime into Svelte state, at most ~10 redraws a second.
// Holds no engine logic: edits go to the runtime, which owns graph, history and execution.

import { emptyGraph, setParam, type Graph, type StepState } from '../engine';
import { registry } from '../ops/registry';
import type { ImageResult } from '../workers/protocol';
import { start, type Started } from './bootstrap';
import { examples } from './examples';

export interface NodeView {
  readonly id: string;
  readonly title: string;
  readonly state: StepState;
  readonly progress: number;
  readonly durationMs: number | null;
  readonly cached: boolean;
  readonly message: string | null;
  readonly bypass: boolean;
  readonly thumbnail: ImageBitmap | null;
  readonly size: string | null;
}

const REDRAW_MS = 100;

export class EditorState {
  graph = $state.raw<Graph>(emptyGraph);
  views = $state.raw<ReadonlyMap<string, NodeView>>(new Map());
  notice = $state<string | null>(null);
  /** The step the viewer follows and the parameter panel edits; computed first. */
  selected = $state<string | null>(null);
  error = $state<string | null>(null);
  readonly #started: Started;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor() {
    this.#started = start(
      {
        onChange: () => this.#redrawSoon(),
        onGraph: (g) => {
          this.graph = g;
          this.#redrawSoon();
        },
      },
      () => this.openExample(examples[0]!.id),
    );
    this.#started.cache.onNotice((n) => (this.notice = n.message));
    void this.#started.api.ready.then(() => {
      if (this.#started.restoreError) this.error = this.#started.restoreError;
    });
  }

  get runtime() {
    return this.#started.runtime;
  }

  select(id: string | null): void {
    this.selected = id;
    this.runtime.live.setFocus(id);
  }

  /** Opens a starter example: decodes its samples, then replaces the graph (one undo step). */
  async openExample(id: string): Promise<void> {
    const ex = examples.find((e) => e.id === id);
    if (!ex) return;
    try {
      let g = ex.graph;
      for (const [node, file] of Object.entries(ex.samples)) {
        const asset = await this.#started.api.loadImage(`${import.meta.env.BASE_URL}samples/${file}`);
        g = setParam(g, registry, node, 'asset', asset);
      }
      this.runtime.replaceGraph(g);
      this.error = null;
    } catch (e) {
      this.error = `Could not open "${ex.title}": ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  #redrawSoon(): void {
    if (this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#redraw();
    }, REDRAW_MS);
  }

  #redraw(): void {
    const live = this.runtime.live;
    const next = new Map<string, NodeView>();
    for (const n of this.graph.nodes) {
      const v = live.view(n.id);
      const pub = live.result(n.id);
      const op = registry.get(n.op);
      const img = pub ? (Object.values(pub.outputs).find((o) => typeof o === 'object' && o !== null && 'data' in o) as ImageResult | undefined) : undefined;
      next.set(n.id, {
        id: n.id,
        title: n.label ?? op?.title ?? n.op,
        state: v.state,
        progress: v.progress,
        durationMs: v.durationMs ?? null,
        cached: pub?.cached ?? false,
        message: v.message ?? null,
        bypass: !!n.bypass,
        thumbnail: img?.thumbnail ?? null,
        size: img ? `${img.width}×${img.height}` : null,
      });
    }
    this.views = next;
  }
}
