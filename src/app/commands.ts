// The one command surface: every change a person (the editor) or a script (`window.pipette`) can
// make goes through here, so both behave the same (a drag is one undo step either way, selecting a
// step is one focus the viewer and the panels follow). No Svelte, no DOM: refusals throw EditError
// with the reason, and the caller decides how to show it.

import {
  EditError,
  freezeCameraEdit,
  addStepAfter,
  addStepAtWireEnd,
  connect,
  emptyGraph,
  insertIntoWire,
  disconnect,
  duplicateNodes,
  indexGraph,
  moveNode,
  moveAt,
  removeNodes,
  setParamAt,
  groupSteps,
  editInside,
  pruneDefinitions,
  ungroupStep,
  exposeParam,
  renameSubgraph,
  unexposeParam,
  PATH_SEP,
  toggleBypassAt,
  topoOrder,
  type Graph,
  type GraphEdge,
  type ParamValue,
  type PortRef,
  type Position,
} from '../engine';
import { registry } from '../ops/registry';
import type { EncodeType } from '../workers/protocol';
import type { Runtime } from './runtime';
import type { LiveSources } from './live-sources';

export class Commands {
  readonly #runtime: Runtime;
  /** The page's cameras and timers (absent where there are none, as in tests of the runtime alone). */
  readonly live: LiveSources | null;

  constructor(runtime: Runtime, live: LiveSources | null = null) {
    this.#runtime = runtime;
    this.live = live;
  }

  get graph(): Graph {
    return this.#runtime.graph;
  }

  /** The step the viewer follows and the parameter panel edits; computed first. */
  get selected(): string | null {
    return this.#runtime.live.focus;
  }

  select(node: string | null): void {
    this.#runtime.live.setFocus(node);
  }

  /** Applies an edit to the current graph as one undo step (or part of one, with `coalesce`). */
  edit(change: (g: Graph) => Graph, opts: { coalesce?: string; immediate?: boolean; preview?: boolean } = {}): void {
    this.#runtime.commit(change(this.#runtime.graph), opts);
  }

  /**
   * One parameter change. Changes during one drag (`drag`) make one undo step and are previewed on
   * proxies at once; full resolution follows when the edits rest or `endDrag()` is called.
   */
  setParam(node: string, name: string, value: ParamValue, opts: { drag?: boolean } = {}): void {
    // An inner step of a subgraph (drilled in) is edited where it lives: its definition, or the
    // instance when the subgraph exposes that parameter.
    this.edit((g) => setParamAt(g, registry, node, name, value), opts.drag ? { coalesce: `drag:${node}.${name}`, preview: true } : {});
  }

  /** Ends a drag: the next change starts a new undo step, and full resolution starts now. */
  endDrag(): void {
    this.#runtime.history.seal();
    this.#runtime.live.flush();
  }


  /**
   * Applies `change` where the canvas is: to the graph, or to the inside of the subgraph shown (its
   * definition, so every instance changes; the interface follows, see `editInside`). `local` turns
   * an id the canvas shows into one of that level. One undo step; a subgraph no step uses any
   * more goes with it.
   */
  #here(change: (g: Graph, local: (id: string) => string) => Graph): void {
    const path = this.#inside;
    this.edit((g) => pruneDefinitions(path ? editInside(g, path, change) : change(g, (id) => id)));
  }

  /** Adds a step where the canvas is (one undo step) and selects it; returns its id as the canvas shows it. */
  #addHere(make: (g: Graph, local: (id: string) => string) => { readonly graph: Graph; readonly id: string }): string {
    let id = '';
    this.#here((g, l) => {
      const made = make(g, l);
      id = made.id;
      return made.graph;
    });
    const shown = this.#shown(id);
    this.select(shown);
    return shown;
  }

  /** The id the canvas shows for a step of the level it shows. */
  #shown(id: string): string {
    return this.#inside ? `${this.#inside}${PATH_SEP}${id}` : id;
  }

  /** Whether a step (by the id the canvas shows) is on the level the canvas shows. */
  #isHere(id: string): boolean {
    if (!this.#inside) return !id.includes(PATH_SEP);
    const prefix = this.#inside + PATH_SEP;
    return id.startsWith(prefix) && !id.slice(prefix.length).includes(PATH_SEP);
  }

  connect(edge: GraphEdge): void {
    this.#here((g, l) => connect(g, registry, localEdge(edge, l)));
  }

  disconnect(edges: readonly GraphEdge[]): void {
    this.#here((g, l) => edges.reduce((acc, e) => disconnect(acc, { node: l(e.to.node), port: e.to.port }), g));
  }

  remove(ids: readonly string[]): void {
    if (ids.length === 0) return;
    this.#here((g, l) => removeNodes(g, ids.map(l)));
    if (this.selected && ids.includes(this.selected)) this.select(null);
    // A run-to target that is gone leaves nothing to stop at: every step is computed again.
    const targets = this.#runtime.live.targets;
    if (targets?.some((t) => ids.includes(t))) this.runTo(targets.length > 1 ? targets.filter((t) => !ids.includes(t)) : null);
  }

  move(positions: ReadonlyMap<string, Position>): void {
    // Inside a subgraph the steps move in its definition (every instance's inside looks the same).
    this.edit((g) => [...positions].reduce((acc, [id, p]) => moveAt(acc, id, { x: Math.round(p.x), y: Math.round(p.y) }), g));
  }

  /**
   * Adds a step of `opId` after `after` (default: the selected step), wired from it where the types
   * allow, and selects it. Returns its id (as the canvas shows it).
   */
  add(opId: string, opts: { position?: Position; after?: string | null } = {}): string {
    const after = opts.after === undefined ? this.selected : opts.after;
    return this.#addHere((g, l) =>
      addStepAfter(g, registry, opId, {
        after: after && this.#isHere(after) ? l(after) : null,
        ...(opts.position ? { position: opts.position } : {}),
      }),
    );
  }

  /**
   * Adds a step of `opId` at `position`, wired to the loose end of a wire let go on the canvas
   * (from the output `end`, or into the input `end`), and selects it. Returns its id.
   */
  addAtWireEnd(opId: string, end: PortRef, side: 'output' | 'input', position: Position): string {
    return this.#addHere((g, l) => addStepAtWireEnd(g, registry, opId, { node: l(end.node), port: end.port }, side, position));
  }

  /** Adds a step of `opId` at `position` straight into the wire `edge` (one undo step) and selects it. */
  addIntoWire(opId: string, position: Position, edge: GraphEdge): string {
    return this.#addHere((g, l) => {
      const made = addStepAfter(g, registry, opId, { after: null, position });
      return { graph: insertIntoWire(made.graph, registry, made.id, localEdge(edge, l)), id: made.id };
    });
  }

  /** Puts a step (moved to `position`) into the wire `edge`, as one undo step. */
  insertIntoWire(node: string, edge: GraphEdge, position?: Position): void {
    this.#here((g, l) => insertIntoWire(position ? moveNode(g, l(node), { x: Math.round(position.x), y: Math.round(position.y) }) : g, registry, l(node), localEdge(edge, l)));
  }

  /** Starts an empty graph; one undo step, so the graph before it is one Ctrl+Z away. */
  newGraph(): void {
    this.select(null);
    this.#runtime.live.setTargets(null);
    this.#runtime.replaceGraph(emptyGraph);
  }

  /** Copies steps with the connections among them and selects the (last) copy; returns the copies' ids. */
  duplicate(ids: readonly string[]): string[] {
    if (ids.length === 0) return [];
    let copies: string[] = [];
    this.#here((g, l) => {
      const made = duplicateNodes(g, registry, ids.map(l));
      copies = made.ids;
      return made.graph;
    });
    copies = copies.map((c) => this.#shown(c));
    if (copies.length) this.select(copies[copies.length - 1]!);
    return copies;
  }

  // -------------------------------------------------------------------------------------------
  // Subgraphs

  /** The subgraph instance the canvas shows the inside of (its flattened id), or null for the graph itself. */
  #inside: string | null = null;
  readonly #insideListeners = new Set<(path: string | null) => void>();

  get inside(): string | null {
    return this.#inside;
  }

  onInside(listener: (path: string | null) => void): () => void {
    this.#insideListeners.add(listener);
    return () => this.#insideListeners.delete(listener);
  }

  #setInside(path: string | null): void {
    if (path === this.#inside) return;
    this.#inside = path;
    for (const l of this.#insideListeners) l(path);
  }

  /** Groups steps into a subgraph (one undo step) and selects its instance; returns the instance's id. */
  group(ids: readonly string[]): string {
    if (this.#inside) throw new EditError('Go back to the graph to group steps');
    const { graph, instance } = groupSteps(this.#runtime.graph, registry, ids);
    this.edit(() => graph, { immediate: true });
    this.select(instance);
    return instance;
  }

  /** Puts a subgraph instance's steps back in its place (one undo step) and selects them (the last); returns their ids. */
  ungroup(id: string): string[] {
    if (this.#inside) throw new EditError('Go back to the graph to ungroup a subgraph');
    const { graph, ids } = ungroupStep(this.#runtime.graph, registry, id);
    this.edit(() => graph, { immediate: true });
    if (ids.length) this.select(ids[ids.length - 1]!);
    return ids;
  }

  /** Names the subgraph an instance uses (one undo step); every instance of it shows the name. */
  renameSubgraph(id: string, title: string): void {
    this.edit((g) => renameSubgraph(g, id, title), { immediate: true });
  }

  /** Shows (or with `false`, stops showing) an inner step's parameter on its subgraph's instances. */
  expose(node: string, param: string, on = true): void {
    this.edit((g) => (on ? exposeParam(g, registry, node, param) : unexposeParam(g, node, param)), { immediate: true });
  }

  /**
   * Drills into a subgraph instance (its flattened id; nested ones from inside their parent): the
   * canvas shows its inner steps with their own previews. Null goes back to the graph.
   */
  open(path: string | null): void {
    if (path !== null && !this.#runtime.flat.instances.has(path)) throw new EditError(`"${path}" is not a subgraph`);
    this.select(null);
    this.#setInside(path);
  }

  /** Goes back one level from the inside of a subgraph (to the graph, or to the subgraph holding it). */
  back(): void {
    if (!this.#inside) return;
    this.open(outerPath(this.#inside));
  }

  /** Leaves a subgraph's inside that no longer exists (after an undo or ungroup). */
  checkInside(): void {
    let path = this.#inside;
    while (path && !this.#runtime.flat.instances.has(path)) path = outerPath(path);
    this.#setInside(path);
  }

  toggleBypass(id: string): void {
    this.edit((g) => toggleBypassAt(g, registry, id), { immediate: true });
  }

  undo(): boolean {
    return this.#runtime.undo();
  }

  redo(): boolean {
    return this.#runtime.redo();
  }

  /** Run to step: compute only what `node` needs (null: everything). */
  runTo(node: string | readonly string[] | null): void {
    this.#runtime.live.setTargets(node === null ? null : typeof node === 'string' ? [node] : node);
  }

  /** The step a run stops at (Run to here), or null when every step is computed. */
  get runTarget(): string | null {
    return this.#runtime.live.targets?.[0] ?? null;
  }

  cancel(): void {
    this.#runtime.live.cancel();
  }

  retry(): void {
    this.#runtime.live.retry();
  }

  /**
   * Step-through: computes the next step (in dependency order) whose inputs are ready and whose
   * own result is not, one per call. Returns the step started, or null when all are done.
   */
  stepOnce(): string | null {
    const live = this.#runtime.live;
    const graph = this.#runtime.graph;
    const ready = (id: string) => ['done', 'cached'].includes(live.view(id).state);
    // Each step's inputs from an index, not a scan of every edge per step (2000 steps: 4M edge visits).
    const index = indexGraph(graph);
    for (const id of topoOrder(graph, index).order) {
      if (ready(id) || live.keyOf(id) === null) continue;
      const inputs = [...index.inputs.get(id)!.values()].map((from) => from.node);
      if (inputs.every(ready)) {
        this.select(id);
        this.runTo(id);
        return id;
      }
    }
    return null;
  }

  /**
   * Freeze frame: the camera step's current frame becomes an Image step in its place (same
   * wires; one undo step brings the camera back). The frame is stored like a dropped image
   * (PNG, lossless), so it survives a reload. Resolves with the image's asset id.
   */
  async freezeFrame(node: string): Promise<string> {
    const frame = this.live?.currentFrame(node);
    const image = frame ? this.#runtime.assets.get(frame) : undefined;
    if (!image) throw new EditError('The camera has no frame yet: wait for its picture, then freeze it');
    const png = await this.#runtime.pool.encode(image, 'image/png');
    const asset = await this.#runtime.addImage(png);
    this.edit((g) => freezeCameraEdit(g, registry, node, asset), { immediate: true });
    return asset;
  }

  playTimer(node: string): void {
    if (!this.live) throw new EditError('Timers cannot play here');
    this.live.playTimer(node);
  }

  stopTimer(node: string): void {
    this.live?.stopTimer(node);
  }

  /** The step's full-resolution result as an image file; rejects a proxy, an unknown type, a quality outside 0–1 or a background that is not '#rrggbb'. */
  exportImage(node: string, type?: EncodeType, quality?: number, background?: string): Promise<Blob> {
    return this.#runtime.exportImage(node, type, quality, background);
  }
}

/** The instance holding the one at `path` (its flattened id), or null at the top. */
function outerPath(path: string): string | null {
  const i = path.lastIndexOf(PATH_SEP);
  return i < 0 ? null : path.slice(0, i);
}

/** An edge between steps the canvas shows, with the ids of the level they are on. */
function localEdge(e: GraphEdge, local: (id: string) => string): GraphEdge {
  return { from: { node: local(e.from.node), port: e.from.port }, to: { node: local(e.to.node), port: e.to.port } };
}
