// The pinned viewer's state: which step stays on screen while another is selected and tuned (like
// Blender's viewer node). Pinning "the output" follows the graph's final step; pinning a step keeps
// that step until it is unpinned or deleted. The pinned step is computed on proxies too while a
// slider is dragged (`live.watch`), so it follows the drag instead of going blank.

import type { EditorState } from './editor.svelte';
import { registry } from '../ops/registry';

/** What the pin select holds besides a step id: the graph's final output. */
export const PIN_OUTPUT = 'output';

export class PinState {
  /** `PIN_OUTPUT`, a step id, or null when nothing is pinned. */
  pinned = $state<string | null>(null);
  readonly #editor: EditorState;

  constructor(editor: EditorState) {
    this.#editor = editor;
    $effect(() => {
      const node = this.node;
      editor.runtime.live.watch(node ? [node] : []);
    });
  }

  /** The step the graph ends in: the last step whose output nothing takes (and that can run). */
  readonly output = $derived.by((): string | null => {
    // The graph's own end, also while the canvas shows a subgraph's inside (read to follow edits).
    void this.#editor.graph;
    const g = this.#editor.runtime.graph;
    const fed = new Set(g.edges.map((e) => e.from.node));
    const sinks = g.nodes.filter((n) => !fed.has(n.id));
    // A step just added and not wired yet is not what the graph makes.
    const views = this.#editor.views;
    const wired = sinks.filter((n) => !views.get(n.id)?.needsInput);
    return (wired.at(-1) ?? sinks.at(-1) ?? g.nodes.at(-1))?.id ?? null;
  });

  /** The step on the pinned viewer, or null (nothing pinned, or its step was deleted). */
  readonly node = $derived.by((): string | null => {
    const p = this.pinned;
    if (p === null) return null;
    if (p === PIN_OUTPUT) return this.output;
    // Any step that runs, a subgraph's inner ones too, whatever the canvas shows.
    void this.#editor.graph;
    return this.#editor.runtime.flat.steps.has(p) ? p : null;
  });

  readonly title = $derived.by((): string => {
    const id = this.node;
    if (!id) return '';
    const v = this.#editor.views.get(id);
    if (v) return v.title;
    const n = this.#editor.graph.nodes.find((x) => x.id === id);
    return n ? (n.label ?? registry.get(n.op)?.title ?? n.op) : id;
  });

  /** Steps the pin select offers. */
  readonly options = $derived.by(() => this.#editor.graph.nodes.map((n) => ({ id: n.id, title: this.#editor.views.get(n.id)?.title ?? n.label ?? registry.get(n.op)?.title ?? n.op })));

  /** Pins a step (default: the final output). */
  pin(node: string = PIN_OUTPUT): void {
    this.pinned = node;
  }

  unpin(): void {
    this.pinned = null;
  }
}
