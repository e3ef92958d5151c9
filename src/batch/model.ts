// The batch queue's jobs and the rules they follow, with no storage and no DOM: which state may
// follow which, the order jobs run in, where a moved job goes, what a restart does to a job that
// was running, and how long the rest will take.

export type JobState = 'queued' | 'running' | 'paused' | 'done' | 'failed' | 'cancelled';

/** States a job leaves only by a person's action (retry, clear). */
export const FINISHED: ReadonlySet<JobState> = new Set(['done', 'failed', 'cancelled']);

/** After this many starts that never finished (the page closed or crashed mid-job), a job waits for a person. */
export const MAX_ATTEMPTS = 2;

export interface BatchJob {
  /** hash(pipeline, input, export options): the same image queued again with the same pipeline is the same job. */
  readonly id: string;
  readonly pipeline: string;
  /** The input file's content id (its SHA-256, shortened): stored once however many jobs use it. */
  readonly input: string;
  /** The input's name, with its relative path when a folder was dropped. */
  readonly name: string;
  /** Megapixels of the input once known (0 before its first decode): for the ETA. */
  readonly megapixels: number;
  readonly state: JobState;
  /** Order within a priority: smaller first; a move writes one job (fractional ranks). */
  readonly rank: number;
  /** Higher first. */
  readonly priority: number;
  /** Starts so far (a start that was cut off by a closed page counts). */
  readonly attempts: number;
  /** Started more than MAX_ATTEMPTS times without finishing: it may crash the page; it waits for a retry by hand. */
  readonly suspect?: boolean;
  readonly error?: string;
  readonly addedAt: number;
  /** Time spent computing it, pauses excluded, once done. */
  readonly runMs?: number;
  /** The written steps' content keys, once done (in the pipeline's output order): equal keys, equal pixels. */
  readonly keys?: readonly string[];
  /** The results' file names, once done (its pipeline's outputs and format decide them). */
  readonly outputs?: readonly string[];
}

/** A step a pipeline writes, and the folder its files go in ('' when the pipeline writes one step). */
export interface BatchOutput {
  readonly step: string;
  readonly folder: string;
}

/** The frozen pipeline jobs run: the graph file as it was when queued, and what to export. */
export interface BatchPipeline {
  readonly id: string;
  readonly graph: string;
  /** The image step the inputs go into, and the steps whose images are written. */
  readonly source: string;
  readonly outputs: readonly BatchOutput[];
  readonly type: 'image/png' | 'image/jpeg' | 'image/webp';
  readonly quality: number;
  readonly background: string;
}

const ALLOWED: Readonly<Record<JobState, readonly JobState[]>> = {
  queued: ['running', 'paused', 'cancelled'],
  running: ['done', 'failed', 'cancelled', 'queued', 'paused'],
  paused: ['queued', 'cancelled'],
  done: ['queued'],
  failed: ['queued', 'cancelled'],
  cancelled: ['queued'],
};

export class TransitionError extends Error {
  constructor(from: JobState, to: JobState) {
    super(`A ${from} job cannot become ${to}`);
    this.name = 'TransitionError';
  }
}

/** The job in its new state; throws if the rules do not allow the change. */
export function transition(job: BatchJob, to: JobState, extra: Partial<Pick<BatchJob, 'error' | 'runMs' | 'megapixels' | 'attempts' | 'suspect' | 'keys' | 'outputs'>> = {}): BatchJob {
  if (job.state !== to && !ALLOWED[job.state].includes(to)) throw new TransitionError(job.state, to);
  const next: BatchJob = { ...job, ...extra, state: to };
  if (to !== 'failed') delete (next as { error?: string }).error;
  if (to === 'queued' && job.state !== 'running') {
    // A retry by hand starts afresh.
    return { ...next, attempts: 0, suspect: false };
  }
  return next;
}

/** The job to run next: highest priority, then lowest rank, among queued jobs. */
export function nextJob(jobs: Iterable<BatchJob>): BatchJob | undefined {
  let best: BatchJob | undefined;
  for (const j of jobs) {
    if (j.state !== 'queued') continue;
    if (!best || j.priority > best.priority || (j.priority === best.priority && j.rank < best.rank)) best = j;
  }
  return best;
}

/** Jobs in the order the queue shows and runs them. */
export function ordered(jobs: Iterable<BatchJob>): BatchJob[] {
  return [...jobs].sort((a, b) => b.priority - a.priority || a.rank - b.rank);
}

/**
 * The rank that puts a job between two neighbours (either may be missing: the ends). Midpoints
 * never collide in practice (2^52 halvings); `rankAfter` gives fresh ranks at the end.
 */
export function rankBetween(before: number | undefined, after: number | undefined): number {
  if (before === undefined && after === undefined) return 1;
  if (before === undefined) return after! - 1;
  if (after === undefined) return before + 1;
  return (before + after) / 2;
}

/**
 * What a start finds of the last session: a job still marked running was cut off (the page closed
 * or crashed). It goes back to the queue with the cut-off start counted; past MAX_ATTEMPTS it waits
 * for a person as suspect. Answers the jobs to write and whether the last session ended uncleanly.
 */
export function recover(jobs: Iterable<BatchJob>): { changed: BatchJob[]; unclean: boolean } {
  const changed: BatchJob[] = [];
  for (const j of jobs) {
    if (j.state !== 'running') continue;
    const attempts = j.attempts;
    changed.push(
      attempts > MAX_ATTEMPTS
        ? { ...j, state: 'failed', suspect: true, error: `Stopped ${attempts} times without finishing (the page closed or crashed while it ran); retry it by hand` }
        : { ...j, state: 'queued' },
    );
  }
  return { changed, unclean: changed.length > 0 };
}

/**
 * Seconds left for the queued and running jobs: their megapixels times a cost per megapixel. The
 * cost is that of the last finished jobs (their run time, pauses excluded: a paused job's time
 * starts again when it runs again), else `priorMsPerMp` (from the editor's own step timings) until
 * one finishes. An input whose size is not known yet counts as the average of those known; the
 * running job counts only the part of it still to do (`progress`). Undefined with no cost to go by.
 */
export function eta(jobs: Iterable<BatchJob>, opts: { readonly recent?: number; readonly priorMsPerMp?: number; readonly progress?: number } = {}): number | undefined {
  const all = [...jobs];
  const finished = all.filter((j) => j.state === 'done' && j.runMs !== undefined && j.megapixels > 0).slice(-(opts.recent ?? 8));
  const msPerMp = finished.length > 0 ? finished.reduce((s, j) => s + j.runMs!, 0) / finished.reduce((s, j) => s + j.megapixels, 0) : opts.priorMsPerMp;
  if (msPerMp === undefined || !Number.isFinite(msPerMp)) return undefined;
  const left = all.filter((j) => j.state === 'queued' || j.state === 'running');
  const known = all.filter((j) => j.megapixels > 0);
  if (known.length === 0) return left.length === 0 ? 0 : undefined;
  const typical = known.reduce((s, j) => s + j.megapixels, 0) / known.length;
  const progress = Math.min(1, Math.max(0, opts.progress ?? 0));
  const mp = left.reduce((s, j) => s + (j.megapixels > 0 ? j.megapixels : typical) * (j.state === 'running' ? 1 - progress : 1), 0);
  return (mp * msPerMp) / 1000;
}
