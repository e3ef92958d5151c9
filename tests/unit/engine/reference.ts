// Evaluates a test graph from scratch, with no engine code involved: the oracle for the
// property test. Returns each step's outputs, or an error for steps that cannot be computed.
// Switch and repeat are evaluated here by their definitions: a switch passes the input its
// condition picks (a proxy evaluation reads the condition at full resolution); a repeat applies
// the steps between its Image and Body inputs again to each result, N times or until the change
// is below ε, failing past its limit. `switchReach` says which steps a switch leaves out.
import type { Graph, GraphEdge } from '../../../src/engine/graph';
import type { OpDecl } from '../../../src/engine/op';
import { evaluate, testRegistry } from './fixtures';

export type Outcome = { ok: true; outputs: Record<string, number> } | { ok: false };

const FAIL: Outcome = { ok: false };

function paramsOf(op: OpDecl, given: Record<string, unknown>): Record<string, unknown> {
  const p: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(op.params)) p[k] = given[k] ?? spec.default;
  return p;
}

function edgeInto(graph: Graph, node: string, port: string): GraphEdge | undefined {
  return graph.edges.find((e) => e.to.node === node && e.to.port === port);
}

function pick(p: Record<string, unknown>, value: number): 'a' | 'b' {
  const t = p.threshold as number;
  return (p.compare === 'lt' ? value < t : value > t) ? 'a' : 'b';
}

function upstream(graph: Graph, from: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const stack = [...from];
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const e of graph.edges) if (e.to.node === id) stack.push(e.from.node);
  }
  return seen;
}

function downstream(graph: Graph, from: string): Set<string> {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const id = stack.pop()!;
    for (const e of graph.edges) {
      if (e.from.node === id && !seen.has(e.to.node)) {
        seen.add(e.to.node);
        stack.push(e.to.node);
      }
    }
  }
  return seen;
}

/** `proxy`: evaluate as a proxy run would (see `evaluate`). */
export function evaluateFromScratch(graph: Graph, proxy = false): Map<string, Outcome> {
  const full = proxy ? evaluateFromScratch(graph, false) : null;
  const memo = new Map<string, Outcome>();
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const visiting = new Set<string>();
  const valueAt = (outcome: Outcome | undefined, port: string): number | undefined => (outcome?.ok && port in outcome.outputs ? outcome.outputs[port] : undefined);

  const plain = (id: string): Outcome => {
    const node = byId.get(id)!;
    const op = testRegistry.get(node.op)!;
    const inputs: Record<string, number | undefined> = {};
    for (const port of op.inputs) {
      const edge = edgeInto(graph, id, port.name);
      if (!edge) {
        if (!port.optional) return FAIL;
        continue;
      }
      const v = valueAt(visit(edge.from.node), edge.from.port);
      if (v === undefined) return FAIL;
      inputs[port.name] = v;
    }
    if (node.bypass) {
      const out = op.outputs[0];
      const inp = op.inputs.find((p) => p.type === out?.type);
      return out && inp && inputs[inp.name] !== undefined ? { ok: true, outputs: { [out.name]: inputs[inp.name]! } } : FAIL;
    }
    try {
      return { ok: true, outputs: evaluate(node.op, paramsOf(op, node.params), inputs, proxy) };
    } catch {
      return FAIL;
    }
  };

  const switchOutcome = (id: string): Outcome => {
    const node = byId.get(id)!;
    const p = paramsOf(testRegistry.get('switch')!, node.params);
    const a = edgeInto(graph, id, 'a');
    const b = edgeInto(graph, id, 'b');
    if (!a || !b) return FAIL;
    const cond = edgeInto(graph, id, 'condition');
    let value = p.value as number;
    if (cond) {
      const v = valueAt(full ? full.get(cond.from.node) : visit(cond.from.node), cond.from.port);
      // a proxy switch also needs its condition step to compute at proxy resolution
      if (v === undefined || valueAt(visit(cond.from.node), cond.from.port) === undefined) return FAIL;
      value = v;
    }
    const chosen = pick(p, value) === 'a' ? a : b;
    const v = valueAt(visit(chosen.from.node), chosen.from.port);
    return v === undefined ? FAIL : { ok: true, outputs: { out: v } };
  };

  const repeatOutcome = (id: string): Outcome => {
    const node = byId.get(id)!;
    const p = paramsOf(testRegistry.get('repeat')!, node.params);
    const start = edgeInto(graph, id, 'image');
    const body = edgeInto(graph, id, 'body');
    if (!start || !body) return FAIL;
    if (p.mode === 'count' && (p.count as number) > (p.maxIterations as number)) return FAIL;
    if (body.from.node === start.from.node) return FAIL;
    const after = downstream(graph, start.from.node);
    if (!after.has(body.from.node)) return FAIL;
    const zone = [...upstream(graph, [body.from.node])].filter((n) => after.has(n));
    if (zone.some((n) => ['switch', 'repeat'].includes(byId.get(n)!.op))) return FAIL;
    const x0 = valueAt(visit(start.from.node), start.from.port);
    const x1 = valueAt(visit(body.from.node), body.from.port);
    if (x0 === undefined || x1 === undefined) return FAIL;
    // zone in dependency order
    const order: string[] = [];
    const placed = new Set<string>();
    const place = (n: string) => {
      if (placed.has(n)) return;
      placed.add(n);
      for (const e of graph.edges) if (e.to.node === n && zone.includes(e.from.node)) place(e.from.node);
      order.push(n);
    };
    zone.forEach(place);
    const iterate = (carried: number): number | undefined => {
      const vals = new Map<string, Record<string, number>>();
      for (const n of order) {
        const zn = byId.get(n)!;
        const op = testRegistry.get(zn.op)!;
        const inputs: Record<string, number | undefined> = {};
        for (const port of op.inputs) {
          const e = edgeInto(graph, n, port.name);
          if (!e) continue;
          if (e.from.node === start.from.node && e.from.port === start.from.port) inputs[port.name] = carried;
          else if (zone.includes(e.from.node)) inputs[port.name] = vals.get(e.from.node)![e.from.port];
          else inputs[port.name] = valueAt(visit(e.from.node), e.from.port);
        }
        if (zn.bypass) {
          const out = op.outputs[0]!;
          const inp = op.inputs.find((q) => q.type === out.type)!;
          vals.set(n, { [out.name]: inputs[inp.name]! });
          continue;
        }
        try {
          vals.set(n, evaluate(zn.op, paramsOf(op, zn.params), inputs, proxy));
        } catch {
          return undefined;
        }
      }
      return vals.get(body.from.node)![body.from.port];
    };
    let prev = x0;
    let cur = x1;
    let n = 1;
    for (;;) {
      if (p.mode === 'count') {
        if (n >= (p.count as number)) break;
      } else {
        if (Math.abs(prev - cur) < (p.epsilon as number)) break;
        if (n >= (p.maxIterations as number)) return FAIL;
      }
      const next = iterate(cur);
      if (next === undefined) return FAIL;
      prev = cur;
      cur = next;
      n++;
    }
    return { ok: true, outputs: { image: cur } };
  };

  const visit = (id: string): Outcome => {
    const hit = memo.get(id);
    if (hit) return hit;
    if (visiting.has(id)) return FAIL;
    visiting.add(id);
    const node = byId.get(id)!;
    const outcome = node.op === 'switch' && !node.bypass ? switchOutcome(id) : node.op === 'repeat' && !node.bypass ? repeatOutcome(id) : plain(id);
    visiting.delete(id);
    memo.set(id, outcome);
    return outcome;
  };
  for (const n of graph.nodes) visit(n.id);
  return memo;
}

/**
 * Which steps switches leave out, from the graph's ends: `skipped` only feed an input a switch did
 * not pick; `waiting` only feed a needed switch whose condition cannot be computed (they are blocked).
 */
export function switchReach(graph: Graph, truth: ReadonlyMap<string, Outcome>): { skipped: Set<string>; waiting: Set<string> } {
  const decisions = new Map<string, 'a' | 'b' | null>();
  for (const n of graph.nodes) {
    if (n.op !== 'switch' || n.bypass || !edgeInto(graph, n.id, 'a') || !edgeInto(graph, n.id, 'b')) continue;
    const p = paramsOf(testRegistry.get('switch')!, n.params);
    const cond = edgeInto(graph, n.id, 'condition');
    if (!cond) decisions.set(n.id, pick(p, p.value as number));
    else {
      const o = truth.get(cond.from.node);
      decisions.set(n.id, o?.ok && cond.from.port in o.outputs ? pick(p, o.outputs[cond.from.port]!) : null);
    }
  }
  const live = new Set<string>();
  const stack = graph.nodes.filter((n) => !graph.edges.some((e) => e.from.node === n.id)).map((n) => n.id);
  while (stack.length) {
    const id = stack.pop()!;
    if (live.has(id)) continue;
    live.add(id);
    const d = decisions.get(id);
    for (const e of graph.edges) {
      if (e.to.node !== id) continue;
      if (d === undefined || e.to.port === 'condition' || e.to.port === d) stack.push(e.from.node);
    }
  }
  const waiting = new Set<string>();
  const skipped = new Set<string>();
  for (const [sw, d] of decisions) {
    if (d !== null || !live.has(sw)) continue;
    const from = ['a', 'b'].map((p) => edgeInto(graph, sw, p)!.from.node);
    for (const n of upstream(graph, from)) if (!live.has(n)) waiting.add(n);
  }
  for (const [sw, d] of decisions) {
    if (d === null) continue;
    for (const n of upstream(graph, [edgeInto(graph, sw, d === 'a' ? 'b' : 'a')!.from.node])) if (!live.has(n) && !waiting.has(n)) skipped.add(n);
  }
  return { skipped, waiting };
}
