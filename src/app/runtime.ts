// The composition root: wires the engine (scheduler, live controller, history) to the worker pool,
// the result cache and the asset store, and offers the small scripting API on `window.pipette`.
// No Svelte here: components read this through `editor.svelte.ts`.

import {
  History,
  LiveController,
  Scheduler,
  emptyGraph,
  parseGraphDocument,
  serializeGraph,
  setParamAt,
  DOCUMENT_LIMITS,
  type EmbeddedImage,
  type Graph,
  type ParamValue,
  type Params,
  type Published,
  type ResultStore,
  type SchedulerEvent,
  type StepView,
  flatten,
  isInstanceOp,
  withSubgraphs,
  type Flattened,
} from '../engine';
import { registry } from '../ops/registry';
import type { Image, Value } from '../ops/types';
import { AssetStore } from '../workers/assets';
import type { SourceStore } from '../cache/source-store';
import { WorkerPool, type PoolEvent } from '../workers/pool';
import { ENCODE_TYPES, firstImage, parseHexColour, type EncodeType } from '../workers/protocol';
import { graphNeedsProxy, isProxy } from '../ops/proxy';
import { fromBase64, toBase64 } from './embed';

/** Decoded images kept while no step uses them (for an undo, or an image loaded but not yet placed). */
export const SPARE_ASSET_BYTES = 256 * 1024 * 1024;

/** The asset ids a graph's steps name. */
export function assetIdsOf(graph: Graph): Set<string> {
  const ids = new Set<string>();
  // Image steps inside subgraphs too: their files must be kept like any other.
  for (const n of [...graph.nodes, ...(graph.definitions ?? []).flatMap((d) => d.nodes)]) {
    const params = registry.get(n.op)?.params;
    if (!params) continue;
    for (const [name, p] of Object.entries(params)) {
      const v = n.params[name];
      if ('asset' in p && p.asset && typeof v === 'string' && v) ids.add(v);
    }
  }
  return ids;
}

export interface RuntimeOptions {
  readonly store: ResultStore<Value>;
  /** Where loaded image files are kept across reloads (apart from the result cache); none: not kept. */
  readonly sources?: SourceStore;
  readonly poolSize?: number;
  readonly debounceMs?: number;
  readonly timeoutMs?: number;
  /** Called whenever a step's state or result changes. */
  readonly onChange?: (node: string) => void;
  /** Called when what a step shows changes (a new result, a proxy, a withdrawn one), before onChange. */
  readonly onPublish?: (node: string) => void;
  /** Called when the graph itself changes (edit, undo, load). */
  readonly onGraph?: (graph: Graph) => void;
  /** Called when the focus (the selected step) changes, from the editor or a script. */
  readonly onFocus?: (node: string | null) => void;
  readonly onPoolEvent?: (event: PoolEvent) => void;
  readonly onRunEvent?: (event: SchedulerEvent<Value>) => void;
}

export type RuntimeEvent =
  | { readonly source: 'pool'; readonly event: PoolEvent }
  | {
      readonly source: 'run';
      readonly event: SchedulerEvent<Value>;
      /** performance.now() when the event arrived: one clock for every panel that times runs. */
      readonly at: number;
    };

/** A step as the scripting API reports it. */
/**
 * What one step shows now: its run state and a summary of its published result. The runtime
 * builds it; the editor's nodes, the panels and `window.pipette.steps()` all read it.
 */
export interface StepSnapshot {
  readonly id: string;
  readonly op: string;
  /** The step's label, else its operation's title. */
  readonly title: string;
  readonly state: StepView['state'];
  /** 0..1 while running. */
  readonly progress: number;
  readonly key: string | null;
  readonly durationMs: number | null;
  readonly cached: boolean;
  readonly message: string | null;
  /** Something to check about a fine result (a switch's condition close to its threshold). */
  readonly warning: string | null;
  readonly bypass: boolean;
  /** The result shown is a proxy preview (the full-resolution one is still to come). */
  readonly proxy: boolean;
  /** Size of the result shown, when it is an image. */
  readonly size: { readonly width: number; readonly height: number } | null;
  /** The worker-made node preview of the result shown. */
  readonly thumbnail: ImageBitmap | null;
  /**
   * What is shown is the step's result from before the last edit, kept on screen (marked
   * "updating") until its new one arrives; `size` and `thumbnail` are then that old result's.
   */
  readonly updating: boolean;
  /** The outputs shown (numbers and histograms for the analysis steps' readouts); the same object while unchanged. */
  readonly outputs: Readonly<Record<string, Value>> | null;
  /** The step cannot run because an input it requires is not connected (not a failure of its own). */
  readonly needsInput: boolean;
}

/** A step as `window.pipette.steps()` reports it. */
export type StepReport = Pick<StepSnapshot, 'id' | 'op' | 'state' | 'key' | 'durationMs' | 'cached' | 'message' | 'warning' | 'proxy' | 'size' | 'updating' | 'needsInput'>;


function sameSnapshot(a: StepSnapshot, b: StepSnapshot): boolean {
  for (const k of Object.keys(b) as (keyof StepSnapshot)[]) if (a[k] !== b[k]) return false;
  return true;
}

export class Runtime {
  readonly registry = registry;
  readonly assets = new AssetStore();
  readonly pool: WorkerPool;
  readonly scheduler: Scheduler<Value>;
  readonly live: LiveController<Value>;
  readonly history = new History(emptyGraph);
  /** Kernel executions started on the pool since the page loaded (cache hits never count). */
  kernelRuns = 0;
  readonly #opts: RuntimeOptions;
  readonly #listeners = new Set<(e: RuntimeEvent) => void>();
  /**
   * Parameters live sources set (a camera's frame, a timer's value), by source: laid over the
   * graph the live controller runs, never recorded for undo nor saved.
   */
  readonly #overlays = new Map<string, { readonly node: string; readonly params: Params; readonly volatile: boolean }>();
  #snapshot: ReadonlyMap<string, StepSnapshot> = new Map();
  /** The graph as it runs: subgraph instances expanded into their inner steps (ids "instance/inner"). */
  #flat: Flattened = flatten(emptyGraph, registry);

  constructor(opts: RuntimeOptions) {
    this.#opts = opts;
    if (opts.sources) this.assets.loader = (id) => this.#loadSource(id);
    this.pool = new WorkerPool({
      ...(opts.poolSize ? { size: opts.poolSize } : {}),
      assets: this.assets,
      onEvent: (e) => {
        if (e.type === 'task-start' && e.kind === 'step') this.kernelRuns++;
        opts.onPoolEvent?.(e);
        this.#emit({ source: 'pool', event: e });
      },
    });
    this.scheduler = new Scheduler<Value>({
      registry,
      executor: this.pool,
      store: opts.store,
      timeoutMs: opts.timeoutMs ?? 0,
    });
    this.live = new LiveController<Value>({
      scheduler: this.scheduler,
      debounceMs: opts.debounceMs ?? 150,
      timeoutMs: opts.timeoutMs ?? 0,
      onPublish: (node: string, _r: Published<Value> | null) => {
        opts.onPublish?.(node);
        opts.onChange?.(node);
      },
      onState: (node: string) => opts.onChange?.(node),
      onFocus: (node) => opts.onFocus?.(node),
      onEvent: (e) => {
        opts.onRunEvent?.(e);
        this.#emit({ source: 'run', event: e, at: performance.now() });
      },
    });
  }

  /** Pool events (worker lanes, for the timeline) and events of the current run, as they happen. */
  subscribe(listener: (e: RuntimeEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(e: RuntimeEvent): void {
    for (const l of this.#listeners) l(e);
  }

  get graph(): Graph {
    return this.history.present;
  }

  /**
   * Applies an edit: recorded for undo (folded into the previous one with the same `coalesce` tag).
   * A `preview` edit (a slider being dragged) is shown on proxies first.
   */
  commit(next: Graph, opts: { coalesce?: string; immediate?: boolean; preview?: boolean } = {}): void {
    if (!this.history.push(next, opts.coalesce)) return;
    this.#apply(opts.immediate ?? false, opts.preview ?? false);
  }

  undo(): boolean {
    if (!this.history.undo()) return false;
    this.#apply(true);
    return true;
  }

  redo(): boolean {
    if (!this.history.redo()) return false;
    this.#apply(true);
    return true;
  }

  /** Replaces the whole graph (a file, an example, the autosave); one undo step. */
  replaceGraph(graph: Graph): void {
    this.history.replace(graph);
    this.#apply(true);
  }

  /**
   * Parses and validates a graph file; on any problem throws and leaves the current graph as it is.
   * `undoable: false` (the autosave restored after a reload) starts the history over from it.
   */
  loadGraphText(text: string, opts: { undoable?: boolean } = {}): Graph {
    const doc = parseGraphDocument(text, registry);
    if (opts.undoable === false) this.restoreGraph(doc.graph);
    else this.replaceGraph(doc.graph);
    return doc.graph;
  }

  /** Shows `graph` with the given undo history (none by default); not itself an undo step. */
  restoreGraph(graph: Graph, past: readonly Graph[] = [], future: readonly Graph[] = []): void {
    this.history.reset(graph, past, future);
    this.#apply(true);
  }

  exportGraphText(name?: string): string {
    return serializeGraph(this.graph, name);
  }

  /**
   * The graph file with the image files its image steps use embedded, so that it opens anywhere
   * (another browser, a fresh profile). Rejects, saying why, when an image file is not stored here
   * or the file would be over the graph-file size limit.
   */
  async exportGraphWithImages(name?: string): Promise<string> {
    const images: Record<string, EmbeddedImage> = {};
    for (const n of this.#flat.steps.values()) {
      const id = n.params.asset;
      if (typeof id !== 'string' || id === '' || images[id]) continue;
      const file = await this.#opts.sources?.get(id);
      if (!file) throw new Error(`the image of "${n.label ?? registry.get(n.op)?.title ?? n.op}" is not stored in this browser: load it again first`);
      images[id] = { type: /^image\/[a-z0-9.+-]{1,40}$/.test(file.type) ? file.type : 'image/png', data: toBase64(new Uint8Array(await file.arrayBuffer())) };
    }
    const text = serializeGraph(this.graph, name, images);
    const bytes = new Blob([text]).size;
    if (bytes > DOCUMENT_LIMITS.bytesWithImages) {
      const mb = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MB`;
      throw new Error(`with its images the file would be ${mb(bytes)}, over the ${mb(DOCUMENT_LIMITS.bytesWithImages)} a graph file with images may be: save it without images`);
    }
    return text;
  }

  /**
   * Opens a graph file, first decoding and keeping the images embedded in it (each must decode to
   * the id it is filed under). Throws, leaving the current graph as it is, on any problem with the
   * file; an embedded image that does not match is reported in the returned notes.
   */
  async loadGraphFile(text: string): Promise<{ graph: Graph; notes: string[] }> {
    const doc = parseGraphDocument(text, registry);
    const notes: string[] = [];
    for (const [id, img] of Object.entries(doc.images ?? {})) {
      if (this.assets.has(id)) continue;
      const got = await this.addImage(new Blob([fromBase64(img.data)], { type: img.type }));
      if (got !== id) notes.push(`An embedded image (${id.slice(0, 8)}…) decodes to other pixels here; load it again`);
    }
    this.replaceGraph(doc.graph);
    return { graph: doc.graph, notes };
  }

  setParam(node: string, name: string, value: ParamValue, opts: { coalesce?: string; preview?: boolean } = {}): void {
    this.commit(setParamAt(this.graph, registry, node, name, value), opts);
  }

  /**
   * Decodes an image file off the main thread and keeps it as an asset; returns the asset id (its
   * pixel hash). The file itself is stored with the sources, so the image survives a reload
   * whatever happens to the result cache.
   */
  async addImage(file: Blob | ArrayBuffer): Promise<string> {
    const { image, hash } = await this.pool.decode(file);
    this.#opts.sources?.put(hash, file instanceof Blob ? file : new Blob([file])).catch((e: unknown) => {
      console.warn('Pipette: the image file could not be stored; it will need loading again after a reload', e);
    });
    return this.assets.add(hash, image);
  }

  /** A stored source file decoded again, when a step needs an image the asset store no longer holds. */
  async #loadSource(id: string): Promise<Image | undefined> {
    const file = await this.#opts.sources?.get(id);
    if (!file) return undefined;
    const { image, hash } = await this.pool.decode(file);
    if (hash !== id) {
      console.warn(`Pipette: the stored image ${id.slice(0, 8)}… decodes differently in this browser; load it again`);
      return undefined;
    }
    return image;
  }

  /**
   * Every step's snapshot, in graph order. A step whose snapshot is unchanged keeps the same object,
   * and when no step changed the same map comes back, so readers can compare by identity.
   */
  snapshot(): ReadonlyMap<string, StepSnapshot> {
    const before = this.#snapshot;
    const order = [...before.keys()];
    const next = new Map<string, StepSnapshot>();
    // Every step as it runs: the graph's own, each subgraph instance (showing its first output) and
    // the instances' inner steps under their namespaced ids (what the canvas shows drilled in).
    const flat = this.#flat;
    const reg = withSubgraphs(registry, this.graph);
    let changed = before.size !== flat.graph.nodes.length;
    let wired: Set<string> | null = null;
    const needsInput = (node: string, op: string): boolean => {
      wired ??= new Set(flat.graph.edges.map((e) => `${e.to.node}\u0000${e.to.port}`));
      return (reg.get(op)?.inputs ?? []).some((p) => !p.optional && !wired!.has(`${node}\u0000${p.name}`));
    };
    for (const [i, ran] of flat.graph.nodes.entries()) {
      const n = flat.steps.get(ran.id) ?? ran;
      if (order[i] !== n.id) changed = true; // a step added, removed or moved in the order
      const v = this.live.view(n.id);
      const current = this.live.result(n.id);
      const previous = current ? undefined : this.live.previous(n.id);
      const pub = current ?? previous;
      const img = firstImage(pub?.outputs);
      const old = before.get(n.id);
      const size = img ? (old?.size && old.size.width === img.width && old.size.height === img.height ? old.size : { width: img.width, height: img.height }) : null;
      const snap: StepSnapshot = {
        id: n.id,
        op: n.op,
        title: n.label ?? reg.get(n.op)?.title ?? n.op,
        state: v.state,
        progress: v.progress,
        key: v.key,
        durationMs: v.durationMs ?? null,
        cached: pub?.cached ?? false,
        message: v.message ?? null,
        warning: v.warning ?? null,
        bypass: !!n.bypass,
        proxy: isProxy(img), // only proxy runs make reduced images
        size,
        thumbnail: img?.thumbnail ?? null,
        updating: previous !== undefined,
        outputs: pub?.outputs ?? null,
        // Only a step that cannot be keyed is asked: the graph's wires are read once a snapshot, and only then.
        needsInput: v.key === null && needsInput(ran.id, ran.op),
      };
      const kept = old && sameSnapshot(old, snap) ? old : snap;
      if (kept !== old) changed = true;
      next.set(n.id, kept);
    }
    if (!changed) return before;
    this.#snapshot = next;
    return next;
  }

  report(): StepReport[] {
    return [...this.snapshot().values()].map(({ id, op, state, key, durationMs, cached, message, warning, proxy, size, updating, needsInput }) => ({
      id,
      op,
      state,
      key,
      durationMs,
      cached,
      message,
      warning,
      proxy,
      size,
      updating,
      needsInput,
    }));
  }

  /**
   * The step's image result at full resolution. Throws (saying why) when the step is unknown, has
   * no image result yet, or shows only a proxy preview while its full result is still to come.
   */
  async fullImage(node: string): Promise<Image> {
    if (!this.#flat.steps.has(node)) throw new Error(`There is no step "${node}"`);
    // A stored result only peeked at (its preview shown, its pixels in storage) is read in full first.
    const image = firstImage((await this.live.full(node))?.outputs);
    if (!image) throw new Error(`Step "${node}" has no image result yet`);
    if (isProxy(image)) throw new Error(`Step "${node}" shows a proxy preview; its full-resolution result is not computed yet`);
    return image;
  }

  /**
   * The step's full-resolution result as an image file, encoded in a worker. A JPEG's transparent
   * pixels are composited on `background` ('#rrggbb').
   */
  async exportImage(node: string, type: EncodeType = 'image/png', quality = 0.92, background = '#ffffff'): Promise<Blob> {
    if (!ENCODE_TYPES.includes(type)) throw new Error(`Cannot export as "${String(type)}": use ${ENCODE_TYPES.join(', ')}`);
    if (!(typeof quality === 'number' && quality >= 0 && quality <= 1)) throw new Error(`Quality must be between 0 and 1, not ${String(quality)}`);
    if (typeof background !== 'string' || !parseHexColour(background)) throw new Error(`The background must be a colour like #ffffff, not ${JSON.stringify(background)}`);
    return this.pool.encode(await this.fullImage(node), type, quality, { background });
  }

  dispose(): void {
    this.live.cancel();
    this.pool.dispose();
  }

  /**
   * Sets (or with null, removes) the parameters a live source lays over a step: `source` names
   * the source (one overlay each), `volatile` marks the step's results and those below it as
   * volatile (memory only). Runs at once; not an edit: no undo step, nothing saved.
   */
  setLive(source: string, overlay: { readonly node: string; readonly params: Params; readonly volatile?: boolean } | null): void {
    if (overlay) this.#overlays.set(source, { node: overlay.node, params: overlay.params, volatile: overlay.volatile ?? false });
    else if (!this.#overlays.delete(source)) return;
    this.#setLiveGraph(true, false);
  }

  /** The graph as it runs, subgraph instances expanded: every step by its (namespaced) id, the instances' own steps among them. */
  get flat(): Flattened {
    return this.#flat;
  }

  /** The graph the live controller runs: the edited graph with the live sources' parameters laid over it, instances expanded. */
  get liveGraph(): Graph {
    return this.live.graph;
  }

  #setLiveGraph(immediate: boolean, preview: boolean): void {
    const graph = this.history.present;
    let shown = graph;
    const volatile = new Set<string>();
    if (this.#overlays.size > 0) {
      const by = new Map<string, Record<string, ParamValue>>();
      for (const o of this.#overlays.values()) {
        by.set(o.node, { ...by.get(o.node), ...o.params });
        if (o.volatile) volatile.add(o.node);
      }
      shown = { ...graph, nodes: graph.nodes.map((n) => (by.has(n.id) ? { ...n, params: { ...n.params, ...by.get(n.id) } } : n)) };
    }
    try {
      this.#flat = flatten(shown, registry);
    } catch (e) {
      // Files are checked when read, so only a bug gets here: run what is not a subgraph.
      console.warn('Pipette: the subgraphs could not be expanded', e);
      const plain = shown.nodes.filter((n) => !isInstanceOp(n.op));
      const ids = new Set(plain.map((n) => n.id));
      this.#flat = flatten({ nodes: plain, edges: shown.edges.filter((x) => ids.has(x.from.node) && ids.has(x.to.node)) }, registry);
    }
    const run = this.#flat.graph;
    // Proxies only where they are smaller than the images themselves.
    const proxies = preview && graphNeedsProxy(run, registry, this.live.proxyPixels, (id) => this.assets.get(id));
    this.live.setGraph(run, { immediate, preview: proxies, volatile });
  }

  #apply(immediate: boolean, preview = false): void {
    this.#setLiveGraph(immediate, preview);
    this.#opts.onGraph?.(this.history.present);
    // Decoded images the graph no longer uses go beyond a spare few; the stored files bring them back.
    if (this.#opts.sources) this.assets.trim(assetIdsOf(this.live.graph), SPARE_ASSET_BYTES);
  }
}
