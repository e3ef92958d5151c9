// What each input of a step can be connected to, for connecting ports without a mouse (the
// Connections list under the parameters). No Svelte here.

import { connectionProblem, type Graph, type GraphEdge, type OpRegistry, type PortSpec } from '../engine';

export interface SourceChoice {
  /** The output feeding the input, as `node` and `port`. */
  readonly from: GraphEdge['from'];
  /** "Levels · image" */
  readonly label: string;
}

export interface InputChoices {
  readonly input: PortSpec;
  /** The output connected to it now, if any. */
  readonly current: GraphEdge['from'] | null;
  /** Every output that may feed it (right type, no cycle), the current one included. */
  readonly sources: readonly SourceChoice[];
}

/** For each input of step `nodeId`, what feeds it and what could. */
export function inputChoices(graph: Graph, registry: OpRegistry, nodeId: string): InputChoices[] {
  const node = graph.nodes.find((n) => n.id === nodeId);
  const op = node && registry.get(node.op);
  if (!node || !op) return [];
  return op.inputs.map((input) => {
    const current = graph.edges.find((e) => e.to.node === nodeId && e.to.port === input.name)?.from ?? null;
    const sources: SourceChoice[] = [];
    for (const other of graph.nodes) {
      if (other.id === nodeId) continue;
      const otherOp = registry.get(other.op);
      for (const out of otherOp?.outputs ?? []) {
        if (out.type !== input.type) continue;
        const from = { node: other.id, port: out.name };
        const isCurrent = current?.node === from.node && current.port === from.port;
        if (!isCurrent && connectionProblem(graph, registry, { from, to: { node: nodeId, port: input.name } })) continue;
        const title = other.label ?? otherOp!.title;
        sources.push({ from, label: otherOp!.outputs.length > 1 ? `${title} · ${out.label ?? out.name}` : title });
      }
    }
    return { input, current, sources };
  });
}
