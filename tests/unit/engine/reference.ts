// Evaluates a test graph from scratch, with no engine code involved: the oracle for the
// property test. Returns each step's outputs, or an error for steps that cannot be computed.
import type { Graph } from '../../../src/engine/graph';
import { evaluate, testRegistry } from './fixtures';

export type Outcome = { ok: true; outputs: Record<string, number> } | { ok: false };

/** `proxy`: evaluate as a proxy run would (see `evaluate`). */
export function evaluateFromScratch(graph: Graph, proxy = false): Map<string, Outcome> {
  const memo = new Map<string, Outcome>();
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const visiting = new Set<string>();
  const visit = (id: string): Outcome => {
    const hit = memo.get(id);
    if (hit) return hit;
    if (visiting.has(id)) return { ok: false };
    visiting.add(id);
    const node = byId.get(id)!;
    const op = testRegistry.get(node.op)!;
    let outcome: Outcome;
    const inputs: Record<string, number | undefined> = {};
    let ok = true;
    for (const port of op.inputs) {
      const edge = graph.edges.find((e) => e.to.node === id && e.to.port === port.name);
      if (!edge) {
        if (!port.optional) ok = false;
        continue;
      }
      const up = visit(edge.from.node);
      if (!up.ok || !(edge.from.port in up.outputs)) {
        ok = false;
        continue;
      }
      inputs[port.name] = up.outputs[edge.from.port];
    }
    if (!ok) outcome = { ok: false };
    else if (node.bypass) {
      const out = op.outputs[0];
      const inp = op.inputs.find((p) => p.type === out?.type);
      outcome = out && inp && inputs[inp.name] !== undefined ? { ok: true, outputs: { [out.name]: inputs[inp.name]! } } : { ok: false };
    } else {
      try {
        outcome = { ok: true, outputs: evaluate(node.op, node.params as Record<string, unknown>, inputs, proxy) };
      } catch {
        outcome = { ok: false };
      }
    }
    visiting.delete(id);
    memo.set(id, outcome);
    return outcome;
  };
  for (const n of graph.nodes) visit(n.id);
  return memo;
}
