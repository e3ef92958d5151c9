// Merkle content keys. A step's key is a hash of its operation id and version, its canonical
// parameters and the keys of its inputs; a source's parameters carry the hash of its pixels, so
// every key is a pure function of the graph. Equal keys mean equal results, which is what lets the
// cache serve results across edits, undo and reloads, and what makes stale results impossible to
// show: a result is displayed only under the key the step has now.

import type { Graph, GraphIndex, PortRef } from './graph';
import { bypassPort, indexGraph, nodeIssues, stepTitle, topoOrder } from './graph';
import type { OpDecl, OpRegistry, Params } from './op';
import { canonicalParams, resolveParams } from './params';
import { hashText128 } from './hash';

/** Bump if the key recipe itself changes: every persisted key becomes unreachable (and is evicted). */
export const KEY_SCHEME = 1;

export interface KeyedInput {
  readonly port: string;
  readonly from: PortRef;
  /** The key of the value arriving at this input. */
  readonly key: string;
}

export interface KeyedStep {
  readonly ok: true;
  readonly id: string;
  readonly op: OpDecl;
  /** Resolved (defaults filled, clamped) parameters. */
  readonly params: Params;
  readonly key: string;
  readonly inputs: readonly KeyedInput[];
  /** Key of each output port's value. */
  readonly outputs: ReadonlyMap<string, string>;
  /** Set when the step is bypassed: its input passes to its output and nothing runs. */
  readonly passThrough: { readonly input: string; readonly output: string } | null;
}

export interface UnkeyedStep {
  readonly ok: false;
  readonly id: string;
  /** Why this step cannot run. */
  readonly message: string;
  /** When the problem is upstream: the step that has it. */
  readonly blockedBy?: string;
}

export type StepKey = KeyedStep | UnkeyedStep;

export interface GraphKeys {
  readonly steps: ReadonlyMap<string, StepKey>;
  /** The proxy level these keys are for (most pixels of a proxy source), or 0 for full resolution. */
  readonly proxy: number;
  /** Keyed steps in dependency order. */
  readonly order: readonly string[];
  readonly index: GraphIndex;
}

export function outputKey(stepKey: string, port: string): string {
  return `${stepKey}.${port}`;
}

/**
 * A step's content key. `proxy` (most pixels of a proxy source; 0 for full resolution) is part of
 * the recipe, so a proxy result and a full one never share a key: a proxy can never be served as,
 * or mistaken for, the full-resolution result. Full-resolution keys are the same as before proxies
 * existed, so persisted caches stay valid.
 */
export function stepKey(op: OpDecl, params: Params, inputKeys: readonly string[], proxy = 0): string {
  const level = proxy > 0 ? `\u0000proxy=${proxy}` : '';
  const text = `pipette/${KEY_SCHEME}\u0000${op.id}\u0000${op.version}\u0000${canonicalParams(params)}\u0000${inputKeys.join('\u0000')}${level}`;
  return hashText128(text);
}

export interface KeyOptions {
  /** Key for a proxy run whose sources are reduced to at most this many pixels (0: full resolution). */
  readonly proxy?: number;
  readonly index?: GraphIndex;
}

/** Keys every step of a graph, in dependency order. Steps that cannot run say why. */
export function keyGraph(graph: Graph, registry: OpRegistry, opts: KeyOptions = {}): GraphKeys {
  const index = opts.index ?? indexGraph(graph);
  const proxy = opts.proxy !== undefined && opts.proxy > 0 ? Math.floor(opts.proxy) : 0;
  const steps = new Map<string, StepKey>();
  const { order, cyclic } = topoOrder(graph, index);
  for (const id of cyclic) steps.set(id, { ok: false, id, message: 'This step is part of a cycle' });

  for (const id of order) {
    const node = index.nodes.get(id)!;
    const own = nodeIssues(node, registry, index);
    if (own.length > 0) {
      steps.set(id, { ok: false, id, message: own[0]!.message });
      continue;
    }
    const op = registry.get(node.op)!;
    const wired = index.inputs.get(id)!;
    const inputs: KeyedInput[] = [];
    let blocked: UnkeyedStep | null = null;
    for (const port of op.inputs) {
      const from = wired.get(port.name);
      if (!from) continue;
      const up = steps.get(from.node);
      if (!up || !up.ok) {
        blocked = { ok: false, id, message: `Waiting on "${stepTitle(index.nodes.get(from.node), registry, from.node)}", which cannot run`, blockedBy: up?.ok === false ? (up.blockedBy ?? up.id) : from.node };
        break;
      }
      const key = up.outputs.get(from.port);
      if (key === undefined) {
        blocked = { ok: false, id, message: `"${stepTitle(index.nodes.get(from.node), registry, from.node)}" gives no output "${from.port}" while bypassed`, blockedBy: from.node };
        break;
      }
      inputs.push({ port: port.name, from, key });
    }
    if (blocked) {
      steps.set(id, blocked);
      continue;
    }
    const params = resolveParams(op, node.params);
    const outputs = new Map<string, string>();
    const through = node.bypass ? bypassPort(op) : null;
    let key: string;
    if (through) {
      const passed = inputs.find((i) => i.port === through.input);
      if (!passed) {
        steps.set(id, { ok: false, id, message: `Connect an input to "${through.input}" to bypass this step` });
        continue;
      }
      key = passed.key;
      outputs.set(through.output, passed.key);
    } else {
      // Optional inputs that are not wired still occupy their slot, so adding one changes the key.
      const inputKeys = op.inputs.map((p) => inputs.find((i) => i.port === p.name)?.key ?? '-');
      key = stepKey(op, params, inputKeys, proxy);
      for (const out of op.outputs) outputs.set(out.name, outputKey(key, out.name));
    }
    steps.set(id, { ok: true, id, op, params, key, inputs, outputs, passThrough: through });
  }
  return { steps, order: order.filter((id) => steps.get(id)?.ok), index, proxy };
}
