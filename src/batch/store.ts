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

export class BatchStore {
  readonly #db: LazyDb;

  constructor(opts: LazyDbOptions = {}) {
    this.#db = new LazyDb(opts);
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
   */
  async add(pipeline: BatchPipeline, items: readonly { readonly job: BatchJob; readonly file: Blob }[]): Promise<BatchJob[]> {
    const db = await this.#db.open();
    const tx = db.transaction(['batchJobs', 'batchPipelines', 'batchInputs'], 'readwrite', { durability: 'strict' });
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
