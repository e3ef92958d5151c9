// Starts Pipette in a page: the result cache, the runtime, the autosaved graph, and the scripting
// API on `window.pipette` (documented in README) for automation and tests.

import { DocumentError, serializeGraph, type ParamValue } from '../engine';
import { TieredCache, type CacheStats } from '../cache';
import {
  createAutosaver,
  GraphConflictError,
  makingRoom,
  openGraphStore,
  restoreSaved,
  saveProblem,
  type RecoverableGraphStore,
} from '../cache/graph-store';
import { assetIdsIn, IdbSourceStore, type SourceStore } from '../cache/source-store';
import { assetIdsOf, Runtime, type RuntimeOptions, type StepReport } from './runtime';
import { Commands } from './commands';
import { LiveSources, type LiveStats } from './live-sources';
import { restoreHistory, saveHistory } from './history-store';
import { settled, type Activity } from './settle';
import type { EncodeType } from '../workers/protocol';
import type { PixelPoolStats } from '../workers/pixel-pool';

export interface PipetteApi {
  /** Replaces the graph with a graph file (text or parsed JSON). Rejects, leaving the graph untouched, if it is invalid. */
  loadGraph(doc: string | object): void;
  /** The current graph as a file. */
  exportGraph(): string;
  /** Fetches and decodes an image (same origin), keeps it as an asset, and returns its id for an image-source step. */
  loadImage(url: string): Promise<string>;
  /**
   * `preview: true` does what dragging a slider does: the selected step is shown on proxies at once
   * and at full resolution when the edits rest (`endDrag()`, or `whenIdle`); consecutive preview
   * changes of one parameter are one undo step, as a drag is.
   */
  setParam(node: string, name: string, value: ParamValue, opts?: { preview?: boolean }): void;
  /** Ends a drag made of `setParam(..., {preview: true})` calls: the next change is a new undo step, and full resolution starts now. */
  endDrag(): void;
  /** The step the viewer follows and the parameter panel edits: computed first. */
  select(node: string | null): void;
  /** Run to step: compute only what `node` needs (null: every step). */
  runTo(node: string | null): void;
  /** Groups steps into a subgraph (as Ctrl+G does); returns the instance's id. */
  group(ids: readonly string[]): string;
  /** Puts a subgraph instance's steps back in its place; returns their ids. */
  ungroup(id: string): string[];
  /** Shows (`on`, default true) or stops showing an inner step's parameter (by its id drilled in, "instance/inner") on the instances. */
  expose(node: string, param: string, on?: boolean): void;
  /** Drills into a subgraph instance (null: back to the graph); `inside()` is where the canvas is. */
  open(path: string | null): void;
  inside(): string | null;
  undo(): boolean;
  redo(): boolean;
  cancel(): void;
  /** Resolves once no run is pending or in flight. */
  whenIdle(): Promise<void>;
  steps(): StepReport[];
  cacheStats(): CacheStats;
  /** Decoded source images held in memory (the rest are decoded again from their stored files when needed). */
  assetStats(): { count: number; bytes: number };
  /** Waits until the graph is autosaved and every result computed so far is written to IndexedDB. */
  flush(): Promise<void>;
  /**
   * A copy of the step's full-resolution image result (RGBA, 4 bytes a pixel, rows top to bottom),
   * once no run is going. Rejects when the step is unknown or has no full-resolution image result.
   */
  pixels(step: string): Promise<{ width: number; height: number; data: Uint8ClampedArray }>;
  /**
   * The step's full-resolution result as an image file: PNG by default (lossless, alpha exact);
   * quality 0–1 for JPEG and WebP; a JPEG's transparent pixels are composited on `background`
   * ('#rrggbb', default white).
   */
  exportStep(step: string, type?: EncodeType, quality?: number, background?: string): Promise<Blob>;
  /** Kernel executions on the worker pool since the page loaded (cache hits do not count). */
  kernelRuns(): number;
  /** Tiled steps' output buffers: handed out, used again, come back to the pool (see workers/pixel-pool.ts). */
  pixelStats(): PixelPoolStats;
  /** The cameras' and timers' figures: frames through the pipeline, fps, dropped frames and ticks. */
  live(): LiveStats;
  /** A camera step's current frame becomes an Image step in its place; resolves with the image's asset id. */
  freezeFrame(node: string): Promise<string>;
  /** Starts or stops a Timer step. */
  playTimer(node: string): void;
  stopTimer(node: string): void;
  /** Resolves once the autosaved graph (if any) has been restored. */
  ready: Promise<void>;
}

declare global {
  interface Window {
    pipette: PipetteApi;
  }
}

export interface Started {
  readonly runtime: Runtime;
  /** The one command surface, shared by the editor and `window.pipette`. */
  readonly commands: Commands;
  readonly cache: TieredCache;
  api: PipetteApi;
  /** An error restoring the autosaved graph, to show (the graph then starts empty). */
  restoreError: string | null;
  /** The text of the autosaved graph that could not be restored, kept aside in storage: offered for download. */
  unreadableGraph: string | null;
  /** Why the graph is not being saved (null once a save succeeds again), as it changes; returns the unsubscribe. */
  onSaveProblem(listener: (problem: string | null) => void): () => void;
  /** Saves the graph now; rejects (and reports through onSaveProblem) when it cannot. */
  saveNow(): Promise<void>;
  /** Another tab saved the graph since this one loaded or saved it (null once resolved), as it changes. */
  onConflict(listener: (conflict: GraphConflict | null) => void): () => void;
  /** Resolves a conflict: 'theirs' loads the newest saved graph here; 'mine' saves this tab's graph over it. */
  resolveConflict(keep: 'theirs' | 'mine'): Promise<void>;
}

export interface GraphConflict {
  /** When the other tab saved. */
  readonly savedAt: number;
}

/**
 * How long the editor stays idle before results are written to IndexedDB. Someone editing makes a
 * run every few hundred ms to a second; a write begun in such a pause takes a core from the next run.
 */
const WRITE_SETTLE_MS = 1000;

export function start(
  hooks: Pick<RuntimeOptions, 'onChange' | 'onPublish' | 'onGraph' | 'onFocus' | 'onPoolEvent' | 'onRunEvent'> = {},
  /** What to open when there is no autosaved graph (a starter example). */
  initial?: () => Promise<void>,
): Started {
  // Results reach IndexedDB between runs: storing one costs other threads far more CPU than the
  // page spends on a run, and a run's workers and the page need those cores (see TieredCache).
  const cache = new TieredCache({ quiet: settled((): Activity => runtime.live, WRITE_SETTLE_MS) });
  const graphStore = openGraphStore();
  const sources = new IdbSourceStore();
  // When storage is full the cached results go first: they can be computed again, the graph cannot.
  const autosaver = createAutosaver(
    makingRoom(graphStore, () => cache.clear()),
    400,
    {
      onError: (e) => setSaveProblem(e),
      onSaved: () => {
        setSaveProblem(null);
        channel?.postMessage({ type: 'saved', rev: graphStore.revision });
      },
    },
  );
  // Tabs tell each other when they save, so a tab learns at once that its graph is not the newest.
  const channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel('pipette-graph');
  const conflictListeners = new Set<(c: GraphConflict | null) => void>();
  let conflict: GraphConflict | null = null;
  const setConflict = (c: GraphConflict | null) => {
    conflict = c;
    for (const l of conflictListeners) l(c);
  };
  channel?.addEventListener('message', (ev: MessageEvent) => {
    const d = ev.data as { type?: unknown; rev?: unknown } | null;
    if (d?.type !== 'saved' || typeof d.rev !== 'number' || d.rev <= (graphStore.revision ?? 0)) return;
    void graphStore.latest().then((l) => {
      if (l && l.rev > (graphStore.revision ?? 0)) setConflict({ savedAt: l.savedAt });
    });
  });
  const saveListeners = new Set<(problem: string | null) => void>();
  let lastProblem: string | null = null;
  const setSaveProblem = (e: unknown) => {
    if (e instanceof GraphConflictError) {
      // Not a storage problem: another tab's save, which this one does not overwrite.
      setConflict({ savedAt: e.savedAt });
      return;
    }
    const problem = e === null ? null : saveProblem(e);
    if (e !== null) console.warn('Pipette: autosave failed', e);
    if (problem === lastProblem) return;
    lastProblem = problem;
    for (const l of saveListeners) l(problem);
  };
  // Off until the saved graph is restored, or kept aside if it cannot be: an autosave before then
  // would overwrite the only copy of what the user made.
  let autosave = false;
  // Cameras and timers: started for the steps of each new graph (made once the runtime exists).
  let liveSources: LiveSources | null = null;
  const runtime = new Runtime({
    store: cache,
    sources,
    ...hooks,
    onGraph: (g) => {
      if (autosave) autosaver.schedule(JSON.parse(serializeGraph(g)));
      liveSources?.sync(g);
      hooks.onGraph?.(g);
    },
  });
  liveSources = new LiveSources(runtime);
  const live = liveSources;
  const flush = () => void autosaver.flush().catch(setSaveProblem);
  addEventListener('pagehide', flush);
  addEventListener('pagehide', () => saveHistory(runtime));
  addEventListener('visibilitychange', () => document.visibilityState === 'hidden' && flush());

  const commands = new Commands(runtime, live);
  const started: Started = {
    runtime,
    commands,
    cache,
    api: undefined as unknown as PipetteApi,
    restoreError: null,
    unreadableGraph: null,
    onSaveProblem: (listener) => {
      saveListeners.add(listener);
      listener(lastProblem);
      return () => saveListeners.delete(listener);
    },
    onConflict: (listener) => {
      conflictListeners.add(listener);
      listener(conflict);
      return () => conflictListeners.delete(listener);
    },
    resolveConflict: async (keep) => {
      if (keep === 'mine') {
        graphStore.override();
        setConflict(null);
        await started.saveNow();
        return;
      }
      const saved = await graphStore.load();
      setConflict(null);
      if (saved !== undefined) runtime.loadGraphText(JSON.stringify(saved));
      // What was just loaded is what is stored: saving it back would only tell the other tab,
      // wrongly, that this one changed it.
      autosaver.cancel();
    },
    saveNow: async () => {
      // Something to save even when no edit is waiting: the current graph.
      if (autosave && !autosaver.pending) autosaver.schedule(JSON.parse(serializeGraph(runtime.graph)));
      await autosaver.flush().catch((e: unknown) => {
        setSaveProblem(e);
        throw e;
      });
    },
  };
  // The restored graph is not an edit (undoing it would empty the editor); the history this tab
  // had before the reload comes back with it.
  // Set once a saved graph is restored, even an empty one (New graph): only a first start opens the example.
  let restored = false;
  const ready = restoreSaved(graphStore, (saved) => {
    runtime.loadGraphText(JSON.stringify(saved), { undoable: false });
    restored = true;
    restoreHistory(runtime);
  })
    .then(({ error, keptAside, mayAutosave }) => {
      autosave = mayAutosave;
      if (error === undefined) return;
      const why =
        error instanceof DocumentError
          ? `The autosaved graph could not be restored: ${error.message}`
          : `The autosaved graph could not be read (${String(error)})`;
      started.unreadableGraph = keptAside ?? null;
      started.restoreError = !mayAutosave
        ? `${why}. Changes in this tab are not autosaved, so that a graph saved earlier is not overwritten.`
        : keptAside !== undefined
          ? `${why}. It is kept aside, and nothing you do now overwrites it.`
          : why;
    })
    .then(async () => {
      // Stored image files no saved graph refers to are let go, now that the saved graphs are known.
      if (autosave) void forgetUnusedSources(runtime, graphStore, sources);
      if (!restored && runtime.graph.nodes.length === 0 && !started.restoreError && initial) await initial();
    });

  const idle = async () => {
    await ready;
    await runtime.live.whenIdle();
  };
  const api: PipetteApi = {
    loadGraph: (doc) => void runtime.loadGraphText(typeof doc === 'string' ? doc : JSON.stringify(doc)),
    exportGraph: () => runtime.exportGraphText(),
    async loadImage(url) {
      // 'same-origin' also refuses a redirect to another origin.
      const res = await fetch(ownUrl(url), { mode: 'same-origin', credentials: 'same-origin' });
      if (!res.ok) throw new Error(`Could not load ${url}: ${res.status} ${res.statusText}`);
      return runtime.addImage(await res.blob());
    },
    setParam: (node, name, value, opts) => commands.setParam(node, name, value, { drag: opts?.preview ?? false }),
    endDrag: () => commands.endDrag(),
    select: (node) => commands.select(node),
    runTo: (node) => commands.runTo(node),
    group: (ids) => commands.group(ids),
    ungroup: (id) => commands.ungroup(id),
    expose: (node, param, on) => commands.expose(node, param, on ?? true),
    open: (path) => commands.open(path),
    inside: () => commands.inside,
    undo: () => commands.undo(),
    redo: () => commands.redo(),
    cancel: () => commands.cancel(),
    whenIdle: idle,
    steps: () => runtime.report(),
    cacheStats: () => cache.stats,
    assetStats: () => ({ count: runtime.assets.size, bytes: runtime.assets.bytes }),
    flush: async () => {
      await started.saveNow();
      await sources.flush();
      await cache.flush();
    },
    pixels: async (step) => {
      await idle();
      const image = await runtime.fullImage(step);
      // A copy: the result's own memory is shared with the workers and the cache.
      return { width: image.width, height: image.height, data: new Uint8ClampedArray(image.data) };
    },
    exportStep: async (step, type, quality, background) => {
      await idle();
      return commands.exportImage(step, type, quality, background);
    },
    kernelRuns: () => runtime.kernelRuns,
    pixelStats: () => runtime.pool.pixels.stats,
    live: () => live.stats(),
    freezeFrame: (node) => commands.freezeFrame(node),
    playTimer: (node) => commands.playTimer(node),
    stopTimer: (node) => commands.stopTimer(node),
    ready,
  };
  started.api = api;
  window.pipette = api;
  return started;
}

/**
 * `url` resolved against the page, if it is the page's own: same origin, or a blob: URL the page
 * made (its origin is the page's). Anything else is refused before any request is made.
 */
function ownUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url, location.href);
  } catch {
    throw new Error(`Cannot load an image from "${url.slice(0, 100)}": it is not a URL`);
  }
  if (u.origin !== location.origin) {
    const from = u.origin === 'null' ? `a ${u.protocol} URL` : u.origin;
    throw new Error(`Images can only be loaded from this page's own origin (${location.origin}) or a blob: URL it made, not from ${from}`);
  }
  return u;
}

/** Deletes the stored source files that neither the graph, nor a graph kept aside, nor this session uses. */
async function forgetUnusedSources(runtime: Runtime, graphs: RecoverableGraphStore, sources: SourceStore): Promise<void> {
  try {
    const kept = new Set<string>();
    for (const k of await graphs.keptAside()) for (const id of assetIdsIn(k.json)) kept.add(id);
    // The undo history restored with the tab names images too: an undo after the reload must find them.
    const inGraphs = [...runtime.history.past, runtime.graph, ...runtime.history.future];
    await sources.retain(() => new Set([...kept, ...inGraphs.flatMap((g) => [...assetIdsOf(g)]), ...runtime.assets.ids()]));
  } catch (e) {
    console.warn('Pipette: could not tidy the stored image files', e);
  }
}

