// The batch manifest: written from done jobs, read back with every field checked (a manifest is a
// file a person chose, possibly hostile), and queued again: inputs found by content, whatever their
// names now, or among the inputs still stored.
import { describe, expect, test } from 'vitest';
import { freshFactory } from '../cache/helpers';
import { BatchQueue, type BatchHost } from '../../../src/batch/batch-queue';
import { BatchStore } from '../../../src/batch/store';
import { MANIFEST_FORMAT, ManifestError, manifestOf, parseManifest, pipelineId, type Manifest } from '../../../src/batch/manifest';
import type { BatchJob, BatchPipeline } from '../../../src/batch/model';
import { createImage } from '../../../src/ops/image';
import { hashText128 } from '../../../src/engine/hash';

const graph = JSON.stringify({
  format: 'pipette-graph',
  version: 1,
  graph: {
    nodes: [
      { id: 'img', op: 'image-source', params: { asset: '' } },
      { id: 'inv', op: 'invert', params: {} },
    ],
    edges: [{ from: { node: 'img', port: 'image' }, to: { node: 'inv', port: 'image' } }],
  },
});
const content = { graph, source: 'img', outputs: [{ step: 'inv', folder: '' }], type: 'image/png' as const, quality: 0.9, background: '#ffffff' };
const pipeline: BatchPipeline = { id: pipelineId(content), ...content };
const idOf = (byte: number) => hashText128(String(byte));

function host(): BatchHost & { started: number[] } {
  const started: number[] = [];
  return {
    started,
    async decode(file) {
      const image = createImage(1, 1);
      image.data[0] = new Uint8Array(await file.arrayBuffer())[0]!;
      return { image, hash: `asset-${image.data[0]}` };
    },
    async compute(_p, _asset, image) {
      started.push(image.data[0]!);
      const out = createImage(1, 1);
      out.data[0] = 255 - image.data[0]!;
      return [{ image: out, key: `key-${image.data[0]}` }];
    },
    encode: async (image) => new Blob([new Uint8Array([image.data[0]!])]),
    contentId: async (file) => idOf(new Uint8Array(await file.arrayBuffer())[0]!),
    hash: hashText128,
  };
}

const file = (byte: number, name = `in/${byte}.png`) => ({ name, file: new Blob([new Uint8Array([byte])]) });

function manifest(over: Record<string, unknown> = {}, job: Record<string, unknown> = {}, pipe: Record<string, unknown> = {}): string {
  return JSON.stringify({
    format: MANIFEST_FORMAT,
    version: 2,
    pipelines: [{ ...pipeline, ...pipe }],
    jobs: [{ input: 'in/1.png', inputId: idOf(1), outputs: ['in/1.png'], keys: ['k'], pipeline: pipeline.id, ...job }],
    ...over,
  });
}

describe('batch manifest', () => {
  test('written from done jobs and read back as the same pipeline and jobs', () => {
    const job: BatchJob = { id: 'j', pipeline: pipeline.id, input: idOf(1), name: 'in/1.png', megapixels: 1, state: 'done', rank: 1, priority: 0, attempts: 1, addedAt: 0, keys: ['key-1'], outputs: ['in/1.png'] };
    const other: BatchPipeline = { ...pipeline, id: 'unused' };
    const m = manifestOf([{ job, outputs: ['in/1.png'] }], [pipeline, other]);
    expect(m.pipelines).toEqual([pipeline]);
    const back = parseManifest(JSON.stringify(m));
    expect(back).toEqual(m);
  });

  test('a pipeline is stored under the id of its content, whatever id the file gives it', () => {
    const m = parseManifest(manifest({}, { pipeline: 'made-up' }, { id: 'made-up' }));
    expect(m.pipelines[0]!.id).toBe(pipeline.id);
    expect(m.jobs[0]!.pipeline).toBe(pipeline.id);
  });

  test.each([
    ['not JSON', () => '{', /not JSON/],
    ['another format', () => manifest({ format: 'zip' }), /format/],
    ['version 1 (no pipelines)', () => manifest({ version: 1 }), /version 1/],
    ['a future version', () => manifest({ version: 3 }), /version 3/],
    ['no job list', () => manifest({ jobs: 'x' }), /list of jobs/],
    ['a broken graph', () => manifest({}, {}, { graph: '{"format":"pipette-graph","version":1,"graph":{"nodes":[{"id":"a","op":"no-such-op","params":{}}],"edges":[]}}' }), /graph/],
    ['a source that is not an image step', () => manifest({}, {}, { source: 'inv' }), /source/],
    ['a step that is not there', () => manifest({}, {}, { outputs: [{ step: 'nope', folder: '' }] }), /step to write/],
    ['no step to write', () => manifest({}, {}, { outputs: [] }), /writes no step/],
    ['two steps into one folder', () => manifest({}, {}, { outputs: [{ step: 'inv', folder: 'a' }, { step: 'inv', folder: 'a' }] }), /one folder/],
    ['an output folder that climbs out', () => manifest({}, {}, { outputs: [{ step: 'inv', folder: '..' }] }), /relative file name/],
    ['an unknown format', () => manifest({}, {}, { type: 'image/tiff' }), /format is not one of/],
    ['a quality out of range', () => manifest({}, {}, { quality: 7 }), /quality/],
    ['a bad background', () => manifest({}, {}, { background: 'red;' }), /background/],
    ['a job naming no pipeline', () => manifest({}, { pipeline: 'other' }), /names a pipeline/],
    ['an input id that is not a content id', () => manifest({}, { inputId: '../x' }), /content id/],
    ['a path that climbs out', () => manifest({}, { outputs: ['../../etc/passwd'] }), /relative file name/],
    ['an absolute path', () => manifest({}, { input: '/etc/passwd' }), /relative file name/],
    ['a control character in a name', () => manifest({}, { outputs: ['a\u0007.png'] }), /relative file name/],
    ['too many jobs', () => manifest({ jobs: new Array(100_001).fill(0) }), /more than 100000 jobs/],
  ])('refuses %s with a message saying what is wrong', (_what, text, message) => {
    expect(() => parseManifest(text())).toThrow(ManifestError);
    expect(() => parseManifest(text())).toThrow(message);
  });

  test('queued again: inputs found by content under any name, else still stored; the rest reported missing', async () => {
    const h = host();
    const q = await BatchQueue.open(new BatchStore({ indexedDB: freshFactory() }), h);
    // A first run stores input 3 (and its result).
    await q.enqueue(pipeline, [file(3)]);
    await q.idle();
    const m: Manifest = {
      format: MANIFEST_FORMAT,
      version: 2,
      pipelines: [pipeline],
      jobs: [1, 2, 3, 4].map((b) => ({ input: `in/${b}.png`, inputId: idOf(b), outputs: [`in/${b}.png`], pipeline: pipeline.id })),
    };
    await q.clearFinished();
    // Input 3's bytes are gone with its job; 1 comes renamed, 2 under its name, 4 not at all.
    const r = await q.enqueueManifest(m, [file(1, 'renamed/x.png'), file(2), file(9)]);
    expect(r).toEqual({ added: 2, missing: ['in/3.png', 'in/4.png'] });
    await q.idle();
    expect(q.view.jobs.map((j) => [j.name, j.state, j.pipeline])).toEqual([
      ['in/1.png', 'done', pipeline.id],
      ['in/2.png', 'done', pipeline.id],
    ]);
    // While the inputs are stored (the jobs still queued), the manifest alone is enough, and queues nothing twice.
    const again = await q.enqueueManifest(m, []);
    expect(again).toEqual({ added: 0, missing: ['in/3.png', 'in/4.png'] });
    expect(h.started).toEqual([3, 1, 2]);
    await q.close();
  });
});
