// The manifest in a batch's zip: what made each result (the frozen pipeline: its graph with every
// parameter, the step written and the export options; the input's name and content id; the result's
// name and content key), and reading one back to queue the same work again. A manifest comes from
// a file a person chose: everything in it is checked before anything is queued, and a pipeline's
// id is recomputed from its content, never trusted.

import { DOCUMENT_LIMITS, parseGraphDocument } from '../engine/document';
import { hashText128 } from '../engine/hash';
import { registry } from '../ops/registry';
import { ENCODE_TYPES, parseHexColour } from '../workers/protocol';
import type { BatchJob, BatchPipeline } from './model';

export const MANIFEST_FORMAT = 'pipette-batch-manifest';
export const MANIFEST_VERSION = 2;
/** Refused before it is read: a manifest of 100,000 jobs is a few tens of MB. */
export const MANIFEST_MAX_BYTES = 64 * 1024 * 1024;
const MAX_JOBS = 100_000;
const MAX_PIPELINES = 1000;
const MAX_NAME = 1024;
const MAX_OUTPUTS = 64;
const CONTENT_ID = /^[0-9a-f]{32}$/;

export interface ManifestJob {
  /** The input's name, with its relative path. */
  readonly input: string;
  /** The input's content id (its SHA-256, shortened): how a re-import finds the file. */
  readonly inputId: string;
  /** The result files, one per step the pipeline writes. */
  readonly outputs: readonly string[];
  /** The written steps' content keys. */
  readonly keys?: readonly string[];
  readonly pipeline: string;
}

export interface Manifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly version: typeof MANIFEST_VERSION;
  readonly pipelines: readonly BatchPipeline[];
  readonly jobs: readonly ManifestJob[];
}

export class ManifestError extends Error {
  constructor(problem: string) {
    super(`This is not a batch manifest Pipette can queue: ${problem}`);
    this.name = 'ManifestError';
  }
}

/** A pipeline's id: a hash of everything that decides its results. */
export function pipelineId(p: Omit<BatchPipeline, 'id'>): string {
  return hashText128(JSON.stringify([p.graph, p.source, p.outputs.map((o) => [o.step, o.folder]), p.type, p.quality, p.background]));
}

/** The manifest of done jobs (with their result file names) and the pipelines they ran. */
export function manifestOf(done: readonly { readonly job: BatchJob; readonly outputs: readonly string[] }[], pipelines: readonly BatchPipeline[]): Manifest {
  const used = new Set(done.map((d) => d.job.pipeline));
  return {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    pipelines: pipelines.filter((p) => used.has(p.id)),
    jobs: done.map(({ job, outputs }) => ({ input: job.name, inputId: job.input, outputs, ...(job.keys ? { keys: job.keys } : {}), pipeline: job.pipeline })),
  };
}

/** Reads a manifest's text; throws a ManifestError saying what is wrong. */
export function parseManifest(text: string): Manifest {
  if (text.length > MANIFEST_MAX_BYTES) throw new ManifestError(`it is larger than ${MANIFEST_MAX_BYTES / (1024 * 1024)} MB`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ManifestError('it is not JSON');
  }
  const m = record(raw, 'the file');
  if (m.format !== MANIFEST_FORMAT) throw new ManifestError(`its format is not "${MANIFEST_FORMAT}"`);
  if (m.version === 1) throw new ManifestError('it was written before manifests carried their pipeline (version 1); queue the images again from the graph');
  if (m.version !== MANIFEST_VERSION) throw new ManifestError(`version ${String(m.version)} is not one this Pipette reads (${MANIFEST_VERSION})`);
  const rawPipelines = list(m.pipelines, 'pipelines', MAX_PIPELINES);
  const rawJobs = list(m.jobs, 'jobs', MAX_JOBS);
  // Pipelines are keyed by the id the file gives them (what its jobs name), but stored under the id of their content.
  const pipelines = new Map<string, BatchPipeline>();
  rawPipelines.forEach((p, i) => {
    const [given, pipeline] = checkPipeline(p, `pipeline ${i + 1}`);
    pipelines.set(given, pipeline);
  });
  const jobs = rawJobs.map((j, i): ManifestJob => {
    const where = `job ${i + 1}`;
    const r = record(j, where);
    const input = name(r.input, `${where}'s input`);
    if (typeof r.inputId !== 'string' || !CONTENT_ID.test(r.inputId)) throw new ManifestError(`${where}'s input id is not a content id`);
    const p = typeof r.pipeline === 'string' ? pipelines.get(r.pipeline) : undefined;
    if (!p) throw new ManifestError(`${where} names a pipeline the manifest does not have`);
    const outputs = list(r.outputs, `${where}'s outputs`, MAX_OUTPUTS).map((o) => name(o, `${where}'s output`));
    let keys: string[] | undefined;
    if (r.keys !== undefined) {
      keys = list(r.keys, `${where}'s keys`, MAX_OUTPUTS).map((k) => {
        if (typeof k !== 'string' || k.length > 256) throw new ManifestError(`${where}'s key is not a content key`);
        return k;
      });
    }
    return { input, inputId: r.inputId, outputs, ...(keys ? { keys } : {}), pipeline: p.id };
  });
  return { format: MANIFEST_FORMAT, version: MANIFEST_VERSION, pipelines: [...new Map([...pipelines.values()].map((p) => [p.id, p])).values()], jobs };
}

function checkPipeline(raw: unknown, where: string): [string, BatchPipeline] {
  const r = record(raw, where);
  if (typeof r.id !== 'string' || r.id.length > 256) throw new ManifestError(`${where} has no id`);
  if (typeof r.graph !== 'string') throw new ManifestError(`${where} has no graph`);
  let graph;
  try {
    graph = parseGraphDocument(r.graph, registry).graph;
  } catch (e) {
    throw new ManifestError(`${where}'s graph: ${e instanceof Error ? e.message : String(e)}`);
  }
  const node = (id: unknown) => (typeof id === 'string' && id.length <= DOCUMENT_LIMITS.idLength ? graph.nodes.find((n) => n.id === id) : undefined);
  const source = node(r.source);
  if (!source || source.op !== 'image-source') throw new ManifestError(`${where}'s source is not an image step of its graph`);
  const outputs = list(r.outputs, `${where}'s outputs`, MAX_OUTPUTS).map((o, i) => {
    const out = record(o, `${where}'s output ${i + 1}`);
    const step = node(out.step);
    if (!step || step === source || !registry.get(step.op)?.outputs.some((x) => x.type === 'image')) throw new ManifestError(`${where}'s step to write is not a step of its graph with an image`);
    if (out.folder !== '') name(out.folder, `${where}'s output folder`);
    return { step: step.id, folder: out.folder as string };
  });
  if (outputs.length === 0) throw new ManifestError(`${where} writes no step`);
  const folders = new Set(outputs.map((o) => o.folder));
  if (folders.size !== outputs.length) throw new ManifestError(`${where} writes two steps into one folder`);
  const type = ENCODE_TYPES.find((t) => t === r.type);
  if (!type) throw new ManifestError(`${where}'s format is not one of ${ENCODE_TYPES.join(', ')}`);
  if (typeof r.quality !== 'number' || !(r.quality >= 0 && r.quality <= 1)) throw new ManifestError(`${where}'s quality is not between 0 and 1`);
  if (typeof r.background !== 'string' || !parseHexColour(r.background)) throw new ManifestError(`${where}'s background is not a colour like #ffffff`);
  const content = { graph: r.graph, source: source.id, outputs, type, quality: r.quality, background: r.background };
  return [r.id, { id: pipelineId(content), ...content }];
}

function record(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ManifestError(`${where} is not an object`);
  return v as Record<string, unknown>;
}

function list(v: unknown, what: string, max: number): unknown[] {
  if (!Array.isArray(v)) throw new ManifestError(`it has no list of ${what}`);
  if (v.length > max) throw new ManifestError(`it has more than ${max} ${what}`);
  return v;
}

/** A relative file name: no empty, dot or dot-dot parts, no control characters. */
function name(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_NAME) throw new ManifestError(`${what} is not a file name`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(v) || v.startsWith('/') || v.split('/').some((p) => p === '' || p === '.' || p === '..')) {
    throw new ManifestError(`${what} "${v.slice(0, 80)}" is not a relative file name`);
  }
  return v;
}
