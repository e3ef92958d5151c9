// UI state for the editor: mirrors the runtime into Svelte state, at most ~10 redraws a second.
// Holds no engine logic: commands go to the one command surface (commands.ts), shared with
// window.pipette; the runtime owns graph, history and execution.

import {
  EditError,
  addNode,
  connectionProblem,
  emptyGraph,
  freshNodeId,
  labelText,
  readGraphFile,
  renameNode,
  setParam,
  insideView,
  setParamAt,
  isExposed,
  withSubgraphs,
  PATH_SEP,
  type Graph,
  type GraphEdge,
  type ParamValue,
  type Position,
} from '../engine';
import { registry } from '../ops/registry';
import type { EncodeType } from '../workers/protocol';
import { GRAPH_KEYWORD, readTextChunk, withTextChunk } from '../workers/png-text';
import { start, type Started } from './bootstrap';
import type { StepSnapshot } from './runtime';
import { examples } from './examples';
import { Throttle } from './throttle';
import { placeFree } from './placement';
import { STEP_SIZE } from './StepNode.svelte';
import { PinState } from './pin.svelte';
import { SettingsState } from './settings.svelte';
import { LiveState } from './live.svelte';

/** What a step's node, the panels and the viewer show: the runtime's snapshot of it. */
export type NodeView = StepSnapshot;

/** The graph canvas as the editor needs it, once it is on screen (App provides it). */
export interface CanvasView {
  /** Where a new step goes when nothing says otherwise: the middle of the view (its top-left corner). */
  center(): Position;
  /** Pans the view so a step at `position` is on screen (the zoom is kept). */
  reveal(position: Position): void;
}

export class EditorState {
  /** The graph as edited (the runtime's present). */
  #top = $state.raw<Graph>(emptyGraph);
  /** The subgraph instance whose inside the canvas shows (its flattened id), or null: the graph itself. */
  inside = $state<string | null>(null);
  /**
   * What the canvas shows: the graph, or drilled into a subgraph its inner steps under their
   * flattened ids ("instance/inner"), each with its own state and preview.
   */
  readonly graph = $derived(this.inside ? (insideView(this.#top, registry, this.inside) ?? this.#top) : this.#top);
  /** Operation declarations, with the graph's subgraph instances' (their ports and exposed parameters). */
  readonly ops = $derived(withSubgraphs(registry, this.#top));
  /** The way back from a subgraph's inside: each level's instance id and title, outermost first. */
  readonly crumbs = $derived.by(() => {
    if (!this.inside) return [];
    const parts = this.inside.split(PATH_SEP);
    return parts.map((_, i) => {
      const path = parts.slice(0, i + 1).join(PATH_SEP);
      const step = this.runtime.flat.steps.get(path);
      return { path, title: step?.label ?? (step && this.ops.get(step.op)?.title) ?? path };
    });
  });
  views = $state.raw<ReadonlyMap<string, NodeView>>(new Map());
  notice = $state<string | null>(null);
  /** The step the viewer follows and the parameter panel edits; computed first. */
  selected = $state<string | null>(null);
  /** The step runs stop at after Run to here (later edits compute only what it needs); null: every step. */
  runTarget = $state<string | null>(null);
  /** A short message about the last refused action (a connection that would make a cycle …). */
  flash = $state<string | null>(null);
  #flashTimer: ReturnType<typeof setTimeout> | null = null;
  error = $state<string | null>(null);
  /** The autosaved graph that could not be restored, as stored (kept aside there too): offered for download. */
  unreadableGraph = $state<string | null>(null);
  /** Why the graph is not being saved right now; null while it is. */
  saveProblem = $state<string | null>(null);
  /** Another tab saved the graph since this one loaded it: what to tell, until resolved. */
  conflict = $state<string | null>(null);
  /** The canvas, once shown: new steps are placed in its view. */
  canvas: CanvasView | null = null;
  readonly #started: Started;
  /** The pinned viewer: a step kept on screen while another is tuned. */
  readonly pin: PinState;
  /** Pool size, time limit, proxy size and cache budgets: stored, and applied as they change. */
  readonly settings: SettingsState;
  /** Cameras and timers: their figures and actions. */
  readonly live: LiveState;
  /** Redraws at once after a quiet spell, at most every REDRAW_MS in a burst. */
  readonly #redraws = new Throttle(() => this.#redraw());

  constructor() {
    this.#started = start(
      {
        onChange: () => this.#redraws.request(),
        // The step on screen gets its new picture at once (a proxy preview must not wait for the
        // redraw interval); the rest follow at the usual pace.
        onPublish: (node) => {
          if (node === this.selected) this.#redraws.request(true);
        },
        // A run that ends has nothing more to come in its burst: its last results are drawn at
        // once rather than up to REDRAW_MS later (the 6-step update's last preview waited ~50 ms).
        onRunEvent: (e) => {
          if (e.type === 'run' && e.phase === 'end') this.#redraws.request(true);
        },
        onGraph: (g) => {
          this.#top = g;
          // An undo or ungroup may take away the subgraph shown.
          this.#started?.commands.checkInside();
          this.#redraws.request();
        },
        // Selection is the runtime's focus, whoever sets it (a click here, or window.pipette.select).
        onFocus: (node) => (this.selected = node),
      },
      // The first example at first start is not an edit either: undo must not empty the editor.
      () => this.openExample(examples[0]!.id, { undoable: false }),
    );
    this.commands.onInside((path) => (this.inside = path));
    this.pin = new PinState(this);
    this.settings = new SettingsState(this);
    this.live = new LiveState(this);
    this.#started.cache.onNotice((n) => (this.notice = n.message));
    this.#started.onSaveProblem((p) => (this.saveProblem = p));
    this.#started.onConflict((c) => {
      this.conflict = c
        ? `This graph was changed in another tab (saved at ${new Date(c.savedAt).toLocaleTimeString()}). Your edits here are not saved over it.`
        : null;
    });
    void this.#started.api.ready.then(() => {
      if (this.#started.restoreError) this.error = this.#started.restoreError;
      this.unreadableGraph = this.#started.unreadableGraph;
    });
  }

  get runtime() {
    return this.#started.runtime;
  }

  get cache() {
    return this.#started.cache;
  }

  /** The one command surface, shared with `window.pipette`. */
  get commands() {
    return this.#started.commands;
  }

  /** Selects through the runtime's focus; `selected` follows its focus event. */
  select(id: string | null): void {
    this.commands.select(id);
  }

  /** Runs a command; a refused edit shows its reason and returns false. */
  #try(command: () => void): boolean {
    try {
      command();
      return true;
    } catch (e) {
      if (e instanceof EditError) {
        this.say(e.message);
        return false;
      }
      throw e;
    }
  }

  /** Applies an edit through the runtime (recorded for undo); a refused edit shows its reason. */
  edit(change: (g: Graph) => Graph, opts: { coalesce?: string; immediate?: boolean; preview?: boolean } = {}): boolean {
    return this.#try(() => this.commands.edit(change, opts));
  }

  say(message: string): void {
    this.flash = message;
    if (this.#flashTimer) clearTimeout(this.#flashTimer);
    this.#flashTimer = setTimeout(() => (this.flash = null), 4000);
  }

  /** Why a connection may not be made, or null; used while the user drags a wire. */
  connectionProblem(edge: GraphEdge): string | null {
    return connectionProblem(this.graph, registry, edge);
  }

  connect(edge: GraphEdge): boolean {
    return this.#try(() => this.commands.connect(edge));
  }

  disconnect(edges: readonly GraphEdge[]): void {
    this.#try(() => this.commands.disconnect(edges));
  }

  remove(ids: readonly string[]): void {
    this.#try(() => this.commands.remove(ids));
  }

  move(positions: ReadonlyMap<string, Position>): void {
    this.#try(() => this.commands.move(positions));
  }

  /**
   * Adds a step of `opId`. With a step selected, the new one is placed after it and wired from its
   * first output into the first input that takes that type.
   */
  add(opId: string, position?: Position, opts: { wire?: boolean } = {}): void {
    if (!registry.get(opId)) return;
    const after = opts.wire === false ? null : this.selected;
    const at = this.#placeNew(position, after);
    this.#try(() => this.commands.add(opId, { after, ...(at ? { position: at } : {}) }));
    if (at) this.canvas?.reveal(at);
  }

  /** A free spot for a new step: near `want`, else beside the step it follows, else mid-view. */
  #placeNew(want: Position | undefined, after: string | null): Position | undefined {
    // Among the steps the canvas shows (a subgraph's, drilled in).
    const g = this.graph;
    const from = after ? g.nodes.find((n) => n.id === after)?.position : undefined;
    const target = want ?? (from ? { x: from.x + STEP_SIZE.width + 60, y: from.y } : this.canvas?.center());
    if (!target) return undefined;
    const taken = g.nodes.flatMap((n) => (n.position ? [n.position] : []));
    return placeFree(taken, { x: Math.round(target.x), y: Math.round(target.y) }, STEP_SIZE);
  }

  /** Adds a step at the loose end of a wire let go on the canvas, wired to it. */
  addAtWireEnd(opId: string, end: { node: string; port: string }, side: 'output' | 'input', position: Position): void {
    const at = this.#placeNew(position, null)!;
    this.#try(() => this.commands.addAtWireEnd(opId, end, side, at));
  }

  /** Adds a step dropped from the palette onto a wire into it; one that cannot take the wire is added beside it, with the reason shown. */
  addIntoWire(opId: string, position: Position, edge: GraphEdge): void {
    const at = { x: Math.round(position.x), y: Math.round(position.y) };
    if (!this.#try(() => this.commands.addIntoWire(opId, at, edge))) this.add(opId, position, { wire: false });
  }

  /** Puts a step into a wire it was dropped on. */
  insertIntoWire(node: string, edge: GraphEdge, position?: Position): boolean {
    return this.#try(() => this.commands.insertIntoWire(node, edge, position));
  }

  /** Starts an empty graph; Undo brings the previous one back. */
  newGraph(): void {
    if (this.runtime.graph.nodes.length === 0) return;
    this.commands.newGraph();
    this.say('Started a new graph. Undo (Ctrl+Z) brings the previous one back.');
  }

  /** Copies steps with the connections among them, offset so the copies are visible; selects the copy. Returns the copies' ids. */
  duplicate(ids: readonly string[]): string[] {
    let copies: string[] = [];
    this.#try(() => (copies = this.commands.duplicate(ids)));
    return copies;
  }

  toggleBypass(id: string): void {
    this.#try(() => this.commands.toggleBypass(id));
  }

  /** Groups steps into a subgraph (Ctrl+G); its instance is selected. */
  group(ids: readonly string[]): void {
    this.#try(() => this.commands.group(ids));
  }

  /** Puts a subgraph's steps back in its place (Ctrl+Shift+G). */
  ungroup(id: string): void {
    this.#try(() => this.commands.ungroup(id));
  }

  /** Names the subgraph a selected instance uses. */
  renameSubgraph(id: string, title: string): void {
    this.#try(() => this.commands.renameSubgraph(id, title));
  }

  /** Drills into a subgraph instance (null: back to the graph). */
  open(path: string | null): void {
    this.#try(() => this.commands.open(path));
  }

  /** Whether an inner step's parameter is shown on its subgraph's instances. */
  isExposed(node: string, param: string): boolean {
    return isExposed(this.#top, node, param);
  }

  expose(node: string, param: string, on: boolean): void {
    this.#try(() => this.commands.expose(node, param, on));
  }

  /** Whether a step is a subgraph instance (one the canvas can drill into). */
  isInstance(id: string): boolean {
    // Read the graph so callers re-run when it changes.
    void this.graph;
    return this.runtime.flat.instances.has(id);
  }

  /**
   * One parameter change. Changes during one slider drag (`drag`) make one undo step and are
   * previewed on proxies at once; full resolution follows when the slider rests or is let go.
   */
  setParam(id: string, name: string, value: ParamValue, drag = false): void {
    this.#try(() => this.commands.setParam(id, name, value, { drag }));
  }

  /** Ends a slider drag: the next change starts a new undo step, and full resolution starts now. */
  endDrag(): void {
    this.commands.endDrag();
  }

  undo(): void {
    if (!this.commands.undo()) this.say('Nothing to undo');
  }

  redo(): void {
    if (!this.commands.redo()) this.say('Nothing to redo');
  }

  /** Run to step: compute only what `id` needs (null: everything). */
  runTo(id: string | null): void {
    this.commands.runTo(id);
    this.runTarget = this.commands.runTarget;
  }

  /** Step-through: computes the next step whose inputs are ready; returns it, or null when all are done. */
  stepOnce(): string | null {
    return this.commands.stepOnce();
  }

  /**
   * Encodes a step's image result in a worker and downloads it or copies it to the clipboard. A
   * JPEG is flattened on `background`.
   */
  async exportStep(id: string, type: EncodeType, quality: number, to: 'download' | 'clipboard', background = '#ffffff', withGraph = false): Promise<void> {
    try {
      // The panel's quality field is 1–100; anything typed outside it is clamped, not refused.
      const q = Math.min(1, Math.max(0, Number.isFinite(quality) ? quality : 0.92));
      let blob = await this.commands.exportImage(id, to === 'clipboard' ? 'image/png' : type, q, background);
      // The graph goes into the PNG's metadata: dropped on Pipette, the file opens it again.
      if (withGraph && to === 'download' && blob.type === 'image/png') {
        const png = withTextChunk(new Uint8Array(await blob.arrayBuffer()), GRAPH_KEYWORD, this.runtime.exportGraphText());
        blob = new Blob([png as Uint8Array<ArrayBuffer>], { type: 'image/png' });
      }
      if (to === 'clipboard') {
        await navigator.clipboard.write([new ClipboardItem({ [blob.type]: blob })]);
        this.say('Copied to the clipboard');
      } else {
        this.download(blob, `${id}.${type.slice(6).replace('jpeg', 'jpg')}`);
      }
    } catch (e) {
      this.say(`Export failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Downloads the current graph as a file (Save graph). */
  downloadGraph(): void {
    this.download(new Blob([this.runtime.exportGraphText()], { type: 'application/json' }), 'pipeline.pipette.json');
  }

  /** Downloads the graph with its image files embedded, so that it opens in any browser. */
  async downloadGraphWithImages(): Promise<void> {
    try {
      const text = await this.runtime.exportGraphWithImages();
      this.download(new Blob([text], { type: 'application/json' }), 'pipeline.pipette.json');
    } catch (e) {
      this.say(`Could not save with images: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /**
   * Settles a save made in another tab: 'theirs' loads it here, 'mine' saves this tab's graph over
   * it, 'copy' downloads this tab's graph as a file and then loads theirs.
   */
  async resolveConflict(keep: 'theirs' | 'mine' | 'copy'): Promise<void> {
    if (keep === 'copy') this.downloadGraph();
    try {
      await this.#started.resolveConflict(keep === 'mine' ? 'mine' : 'theirs');
    } catch (e) {
      this.say(`Could not settle it: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Tries to save the graph again, after dropping the cached results to make room. */
  async clearResultsAndSave(): Promise<void> {
    await this.#started.cache.clear();
    try {
      await this.#started.saveNow();
      this.say('Saved');
    } catch {
      // the banner says why
    }
  }

  /** Downloads the autosaved graph that could not be restored, exactly as it was stored. */
  downloadUnreadableGraph(): void {
    if (this.unreadableGraph === null) return;
    this.download(new Blob([this.unreadableGraph], { type: 'application/json' }), 'unreadable-graph.pipette.json');
  }

  /** Hands a file to the browser's downloads. */
  download(blob: Blob, name: string): void {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }

  retry(): void {
    this.commands.retry();
  }

  cancel(): void {
    this.commands.cancel();
  }

  /**
   * A dropped image: a PNG that carries a Pipette graph (exported with "Include the graph") opens
   * that graph; any other image is loaded as `loadImageFile` does.
   */
  async dropImageFile(file: File): Promise<void> {
    if (file.type === 'image/png' && file.size <= 256 * 1024 * 1024) {
      const text = readTextChunk(new Uint8Array(await file.arrayBuffer()), GRAPH_KEYWORD);
      if (text !== null) {
        this.openGraphText(text);
        if (this.error === null) this.say(`Opened the graph saved in ${labelText(file.name) || 'the image'}`);
        return;
      }
    }
    await this.loadImageFile(file, file.name);
  }

  /** Loads an image file: into the selected image source, or as a new source step. */
  async loadImageFile(file: Blob, fileName = 'image'): Promise<void> {
    // A file name is outside text: it may hold line breaks or a right-to-left override, which the
    // graph file refuses in a label (an autosave that could not be restored).
    const name = labelText(fileName) || 'image';
    try {
      const asset = await this.runtime.addImage(file);
      const sel = this.selected ? this.graph.nodes.find((n) => n.id === this.selected) : undefined;
      if (sel?.op === 'image-source' && this.inside) {
        // An image step inside a subgraph: its image changes for every instance (its name stays).
        this.edit((g) => setParamAt(g, registry, sel.id, 'asset', asset), { immediate: true });
      } else if (sel?.op === 'image-source') {
        // The step takes the new file's name: it names the image it holds, as a new step's does.
        this.edit((g) => renameNode(setParam(g, registry, sel.id, 'asset', asset), sel.id, name), { immediate: true });
      } else {
        // A new image step goes into the graph itself, shown.
        if (this.inside) this.open(null);
        const id = freshNodeId(this.runtime.graph, 'image-source');
        const count = this.runtime.graph.nodes.length;
        if (this.edit((g) => addNode(g, registry, { id, op: 'image-source', params: { asset }, label: name, position: { x: 0, y: 60 + count * 30 } }), { immediate: true })) {
          this.select(id);
        }
      }
    } catch (e) {
      this.say(`Could not open ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Opens a graph file; one over the size limit is refused before it is read. */
  async openGraphFile(file: Blob): Promise<void> {
    let text: string;
    try {
      text = await readGraphFile(file);
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
      return;
    }
    try {
      const { notes } = await this.runtime.loadGraphFile(text);
      this.error = notes.length > 0 ? notes.join('. ') : null;
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    }
  }

  /** Opens a graph file's text; a broken file is refused with its reasons and the current graph kept. */
  openGraphText(text: string): void {
    try {
      this.runtime.loadGraphText(text);
      this.error = null;
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    }
  }

  /** Opens a starter example: decodes its samples, then replaces the graph (one undo step). */
  async openExample(id: string, opts: { undoable?: boolean } = {}): Promise<void> {
    const ex = examples.find((e) => e.id === id);
    if (!ex) return;
    try {
      let g = ex.graph;
      for (const [node, file] of Object.entries(ex.samples)) {
        const asset = await this.#started.api.loadImage(`${import.meta.env.BASE_URL}samples/${file}`);
        g = setParam(g, registry, node, 'asset', asset);
      }
      if (opts.undoable === false) this.runtime.restoreGraph(g);
      else this.runtime.replaceGraph(g);
      this.error = null;
    } catch (e) {
      this.error = `Could not open "${ex.title}": ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  #redraw(): void {
    // The runtime keeps unchanged steps' objects (and the map, when none changed): only the nodes
    // whose step did change re-render.
    // A script (window.pipette.runTo) or a deleted target changes it too.
    this.runTarget = this.commands.runTarget;
    const next = this.runtime.snapshot();
    if (next !== this.views) this.views = next;
  }
}

