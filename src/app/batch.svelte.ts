// The Batch panel's state: the persisted queue (src/batch) kept from its deltas (at most ten a second), the
// export choices, and the actions the panel's controls call. One tab runs the queue (a Web Lock);
// another shows it and says so.

import { downloadZip } from 'client-zip';
import { applyDelta, BatchQueue, type EnqueueFile, type QueueView } from '../batch/batch-queue';
import { MANIFEST_MAX_BYTES, ManifestError, manifestOf, parseManifest, pipelineId } from '../batch/manifest';
import { eta, type BatchJob, type BatchOutput, type BatchPipeline } from '../batch/model';
import { BatchStore } from '../batch/store';
import { serializeGraph } from '../engine/document';
import { ancestorsOf, indexGraph, setParam } from '../engine/graph';
import { withSubgraphs } from '../engine/subgraph';
import { registry } from '../ops/registry';
import type { EncodeType } from '../workers/protocol';
import { batchHost } from './batch-host';
import type { EditorState } from './editor.svelte';

const EMPTY: QueueView = { jobs: [], paused: false, notice: null, progress: 0 };

export class BatchState {
  open = $state(false);
  view = $state.raw<QueueView>(EMPTY);
  /** False when another tab runs the queue. */
  runsHere = $state(true);
  /** The browser's answer to keeping this site's storage (null before asking). */
  persisted = $state<boolean | null>(null);
  message = $state<string | null>(null);
  /** The steps whose images are written; none chosen: the selected step, else the last one. */
  steps = $state<string[]>([]);
  /** The image step the batch images go into; null: the selected one, else the first. */
  source = $state<string | null>(null);
  format = $state<EncodeType>('image/png');
  quality = $state(90);
  background = $state('#ffffff');

  readonly #editor: EditorState;
  #queue: BatchQueue | null = null;
  readonly ready: Promise<void>;

  constructor(editor: EditorState) {
    this.#editor = editor;
    this.ready = this.#start().catch((e: unknown) => {
      this.message = `The batch queue is not available: ${e instanceof Error ? e.message : String(e)}`;
    });
  }

  async #start(): Promise<void> {
    const runsHere = await takeQueueLock();
    this.runsHere = runsHere;
    const q = await BatchQueue.open(new BatchStore(), batchHost(this.#editor.runtime), { runsHere });
    this.#queue = q;
    // The queue sends what changed, at most ten times a second; the panel keeps its copy by them.
    q.subscribe((d) => (this.view = applyDelta(this.view, d)));
  }

  /** The editor's own cost per megapixel of the last pipeline queued (its steps' times), until a job finishes. */
  #priorMsPerMp: number | undefined;

  /** Seconds left: from the recent cost per megapixel, or the editor's step times before any job has finished. */
  get eta(): number | undefined {
    return eta(this.view.jobs, { priorMsPerMp: this.#priorMsPerMp, progress: this.view.progress });
  }

  /**
   * What the pipeline's steps cost per megapixel in the editor, from their last full-resolution
   * run (undefined when some were never run there). Decode and encode are not in it: the first
   * finished job brings them in.
   */
  #editorCost(p: BatchPipeline): number | undefined {
    const runtime = this.#editor.runtime;
    // The steps as they run: a subgraph's inner steps are what cost time.
    const needed = ancestorsOf(indexGraph(runtime.flat.graph), p.outputs.map((o) => o.step));
    let ms = 0;
    for (const s of runtime.snapshot().values()) {
      if (!needed.has(s.id) || s.op === 'image-source') continue;
      if (s.durationMs === null || s.proxy || !s.size) return undefined;
      ms += s.durationMs / Math.max(1e-3, (s.size.width * s.size.height) / 1e6);
    }
    return ms;
  }

  get counts(): Record<string, number> {
    const c: Record<string, number> = { queued: 0, running: 0, paused: 0, done: 0, failed: 0, cancelled: 0 };
    for (const j of this.view.jobs) c[j.state]!++;
    return c;
  }

  /** Image steps of the editor's graph, and steps with an image output (what can be written). */
  get choices(): { readonly sources: { id: string; title: string }[]; readonly outputs: { id: string; title: string }[] } {
    const g = this.#editor.runtime.graph;
    const ops = withSubgraphs(registry, g);
    const titled = (n: (typeof g.nodes)[number]) => ({ id: n.id, title: n.label || ops.get(n.op)?.title || n.id });
    const sources = g.nodes.filter((n) => n.op === 'image-source').map(titled);
    const outputs = g.nodes.filter((n) => n.op !== 'image-source' && ops.get(n.op)?.outputs.some((p) => p.type === 'image')).map(titled);
    return { sources, outputs };
  }

  /** What "Write" will write, in words. */
  get stepsText(): string {
    const chosen = this.choices.outputs.filter((o) => this.steps.includes(o.id));
    if (chosen.length === 0) return 'the selected step (else the last)';
    if (chosen.length === 1) return chosen[0]!.title;
    return `${chosen.length} steps, a folder each`;
  }

  /**
   * The editor's graph frozen as a pipeline: one image step takes each input, and the chosen steps
   * are written (several: each into a folder named after it).
   */
  pipeline(): BatchPipeline {
    const g = this.#editor.runtime.graph;
    const { outputs: choices } = this.choices;
    const sources = this.choices.sources.map((o) => o.id);
    if (sources.length === 0) throw new Error('The graph has no image step for the batch images to go into; add one first');
    const selected = this.#editor.selected;
    const source = this.source && sources.includes(this.source) ? this.source : sources.includes(selected ?? '') ? selected! : sources[0]!;
    const chosen = choices.filter((o) => this.steps.includes(o.id));
    const fallback = choices.find((o) => o.id === selected) ?? choices.at(-1);
    const steps = chosen.length > 0 ? chosen : fallback ? [fallback] : [];
    if (steps.length === 0) throw new Error('The graph has no step to write; add one after the image step');
    const outputs = folders(steps);
    const graph = serializeGraph(setParam(g, registry, source, 'asset', ''));
    const type = this.format;
    const quality = Math.min(1, Math.max(0, this.quality / 100));
    const background = this.background;
    const content = { graph, source, outputs, type, quality, background };
    return { id: pipelineId(content), ...content };
  }

  /**
   * Queues image files with the editor's graph as it is now; with a batch manifest among them
   * (a zip's manifest.json), queues that manifest's jobs again instead, each with its own pipeline,
   * finding their inputs among the files (by content) or still stored.
   */
  async add(files: readonly EnqueueFile[]): Promise<void> {
    const manifest = files.find((f) => /(^|\/)[^/]*manifest[^/]*\.json$/i.test(f.name));
    if (manifest) return this.#import(manifest, files.filter((f) => f !== manifest && isImage(f)));
    const images = files.filter(isImage);
    if (images.length === 0) {
      this.message = 'No image files there';
      return;
    }
    try {
      await this.ready;
      const pipeline = this.pipeline();
      this.#priorMsPerMp = this.#editorCost(pipeline) ?? this.#priorMsPerMp;
      const added = await this.#queue!.enqueue(pipeline, images);
      this.message = `${added} image${added === 1 ? '' : 's'} queued${added < images.length ? ` (${images.length - added} already in the queue)` : ''}`;
      // Ask once that the queue and its results are not cleared under storage pressure.
      if (this.persisted === null) this.persisted = (await navigator.storage?.persist?.()) ?? false;
    } catch (e) {
      this.message = e instanceof Error ? e.message : String(e);
    }
  }

  async #import(file: EnqueueFile, images: readonly EnqueueFile[]): Promise<void> {
    try {
      if (file.file.size > MANIFEST_MAX_BYTES) throw new ManifestError(`it is larger than ${MANIFEST_MAX_BYTES / (1024 * 1024)} MB`);
      const manifest = parseManifest(await file.file.text());
      await this.ready;
      const { added, missing } = await this.#queue!.enqueueManifest(manifest, images);
      const total = manifest.jobs.length;
      this.message =
        `From ${file.name}: ${added} of ${total} job${total === 1 ? '' : 's'} queued` +
        (total - added - missing.length > 0 ? `, ${total - added - missing.length} already in the queue` : '') +
        (missing.length > 0 ? `; ${missing.length} input${missing.length === 1 ? '' : 's'} not found (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}): add the manifest together with its images or their folder` : '');
    } catch (e) {
      this.message = e instanceof Error ? e.message : String(e);
    }
  }

  pause = () => this.#do((q) => q.pause());
  resume = () => this.#do((q) => q.resume());
  cancel = (id: string) => this.#do((q) => q.cancel(id));
  retry = (id: string) => this.#do((q) => q.retry(id));
  pauseJob = (id: string, paused: boolean) => this.#do((q) => q.pauseJob(id, paused));
  setPriority = (id: string, priority: number) => this.#do((q) => q.setPriority(id, priority));
  clearFinished = () => this.#do((q) => q.clearFinished());

  /** Moves a job one place up or down within its priority. */
  move(id: string, by: -1 | 1): Promise<void> {
    const jobs = this.view.jobs;
    const i = jobs.findIndex((j) => j.id === id);
    const job = jobs[i];
    if (!job) return Promise.resolve();
    const same = jobs.filter((j) => j.priority === job.priority);
    const k = same.indexOf(job);
    if (by === -1 && k > 0) return this.#do((q) => q.move(id, same[k - 1]!.id));
    if (by === 1 && k < same.length - 1) return this.#do((q) => q.move(id, same[k + 2]?.id ?? null));
    return Promise.resolve();
  }

  /** Every done result in one zip, streamed as it is made, with a manifest of what made each file. */
  async downloadZip(): Promise<void> {
    const q = this.#queue;
    if (!q) return;
    const files = async function* () {
      const done: { job: BatchJob; outputs: string[] }[] = [];
      const pipelines = new Map<string, BatchPipeline>();
      for await (const r of q.results()) {
        done.push({ job: r.job, outputs: r.files.map((f) => f.name) });
        if (!pipelines.has(r.job.pipeline)) {
          const p = await q.pipeline(r.job.pipeline);
          if (p) pipelines.set(p.id, p);
        }
        for (const f of r.files) yield { name: f.name, input: f.blob, lastModified: new Date() };
      }
      yield { name: 'manifest.json', input: JSON.stringify(manifestOf(done, [...pipelines.values()]), null, 2), lastModified: new Date() };
    };
    this.#editor.download(await downloadZip(files()).blob(), 'pipette-batch.zip');
  }

  /**
   * Queues every image in a folder the person picks (File System Access), with paths relative to
   * it; a manifest in it queues that manifest again (see `add`). Where the picker is missing the
   * panel offers a folder input instead.
   */
  async addFolder(): Promise<void> {
    let root: FileSystemDirectoryHandle;
    try {
      root = await (globalThis as unknown as { showDirectoryPicker(o: { mode: 'read' }): Promise<FileSystemDirectoryHandle> }).showDirectoryPicker({ mode: 'read' });
    } catch {
      return; // the person closed the picker
    }
    try {
      await this.add(await filesIn(root, `${root.name}/`));
    } catch (e) {
      this.message = `Could not read the folder: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  /** Whether this browser lets the person pick a folder to read or write (File System Access). */
  get hasFolderPicker(): boolean {
    return typeof (globalThis as { showDirectoryPicker?: unknown }).showDirectoryPicker === 'function';
  }

  /**
   * Writes every done result into a folder the person picks, keeping the inputs' relative paths;
   * a file already there is left alone, so saving again after more jobs finish adds only the new.
   */
  async saveToFolder(): Promise<void> {
    const q = this.#queue;
    if (!q || !this.hasFolderPicker) return;
    let root: FileSystemDirectoryHandle;
    try {
      root = await (globalThis as unknown as { showDirectoryPicker(o: { mode: 'readwrite' }): Promise<FileSystemDirectoryHandle> }).showDirectoryPicker({ mode: 'readwrite' });
    } catch {
      return; // the person closed the picker
    }
    let written = 0;
    let skipped = 0;
    try {
      for await (const r of q.results()) {
        for (const f of r.files) {
          const parts = f.name.split('/').filter((p) => p && p !== '.' && p !== '..');
          let dir = root;
          for (const p of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(p, { create: true });
          const name = parts.at(-1)!;
          if (await exists(dir, name)) {
            skipped++;
            continue;
          }
          const out = await (await dir.getFileHandle(name, { create: true })).createWritable();
          await out.write(f.blob);
          await out.close();
          written++;
        }
      }
      this.message = `${written} written to ${root.name}${skipped ? `, ${skipped} already there` : ''}`;
    } catch (e) {
      this.message = `Saving to the folder stopped after ${written}: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  async #do(f: (q: BatchQueue) => Promise<void>): Promise<void> {
    await this.ready;
    if (!this.#queue) return;
    try {
      await f(this.#queue);
    } catch (e) {
      this.message = e instanceof Error ? e.message : String(e);
    }
  }
}

/**
 * Where each written step's files go: one step, beside the inputs' own paths; several, each in a
 * folder named after the step's title (made a safe, distinct folder name).
 */
function folders(steps: readonly { id: string; title: string }[]): BatchOutput[] {
  if (steps.length === 1) return [{ step: steps[0]!.id, folder: '' }];
  const used = new Set<string>();
  return steps.map(({ id, title }) => {
    // eslint-disable-next-line no-control-regex
    const base = title.replace(/[\u0000-\u001f\u007f/\\:*?"<>|]+/g, '-').replace(/^[\s.-]+|[\s.]+$/g, '').slice(0, 64) || id;
    let folder = base;
    for (let n = 2; used.has(folder.toLowerCase()); n++) folder = `${base} ${n}`;
    used.add(folder.toLowerCase());
    return { step: id, folder };
  });
}

/** Every file under a directory handle, named by its path from the handle's parent. */
async function filesIn(dir: FileSystemDirectoryHandle, prefix: string): Promise<EnqueueFile[]> {
  const out: EnqueueFile[] = [];
  for await (const [name, handle] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
    if (handle.kind === 'file') out.push({ name: prefix + name, file: await (handle as FileSystemFileHandle).getFile() });
    else out.push(...(await filesIn(handle as FileSystemDirectoryHandle, `${prefix}${name}/`)));
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function isImage(f: EnqueueFile): boolean {
  return f.file.type.startsWith('image/') || /\.(png|jpe?g|webp|avif|gif|bmp)$/i.test(f.name);
}

async function exists(dir: FileSystemDirectoryHandle, name: string): Promise<boolean> {
  try {
    await dir.getFileHandle(name);
    return true;
  } catch {
    return false;
  }
}


/**
 * Whether this tab runs the queue: the first tab to ask holds a Web Lock for as long as it lives;
 * others only show the queue. Without Web Locks, every tab runs it.
 */
function takeQueueLock(): Promise<boolean> {
  const locks = (navigator as { locks?: LockManager }).locks;
  if (!locks) return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    void locks.request('pipette-batch-queue', { ifAvailable: true }, (lock) => {
      resolve(lock !== null);
      // Held until the tab goes away.
      return lock ? new Promise<void>(() => {}) : undefined;
    });
  });
}
