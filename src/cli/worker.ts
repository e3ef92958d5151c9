// A worker thread of the runner: told the pipeline once, then given images one at a time; answers
// each with what it wrote or why it could not.

import { parentPort } from 'node:worker_threads';
import { parseGraphDocument } from '../engine/document';
import { flatten } from '../engine/subgraph';
import { ops } from '../ops/kernels';
import { registry } from '../ops/registry';
import { DiskStore } from './disk-store';
import { errorText, processImage, type ImageJob, type ImageResult, type Pipeline } from './process-image';

export interface WorkerInit {
  readonly type: 'init';
  readonly graphText: string;
  readonly pipeline: Omit<Pipeline, 'graph'>;
  readonly cache: string | null;
}

export interface WorkerJob extends ImageJob {
  readonly type: 'job';
  readonly id: number;
}

export type WorkerReply =
  | { readonly type: 'done'; readonly id: number; readonly result: ImageResult }
  | { readonly type: 'failed'; readonly id: number; readonly error: string };

const port = parentPort;
if (!port) throw new Error('worker.ts runs as a worker thread of the Pipette runner');

const kernels = new Map(ops.map((o) => [o.id, o]));
let pipeline: Pipeline | null = null;
let store: DiskStore | undefined;

port.on('message', (msg: WorkerInit | WorkerJob) => {
  if (msg.type === 'init') {
    pipeline = { ...msg.pipeline, graph: flatten(parseGraphDocument(msg.graphText, registry).graph, registry).graph };
    store = msg.cache ? new DiskStore(msg.cache) : undefined;
    return;
  }
  void (async () => {
    let reply: WorkerReply;
    try {
      const result = await processImage(pipeline!, registry, kernels, msg, store ? { store } : {});
      await store?.flush();
      reply = { type: 'done', id: msg.id, result };
    } catch (e) {
      reply = { type: 'failed', id: msg.id, error: errorText(e) };
    }
    port.postMessage(reply);
  })();
});
