// The batch queue in Pipette's IndexedDB database: jobs, their frozen pipelines, inputs stored once
// by content, and committed results. A result is committed once: the result record and the job's
// done mark are written in one transaction, and a job already done is never written again, so a
// job that ran twice (a crash between its end and its commit) still has exactly one result.

import { LazyDb, type LazyDbOptions } from '../cache/db';
import type { BatchJob, BatchPipeline } from './model';

export interface BatchMeta {
  /** The whole queue is paused (by a person, or after an unclean shutdown). */
  readonly paused: boolean;
}

export interface ResultFile {
  /** The file name in a download (a relative path). */
  readonly name: string;
  readonly blob: Blob;
}

/** A job's committed files, one per step its pipeline writes. */
export interface BatchResult {
  readonly id: string;
  readonly files: readonly ResultFile[];
}

// Records written before pipelines could write several steps (one `step`, one `blob`, `key` and
// `output` a job) are read in today's shape.
type StoredPipeline = BatchPipeline | (Omit<BatchPipeline, 'outputs'> & { readonly step: string });
type StoredResult = BatchResult | { readonly id: string; readonly blob: Blob; readonly name: string };
type StoredJob = BatchJob & { readonly key?: string; readonly output?: string };

function pipelineNow(p: StoredPipeline): BatchPipeline {
  if ('outputs' in p) return p;
  const { step, ...rest } = p;
  return { ...rest, outputs: [{ step, folder: '' }] };
}

function resultNow(r: StoredResult): BatchResult {
  return 'files' in r ? r : { id: r.id, files: [{ name: r.name, blob: r.blob }] };
}

function jobNow(j: StoredJob): BatchJob {
  if (j.outputs || j.output === undefined) return j;
  const { key, output, ...rest } = j;
  return { ...rest, outputs: [output], ...(key ? { keys: [key] } : {}) };
}

export interface BatchStoreOptions extends LazyDbOptions {
  /**
   * How long queuing images may take before it is given up, in ms (default: 30 s, plus 1 s for every
   * 10 MB of images). A browser whose storage is full may leave the transaction neither committed
   * nor failed (Chromium with its storage in memory, as in a private window): without a limit the
   * images would never be queued and nothing would say why.
   */
  readonly addTimeoutMs?: number;
}

export class BatchStore {
  readonly #db: LazyDb;
  readonly #addTimeoutMs: number | undefined;

  constructor(opts: BatchStoreOptions = {}) {
    this.#db = new LazyDb(opts);
    this.#addTimeoutMs = opts.addTimeoutMs;
  }

  async load(): Promise<{ jobs: BatchJob[]; meta: BatchMeta }> {
    const db = await this.#db.open();
    const [jobs, meta] = await Promise.all([db.getAll('batchJobs'), db.get('batchMeta', 'queue')]);
    return { jobs: (jobs as StoredJob[]).map(jobNow), meta: { paused: meta?.paused ?? false } };
  }

  async setMeta(meta: BatchMeta): Promise<void> {
    const db = await this.#db.open();
    await db.put('batchMeta', { id: 'queue', paused: meta.paused, running: false });
  }

  /**
   * Queues jobs with their pipeline and inputs in one transaction: an input already stored (by its
   * content id) is not written again, nor a job already queued (same id). Answers the jobs added.
   * Fails, saying why, if the transaction has not ended within the time limit (addTimeoutMs); it is
   * then aborted, so that nothing is queued, where it has not begun to commit.
   */
  async add(pipeline: BatchPipeline, items: readonly { readonly job: BatchJob; readonly file: Blob }[]): Promise<BatchJob[]> {
    const db = await this.#db.open();
    const tx = db.transaction(['batchJobs', 'batchPipelines', 'batchInputs'], 'readwrite', { durability: 'strict' });
    const work = (async () => {
      const added: BatchJob[] = [];
      await tx.objectStore('batchPipelines').put(pipeline);
      for (const { job, file } of items) {
        if (await tx.objectStore('batchJobs').getKey(job.id)) continue;
        if (!(await tx.objectStore('batchInputs').getKey(job.input))) await tx.objectStore('batchInputs').put({ id: job.input, blob: file });
        await tx.objectStore('batchJobs').put(job);
        added.push(job);
      }
      await tx.done;
      return added;
    })();
    const ms = this.#addTimeoutMs ?? 30_000 + items.reduce((n, i) => n + i.file.size, 0) / 10_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
    try {
      const first = await Promise.race([work, late]);
      if (first !== 'late') return first;
    } finally {
      clearTimeout(timer);
    }
    let aborted = true;
    try {
      tx.abort();
    } catch {
      aborted = false; // already committing: it may yet finish
    }
    // (its requests and its end reject on abort; nothing else waits for them now)
    work.catch(() => {});
    tx.done.catch(() => {});
    const n = items.length;
    throw new Error(
      `The browser had not finished storing ${n} image${n === 1 ? '' : 's'} after ${Math.round(ms / 1000)} s, so ` +
        (aborted ? `${n === 1 ? 'it was' : 'they were'} not queued` : `${n === 1 ? 'it' : 'they'} may appear in the queue only after a reload`) +
        '. Its storage may be full: clear the cache (Performance, Clear cache) or free some disk space, then add them again.',
    );
  }

  async put(job: BatchJob): Promise<void> {
    const db = await this.#db.open();
    await db.put('batchJobs', job);
  }

  async putMany(jobs: readonly BatchJob[]): Promise<void> {
    if (jobs.length === 0) return;
    const db = await this.#db.open();
    const tx = db.transaction('batchJobs', 'readwrite');
    await Promise.all([...jobs.map((j) => tx.store.put(j)), tx.done]);
  }

  async pipeline(id: string): Promise<BatchPipeline | undefined> {
    const db = await this.#db.open();
    const p = (await db.get('batchPipelines', id)) as StoredPipeline | undefined;
    return p && pipelineNow(p);
  }

  async input(id: string): Promise<Blob | undefined> {
    const db = await this.#db.open();
    return (await db.get('batchInputs', id))?.blob;
  }

  /**
   * Writes the result and marks the job done, together; false (nothing written) unless the stored
   * job is still running: done already, or cancelled or paused meanwhile.
   */
  async commit(job: BatchJob, result: BatchResult): Promise<boolean> {
    const db = await this.#db.open();
    const tx = db.transaction(['batchJobs', 'batchResults'], 'readwrite', { durability: 'strict' });
    const stored = await tx.objectStore('batchJobs').get(job.id);
    if (!stored || stored.state !== 'running') {
      await tx.done;
      return false;
    }
    await tx.objectStore('batchResults').put(result);
    await tx.objectStore('batchJobs').put(job);
    await tx.done;
    return true;
  }

  async result(id: string): Promise<BatchResult | undefined> {
    const db = await this.#db.open();
    const r = (await db.get('batchResults', id)) as StoredResult | undefined;
    return r && resultNow(r);
  }

  /** Deletes jobs with their results, and the inputs and pipelines no remaining job uses. */
  async remove(ids: readonly string[]): Promise<void> {
    const db = await this.#db.open();
    const tx = db.transaction(['batchJobs', 'batchResults', 'batchInputs', 'batchPipelines'], 'readwrite');
    for (const id of ids) {
      await tx.objectStore('batchJobs').delete(id);
      await tx.objectStore('batchResults').delete(id);
    }
    const left = await tx.objectStore('batchJobs').getAll();
    const inputs = new Set(left.map((j) => j.input));
    const pipelines = new Set(left.map((j) => j.pipeline));
    for (const id of await tx.objectStore('batchInputs').getAllKeys()) if (!inputs.has(id)) await tx.objectStore('batchInputs').delete(id);
    for (const id of await tx.objectStore('batchPipelines').getAllKeys()) if (!pipelines.has(id)) await tx.objectStore('batchPipelines').delete(id);
    await tx.done;
  }

  close(): void {
    this.#db.close();
  }
}
