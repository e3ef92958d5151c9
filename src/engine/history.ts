// Undo and redo over immutable graphs. Every edit pushes the graph it replaced; edits that share a
// `coalesce` tag and follow each other (the many updates of one slider drag) fold into one step,
// so Ctrl+Z undoes the whole drag at once.

import type { Graph } from './graph';

export interface HistoryOptions {
  /** How many undo steps to keep. */
  readonly limit?: number;
}

export class History {
  #past: Graph[] = [];
  #future: Graph[] = [];
  #present: Graph;
  #lastTag: string | null = null;
  readonly #limit: number;

  constructor(initial: Graph, opts: HistoryOptions = {}) {
    this.#present = initial;
    this.#limit = Math.max(1, opts.limit ?? 200);
  }

  get present(): Graph {
    return this.#present;
  }

  get canUndo(): boolean {
    return this.#past.length > 0;
  }

  get canRedo(): boolean {
    return this.#future.length > 0;
  }

  /**
   * Records a new graph. With a `coalesce` tag equal to the previous edit's, the edit joins that
   * undo step instead of making a new one. Returns false when nothing changed.
   */
  push(next: Graph, coalesce?: string): boolean {
    if (next === this.#present) return false;
    const joins = coalesce !== undefined && coalesce === this.#lastTag && this.#past.length > 0;
    if (!joins) {
      this.#past.push(this.#present);
      if (this.#past.length > this.#limit) this.#past.shift();
    }
    this.#present = next;
    this.#future = [];
    this.#lastTag = coalesce ?? null;
    return true;
  }

  /** Ends the current coalescing run (e.g. on pointer up), so the next edit starts a new step. */
  seal(): void {
    this.#lastTag = null;
  }

  undo(): Graph | null {
    const prev = this.#past.pop();
    if (!prev) return null;
    this.#future.push(this.#present);
    this.#present = prev;
    this.#lastTag = null;
    return prev;
  }

  redo(): Graph | null {
    const next = this.#future.pop();
    if (!next) return null;
    this.#past.push(this.#present);
    this.#present = next;
    this.#lastTag = null;
    return next;
  }

  /** The graphs before the present one, oldest first. */
  get past(): readonly Graph[] {
    return this.#past;
  }

  /** The graphs undone, the next redo last. */
  get future(): readonly Graph[] {
    return this.#future;
  }

  /**
   * Starts over from `graph` without making that an undo step (a graph restored after a reload is
   * not an edit: undoing it would empty the editor). `past` and `future` bring back the history the
   * graph had, when it is known (the oldest beyond the limit are dropped).
   */
  reset(graph: Graph, past: readonly Graph[] = [], future: readonly Graph[] = []): void {
    this.#present = graph;
    this.#past = past.slice(Math.max(0, past.length - this.#limit));
    this.#future = future.slice();
    this.#lastTag = null;
  }

  /** Starts over from a graph (a file opened, an example loaded): that is itself one undo step. */
  replace(graph: Graph): void {
    this.push(graph);
    this.seal();
  }
}
