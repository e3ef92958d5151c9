// The batch queue's host in the app: jobs decode, run and encode on the editor's own worker pool and
// scheduler (sharing its result cache), in the lowest priority class, so anything a person does in
// the editor goes first. Not Svelte.

import type { BatchHost } from '../batch/batch-queue';
import type { BatchPipeline } from '../batch/model';
import { parseGraphDocument } from '../engine/document';
import { flatten } from '../engine/subgraph';
import { ancestorsOf, indexGraph, setParam, type Graph } from '../engine/graph';
import { hashText128 } from '../engine/hash';
import { PRIORITY } from '../engine/types';
import { MAX_PIXELS } from '../ops/image';
import { registry } from '../ops/registry';
import type { Image } from '../ops/types';
import { bytesOf, readHeader } from '../workers/image-header';
import { firstImage, type EncodeType } from '../workers/protocol';
import type { Runtime } from './runtime';

export function batchHost(runtime: Runtime): BatchHost {
  const graphs = new Map<string, Graph>();
  const graphOf = (p: BatchPipeline): Graph => {
    let g = graphs.get(p.id);
    if (!g) graphs.set(p.id, (g = flatten(parseGraphDocument(p.graph, registry).graph, registry).graph));
    return g;
  };
  return {
    decode: (file, signal) => runtime.pool.decode(file, MAX_PIXELS, { signal, priority: PRIORITY.batch }),

    async compute(p, asset, image, signal, progress) {
      const inEditor = runtime.assets.has(asset);
      runtime.assets.add(asset, image);
      const unpin = runtime.assets.pin(asset);
      try {
        const graph = setParam(graphOf(p), registry, p.source, 'asset', asset);
        const targets = p.outputs.map((o) => o.step);
        const steps = ancestorsOf(indexGraph(graph), targets).size;
        const finished = new Set<string>();
        let current = 0;
        const outputs = new Map<string, { image: Image; key: string }>();
        let problem: string | undefined;
        const run = runtime.scheduler.run(graph, {
          targets,
          priority: 'batch',
          signal,
          onEvent: (e) => {
            if (e.type === 'progress') current = e.progress;
            else if (e.type === 'step') {
              if (e.state === 'done' || e.state === 'cached') {
                finished.add(e.node);
                current = 0;
                const img = targets.includes(e.node) ? firstImage(e.outputs) : undefined;
                if (img && e.key) outputs.set(e.node, { image: img, key: e.key });
              } else if ((e.state === 'failed' || e.state === 'timedout' || (e.state === 'skipped' && targets.includes(e.node))) && !problem) {
                // A step to write that a Switch left out for this image says so, rather than "gave no image".
                const node = graph.nodes.find((n) => n.id === e.node);
                problem = `${node?.label || registry.get(node?.op ?? '')?.title || e.node}: ${e.message ?? e.state}`;
              }
            }
            if (e.type !== 'run') progress(Math.min(1, (finished.size + current) / Math.max(1, steps)));
          },
        });
        const summary = await run.done;
        signal.throwIfAborted();
        const missing = targets.find((t) => !outputs.has(t));
        if (missing === undefined) return targets.map((t) => outputs.get(t)!);
        throw new Error(problem ?? `A step to write gave no image (${summary.states.get(missing) ?? 'not run'})`);
      } finally {
        unpin();
        // The pixels stay only where the editor's own graph uses them: a batch must not hold every input.
        if (!inEditor) runtime.assets.delete(asset);
      }
    },

    encode: (image, p, signal) => runtime.pool.encode(image, p.type as EncodeType, p.quality, { signal, background: p.background, priority: PRIORITY.batch }),

    async contentId(file) {
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
      return [...digest.subarray(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('');
    },

    size: (file) => readHeader(bytesOf(file)),

    hash: hashText128,
  };
}
