// The batch queue: a pipeline over many images, one job at a time, persisted (store.ts) so that it
// survives a reload or a crash. Jobs run through the host (the app's scheduler and worker pool) at
// the lowest priority class, so a person's edits always go first. No DOM and no Svelte here: the
// panel listens and calls.

import type { Image } from '../ops/types';
import { FINISHED, nextJob, ordered, rankBetween, recover, transition, type BatchJob, type BatchPipeline, type JobState } from './model';
import type { Manifest } from './manifest';
import type { BatchStore, ResultFile } from './store';

/** What the queue needs from the app. */
export interface BatchHost {
  /** Decodes an input file (as the editor decodes a dropped file); hash: its asset id. */
  decode(file: Blob, signal: AbortSignal): Promise<{ readonly image: Image; readonly hash: string }>;
  /**
   * Runs the pipeline's graph with its image step on the asset (already decoded and held), at batch
   * priority; resolves to each written step's image and content key (in the pipeline's output
   * order), or rejects with what went wrong.
   */
  compute(pipeline: BatchPipeline, asset: string, image: Image, signal: AbortSignal, progress: (f: number) => void): Promise<readonly { readonly image: Image; readonly key: string }[]>;
  encode(image: Image, pipeline: BatchPipeline, signal: AbortSignal): Promise<Blob>;
  /** The input's content id (a hash of its bytes). */
  contentId(file: Blob): Promise<string>;
  /** The input's size from its file header, without decoding it (null when the header does not say). */
  size?(file: Blob): Promise<{ readonly width: number; readonly height: number } | null>;
  /** A hash of text, for job ids. */
  hash(text: string): string;
}

export interface QueueView {
  /** Every job, in queue order. */
  readonly jobs: readonly BatchJob[];
  readonly paused: boolean;
  /** Why the queue paused itself, if it did. */
  readonly notice: string | null;
  /** The running job's progress 0..1. */
  readonly progress: number;
}

/**
 * What changed since a listener's last delta; a listener keeps its copy of the queue by applying
 * them (`applyDelta`). Sent at most every DELTA_MS, however fast jobs change.
 */
export interface QueueDelta {
  /** A whole picture (the first delta a listener gets): `jobs` is every job. */
  readonly reset: boolean;
  /** Jobs added or changed, as they are now. */
  readonly jobs: readonly BatchJob[];
  /** Ids of jobs removed. */
  readonly removed: readonly string[];
  readonly paused: boolean;
  readonly notice: string | null;
  readonly progress: number;
}

/** Least time between two deltas to the listeners: ten a second at most. */
export const DELTA_MS = 100;

/** A queue's view after a delta. Re-sorts only when a job was added, removed or moved. */
export function applyDelta(view: QueueView, d: QueueDelta): QueueView {
  const rest = { paused: d.paused, notice: d.notice, progress: d.progress };
  if (d.reset) return { jobs: ordered(d.jobs), ...rest };
  if (d.jobs.length === 0 && d.removed.length === 0) return { jobs: view.jobs, ...rest };
  const at = new Map(view.jobs.map((j, i) => [j.id, i]));
  let jobs = view.jobs.slice();
  let resort = false;
  for (const j of d.jobs) {
    const i = at.get(j.id);
    if (i === undefined) {
      at.set(j.id, jobs.push(j) - 1);
      resort = true;
    } else {
      resort ||= jobs[i]!.rank !== j.rank || jobs[i]!.priority !== j.priority;
      jobs[i] = j;
    }
  }
  if (d.removed.length > 0) {
    const gone = new Set(d.removed);
    jobs = jobs.filter((j) => !gone.has(j.id));
  }
  return { jobs: resort ? ordered(jobs) : jobs, ...rest };
}

export interface EnqueueFile {
  readonly name: string;
  readonly file: Blob;
  /** Its content id when already computed from these bytes (else the host computes it). */
  readonly contentId?: string;
}

export class BatchQueue {
  readonly #store: BatchStore;
  readonly #host: BatchHost;
  readonly #jobs = new Map<string, BatchJob>();
  readonly #listeners = new Set<(d: QueueDelta) => void>();
  /** Changed since the last delta: jobs as they are now, and removed ids. */
  readonly #dirty = new Map<string, BatchJob>();
  /** Each job as listeners last got it (in a whole picture or a delta): a delta leaves out jobs that came back to it. */
  readonly #sent = new Map<string, BatchJob>();
  readonly #removed = new Set<string>();
  #deltaTimer: ReturnType<typeof setTimeout> | null = null;
  #lastDelta = -Infinity;
  #paused = false;
  #notice: string | null = null;
  #progress = 0;
  /** The job running now; `committing` once its result is being written (too late to stop it). */
  #running: { readonly id: string; readonly abort: AbortController; committing: boolean } | null = null;
  #loop: Promise<void> | null = null;
  #closed = false;
  /** Whether this tab runs the queue (one tab does; others only show it). */
  readonly runsHere: boolean;

  private constructor(store: BatchStore, host: BatchHost, runsHere: boolean) {
    this.#store = store;
    this.#host = host;
    this.runsHere = runsHere;
  }

  /**
   * Opens the stored queue. Jobs left running by the last session go back to the queue (or wait as
   * suspect); if there were any, that session ended uncleanly and the queue starts paused, saying so.
   */
  static async open(store: BatchStore, host: BatchHost, opts: { readonly runsHere?: boolean } = {}): Promise<BatchQueue> {
    const q = new BatchQueue(store, host, opts.runsHere ?? true);
    const { jobs, meta } = await store.load();
    for (const j of jobs) q.#jobs.set(j.id, j);
    q.#paused = meta.paused;
    if (q.runsHere) {
      const { changed, unclean } = recover(jobs);
      for (const j of changed) q.#put(j);
      await store.putMany(changed);
      if (unclean) {
        q.#paused = true;
        q.#notice = 'The last session ended while a job was running: the queue is paused. Resume it when you are ready.';
        await store.setMeta({ paused: true });
      }
    }
    q.#kick();
    return q;
  }

  get view(): QueueView {
    return { jobs: ordered(this.#jobs.values()), paused: this.#paused, notice: this.#notice, progress: this.#progress };
  }

  /**
   * Listen to changes: at once a whole picture, then deltas of what changed, at most every
   * DELTA_MS. Returns the function that stops listening.
   */
  subscribe(listener: (d: QueueDelta) => void): () => void {
    // Listeners already here get what is pending first: the new one's whole picture has it, and a
    // delta after it would name jobs its copy already holds.
    if (this.#deltaTimer !== null) {
      clearTimeout(this.#deltaTimer);
      this.#sendDelta();
    }
    this.#listeners.add(listener);
    for (const j of this.#jobs.values()) this.#sent.set(j.id, j);
    listener({ reset: true, jobs: [...this.#jobs.values()], removed: [], paused: this.#paused, notice: this.#notice, progress: this.#progress });
    return () => this.#listeners.delete(listener);
  }

  /** Queues every file with the pipeline (files already queued with it are not queued twice). Answers how many were added. */
  async enqueue(pipeline: BatchPipeline, files: readonly EnqueueFile[]): Promise<number> {
    let last = Math.max(0, ...[...this.#jobs.values()].map((j) => j.rank));
    const items: { job: BatchJob; file: Blob }[] = [];
    for (const f of files) {
      const input = f.contentId ?? (await this.#host.contentId(f.file));
      const id = this.#host.hash(`${pipeline.id}:${input}`);
      if (this.#jobs.has(id) || items.some((i) => i.job.id === id)) continue;
      last = rankBetween(last, undefined);
      // Its size for the ETA; a header that cannot be read is found out at decode.
      const size = await this.#host.size?.(f.file).catch(() => null);
      const megapixels = size ? (size.width * size.height) / 1e6 : 0;
      items.push({
        file: f.file,
        job: { id, pipeline: pipeline.id, input, name: f.name, megapixels, state: 'queued', rank: last, priority: 0, attempts: 0, addedAt: Date.now() },
      });
    }
    const added = await this.#store.add(pipeline, items);
    for (const j of added) this.#put(j);
    this.#emit();
    this.#kick();
    return added.length;
  }

  /**
   * Queues a manifest's jobs again, each with its own pipeline: an input is found among `files`
   * by its content (whatever its name now), else among the inputs still stored. Answers how many
   * were added and the inputs found nowhere.
   */
  async enqueueManifest(manifest: Manifest, files: readonly EnqueueFile[]): Promise<{ added: number; missing: string[] }> {
    const byContent = new Map<string, Blob>();
    for (const f of files) byContent.set(await this.#host.contentId(f.file), f.file);
    const groups = new Map<string, EnqueueFile[]>();
    const missing: string[] = [];
    for (const j of manifest.jobs) {
      const file = byContent.get(j.inputId) ?? (await this.#store.input(j.inputId));
      if (!file) {
        missing.push(j.input);
        continue;
      }
      let group = groups.get(j.pipeline);
      if (!group) groups.set(j.pipeline, (group = []));
      group.push({ name: j.input, file, contentId: j.inputId });
    }
    let added = 0;
    for (const p of manifest.pipelines) {
      const group = groups.get(p.id);
      if (group) added += await this.enqueue(p, group);
    }
    return { added, missing };
  }

  /** A stored pipeline (for a manifest). */
  pipeline(id: string): Promise<BatchPipeline | undefined> {
    return this.#store.pipeline(id);
  }

  async pause(): Promise<void> {
    this.#paused = true;
    await this.#store.setMeta({ paused: true });
    // The running job goes back to the queue, at its place; its start is not counted against it.
    const r = this.#running;
    if (r) r.abort.abort(new DOMException('Paused', 'AbortError'));
    this.#emit();
  }

  async resume(): Promise<void> {
    this.#paused = false;
    this.#notice = null;
    await this.#store.setMeta({ paused: false });
    this.#emit();
    this.#kick();
  }

  /** Pause one job (it is skipped until resumed), or resume it. */
  async pauseJob(id: string, paused: boolean): Promise<void> {
    const j = this.#jobs.get(id);
    if (!j || this.#committing(id)) return;
    if (paused && this.#running?.id === id) this.#running.abort.abort(new DOMException('Paused', 'AbortError'));
    await this.#set(transition(j, paused ? 'paused' : 'queued'));
  }

  async cancel(id: string): Promise<void> {
    const j = this.#jobs.get(id);
    if (!j || FINISHED.has(j.state) || this.#committing(id)) return;
    if (this.#running?.id === id) this.#running.abort.abort(new DOMException('Cancelled', 'AbortError'));
    await this.#set(transition(j, 'cancelled'));
  }

  async retry(id: string): Promise<void> {
    const j = this.#jobs.get(id);
    if (!j || (j.state !== 'failed' && j.state !== 'cancelled')) return;
    await this.#set(transition(j, 'queued'));
    this.#kick();
  }

  /** Moves a job just before `before` (null: to the end of its priority). One job is written. */
  async move(id: string, before: string | null): Promise<void> {
    const j = this.#jobs.get(id);
    if (!j) return;
    const list = ordered(this.#jobs.values()).filter((x) => x.id !== id && x.priority === j.priority);
    const i = before === null ? list.length : list.findIndex((x) => x.id === before);
    if (i < 0) return;
    await this.#set({ ...j, rank: rankBetween(list[i - 1]?.rank, list[i]?.rank) });
  }

  async setPriority(id: string, priority: number): Promise<void> {
    const j = this.#jobs.get(id);
    if (!j || j.priority === priority) return;
    await this.#set({ ...j, priority });
  }

  /** Removes the finished jobs (done, failed, cancelled) and their results. */
  async clearFinished(): Promise<void> {
    const ids = [...this.#jobs.values()].filter((j) => FINISHED.has(j.state)).map((j) => j.id);
    await this.#store.remove(ids);
    for (const id of ids) {
      this.#jobs.delete(id);
      this.#dirty.delete(id);
      this.#sent.delete(id);
      this.#removed.add(id);
    }
    this.#emit();
  }

  /** Done jobs' result files, in queue order, for a download. */
  async *results(): AsyncGenerator<{ readonly job: BatchJob; readonly files: readonly ResultFile[] }> {
    for (const job of ordered(this.#jobs.values())) {
      if (job.state !== 'done') continue;
      const r = await this.#store.result(job.id);
      if (r) yield { job, files: r.files };
    }
  }

  /** Stops running (the current job goes back to the queue) and lets go of storage. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#running?.abort.abort(new DOMException('Closed', 'AbortError'));
    await this.#loop;
    if (this.#deltaTimer !== null) clearTimeout(this.#deltaTimer);
    this.#deltaTimer = null;
    this.#store.close();
  }

  /** Resolves when no job is running and none can start (paused, or nothing queued). */
  async idle(): Promise<void> {
    while (this.#loop) await this.#loop;
  }

  // ---- Running -----------------------------------------------------------------------------------

  #kick(): void {
    if (this.#loop || !this.runsHere || this.#closed) return;
    // `.finally` runs after this assignment even when there is nothing to run.
    const loop = this.#drain().finally(() => {
      if (this.#loop === loop) this.#loop = null;
      this.#emit();
    });
    this.#loop = loop;
  }

  async #drain(): Promise<void> {
    for (;;) {
      if (this.#paused || this.#closed) return;
      const job = nextJob(this.#jobs.values());
      if (!job) return;
      await this.#run(job);
    }
  }

  async #run(queued: BatchJob): Promise<void> {
    const abort = new AbortController();
    const startedAt = performance.now();
    let job = transition(queued, 'running', { attempts: queued.attempts + 1 });
    const running = { id: job.id, abort, committing: false };
    this.#running = running;
    this.#progress = 0;
    await this.#set(job);
    try {
      const pipeline = await this.#store.pipeline(job.pipeline);
      const file = await this.#store.input(job.input);
      if (!pipeline || !file) throw new Error('Its pipeline or input is no longer stored; queue the image again');
      const { image, hash } = await this.#host.decode(file, abort.signal);
      job = { ...job, megapixels: (image.width * image.height) / 1e6 };
      const out = await this.#host.compute(pipeline, hash, image, abort.signal, (f) => {
        this.#progress = f;
        this.#emit();
      });
      const names = outputNames(job.name, pipeline);
      const files: ResultFile[] = [];
      for (let i = 0; i < out.length; i++) files.push({ name: names[i]!, blob: await this.#host.encode(out[i]!.image, pipeline, abort.signal) });
      abort.signal.throwIfAborted();
      running.committing = true;
      const committed = transition(job, 'done', { runMs: performance.now() - startedAt, keys: out.map((o) => o.key), outputs: names });
      if (await this.#store.commit(committed, { id: job.id, files })) this.#put(committed);
    } catch (e) {
      const current = this.#jobs.get(job.id);
      if (abort.signal.aborted) {
        // Paused or cancelled by a person (already recorded), or the whole queue paused or closed:
        // a job still marked running goes back to the queue, its start not counted.
        if (current?.state === 'running') await this.#set({ ...transition(current, 'queued'), attempts: queued.attempts });
      } else if (current?.state === 'running') {
        await this.#set(transition(current, 'failed', { error: e instanceof Error ? e.message : String(e) }));
      }
    } finally {
      this.#running = null;
      this.#progress = 0;
      this.#emit();
    }
  }

  #committing(id: string): boolean {
    return this.#running?.id === id && this.#running.committing;
  }

  async #set(job: BatchJob): Promise<void> {
    this.#put(job);
    this.#emit();
    await this.#store.put(job);
  }

  #put(job: BatchJob): void {
    this.#jobs.set(job.id, job);
    this.#dirty.set(job.id, job);
    this.#removed.delete(job.id);
  }

  /** A delta goes out soon: at once after a quiet spell, else DELTA_MS after the last one. */
  #emit(): void {
    if (this.#deltaTimer !== null || this.#closed) return;
    const wait = Math.max(0, this.#lastDelta + DELTA_MS - performance.now());
    this.#deltaTimer = setTimeout(() => this.#sendDelta(), wait);
  }

  #sendDelta(): void {
    this.#deltaTimer = null;
    this.#lastDelta = performance.now();
    // A job written again unchanged, or changed and changed back since the last delta (a running
    // job paused back to the queue), is left out.
    const jobs = [...this.#dirty.values()].filter((j) => !sameJob(this.#sent.get(j.id), j));
    for (const j of jobs) this.#sent.set(j.id, j);
    const d: QueueDelta = { reset: false, jobs, removed: [...this.#removed], paused: this.#paused, notice: this.#notice, progress: this.#progress };
    this.#dirty.clear();
    this.#removed.clear();
    for (const l of this.#listeners) l(d);
  }
}

/** Whether two versions of a job say the same (jobs are small plain objects, written field by field in one order). */
function sameJob(a: BatchJob | undefined, b: BatchJob): boolean {
  return a === b || (a !== undefined && JSON.stringify(a) === JSON.stringify(b));
}

/**
 * A job's result file names, one per written step: the input's name (and folder) with the format's
 * extension, inside the step's folder when the pipeline writes several steps.
 */
export function outputNames(name: string, pipeline: Pick<BatchPipeline, 'type' | 'outputs'>): string[] {
  const ext = pipeline.type === 'image/jpeg' ? 'jpg' : pipeline.type.slice(6);
  const dot = name.lastIndexOf('.');
  const slash = name.lastIndexOf('/');
  const file = `${dot > slash ? name.slice(0, dot) : name}.${ext}`;
  return pipeline.outputs.map((o) => (o.folder ? `${o.folder}/${file}` : file));
}

export type { JobState };
