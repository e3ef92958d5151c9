// The command line of `pipette run`, parsed and checked before anything is read: every mistake is
// reported with what was given and what is accepted.

import { availableParallelism } from 'node:os';
import { parseHexColour } from '../workers/protocol';

export type OutputFormat = 'png' | 'jpeg' | 'webp';

export interface RunArgs {
  readonly graph: string;
  readonly input: string;
  readonly output: string;
  /** Steps whose results are written; empty: every step that no other step reads. */
  readonly steps: readonly string[];
  /** The image step the inputs go into; null: the graph's only image step. */
  readonly source: string | null;
  readonly format: OutputFormat;
  /** 0..1 for JPEG and WebP. */
  readonly quality: number;
  /** '#rrggbb': what a JPEG's transparent pixels are laid on. */
  readonly background: string;
  readonly workers: number;
  /** This run's share of the inputs: shard `index` of `count` (0-based). */
  readonly shard: { readonly index: number; readonly count: number };
  /** A folder that keeps every step's results by content key across runs; null for none. */
  readonly cache: string | null;
  /** Progress as one JSON line per image (the default when stdout is not a terminal). */
  readonly json: boolean | null;
}

export const USAGE = `Usage: pipette run GRAPH --in DIR --out DIR [options]

Runs the graph file (saved from the editor) over every image in DIR and its folders, writing the
results to the output folder with the same relative paths.

Options:
  --step ID[,ID…]       steps to write (default: every step no other step reads)
  --source ID           the image step the inputs go into (default: the graph's only one)
  --format png|jpeg|webp  output format (default png)
  --quality Q           0–100 for JPEG and WebP (default 90)
  --background #rrggbb  what a JPEG's transparent pixels are laid on (default #ffffff)
  --workers N           worker threads (default: ${defaultWorkers()}, the cores of this machine)
  --shard I/N           process shard I of N (1-based), split by input content; run N of these
                        anywhere to cover every input exactly once
  --cache DIR           keep every step's results by content key in DIR, reused across runs
  --json                one JSON line per image on stdout even on a terminal

A rerun skips the images whose results are already written (see pipette-manifest.jsonl in the
output folder). Ctrl-C stops after removing unfinished files. The exit code is the number of
images that failed (at most 125); 130 when interrupted.`;

export function defaultWorkers(): number {
  return Math.max(1, Math.min(16, availableParallelism()));
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parses `run GRAPH --in DIR --out DIR …` (the arguments after the program name). */
export function parseArgs(argv: readonly string[]): RunArgs {
  const args = [...argv];
  const command = args.shift();
  if (command !== 'run') throw new UsageError(command ? `Unknown command "${command}"; the command is "run"` : 'Say what to run');
  let graph: string | undefined;
  const opts = new Map<string, string>();
  let json: boolean | null = null;
  const valued = new Set(['--in', '--out', '--step', '--source', '--format', '--quality', '--background', '--workers', '--shard', '--cache']);
  while (args.length > 0) {
    const a = args.shift()!;
    if (a === '--json') json = true;
    else if (a.startsWith('--')) {
      const [name, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
      if (!valued.has(name)) throw new UsageError(`Unknown option ${name}`);
      const value = inline ?? args.shift();
      if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new UsageError(`${name} needs a value`);
      if (opts.has(name)) throw new UsageError(`${name} is given twice`);
      opts.set(name, value);
    } else if (graph === undefined) graph = a;
    else throw new UsageError(`Only one graph file, please ("${graph}" and "${a}")`);
  }
  if (!graph) throw new UsageError('Which graph file? Give the file saved from the editor');
  const input = opts.get('--in');
  const output = opts.get('--out');
  if (!input) throw new UsageError('--in DIR is needed: the folder of images to process');
  if (!output) throw new UsageError('--out DIR is needed: the folder to write the results to');

  const format = (opts.get('--format') ?? 'png').toLowerCase().replace(/^jpg$/, 'jpeg');
  if (format !== 'png' && format !== 'jpeg' && format !== 'webp') throw new UsageError(`--format must be png, jpeg or webp, not "${opts.get('--format')}"`);
  const qualityText = opts.get('--quality') ?? '90';
  const q = Number(qualityText);
  if (!(Number.isFinite(q) && q >= 0 && q <= 100)) throw new UsageError(`--quality must be a number from 0 to 100, not "${qualityText}"`);
  const background = opts.get('--background') ?? '#ffffff';
  if (!parseHexColour(background)) throw new UsageError(`--background must be a colour like #ffffff, not "${background}"`);
  const workersText = opts.get('--workers');
  const workers = workersText === undefined ? defaultWorkers() : Number(workersText);
  if (!(Number.isInteger(workers) && workers >= 1 && workers <= 64)) throw new UsageError(`--workers must be a whole number from 1 to 64, not "${workersText}"`);
  const shardText = opts.get('--shard') ?? '1/1';
  const m = /^(\d+)\/(\d+)$/.exec(shardText);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!(count >= 1 && index >= 1 && index <= count)) throw new UsageError(`--shard must be I/N with 1 ≤ I ≤ N, like 2/4, not "${shardText}"`);
  const steps = (opts.get('--step') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return {
    graph,
    input,
    output,
    steps,
    source: opts.get('--source') ?? null,
    format,
    quality: q / 100,
    background: background.toLowerCase(),
    workers,
    shard: { index: index - 1, count },
    cache: opts.get('--cache') ?? null,
    json,
  };
}
