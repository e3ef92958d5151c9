// Edits that put a step on a wire: dropped onto an existing wire (it is inserted between the two
// ends), or added at the loose end of a wire let go on empty canvas (it is connected to it).

import { EditError, addStepAfter, connect, disconnect, findNode, type Graph, type GraphEdge, type PortRef, type Position } from './graph';
import type { OpRegistry, PortSpec } from './op';

function port(graph: Graph, registry: OpRegistry, ref: PortRef, side: 'inputs' | 'outputs'): PortSpec | undefined {
  const node = findNode(graph, ref.node);
  return node ? registry.get(node.op)?.[side].find((p) => p.name === ref.port) : undefined;
}

/**
 * Puts step `nodeId` into `edge`: the wire's source feeds the step's first input of its type, and
 * the step's first output of the wire's type feeds the wire's input. Refused (EditError) when the
 * step takes or gives no such type.
 */
export function insertIntoWire(graph: Graph, registry: OpRegistry, nodeId: string, edge: GraphEdge): Graph {
  const node = findNode(graph, nodeId);
  const op = node && registry.get(node.op);
  if (!node || !op) throw new EditError(`There is no step "${nodeId}"`);
  const fromType = port(graph, registry, edge.from, 'outputs')?.type;
  const toType = port(graph, registry, edge.to, 'inputs')?.type;
  const inp = op.inputs.find((p) => p.type === fromType);
  const out = op.outputs.find((p) => p.type === toType);
  if (!inp || !out) throw new EditError(`${node.label ?? op.title} cannot go into this wire: it needs a ${fromType ?? '?'} input and a ${toType ?? '?'} output`);
  let g = disconnect(graph, edge.to);
  g = connect(g, registry, { from: edge.from, to: { node: nodeId, port: inp.name } });
  return connect(g, registry, { from: { node: nodeId, port: out.name }, to: edge.to });
}

/** Whether a step of `opId` can be wired to the loose end of a wire from `end` (an output, or an input dragged backwards). */
export function fitsWireEnd(graph: Graph, registry: OpRegistry, opId: string, end: PortRef, side: 'output' | 'input'): boolean {
  const type = port(graph, registry, end, side === 'output' ? 'outputs' : 'inputs')?.type;
  const op = registry.get(opId);
  return !!type && !!op && (side === 'output' ? op.inputs : op.outputs).some((p) => p.type === type);
}

/**
 * Adds a step of `opId` at `position`, wired to the loose end of a wire: from the output `end`
 * into the new step's first input of that type, or (a wire dragged from the input `end`) from the
 * new step's first output of that type into it.
 */
export function addStepAtWireEnd(
  graph: Graph,
  registry: OpRegistry,
  opId: string,
  end: PortRef,
  side: 'output' | 'input',
  position: Position,
): { graph: Graph; id: string } {
  const type = port(graph, registry, end, side === 'output' ? 'outputs' : 'inputs')?.type;
  const { graph: added, id } = addStepAfter(graph, registry, opId, { after: null, position });
  const op = registry.get(opId)!;
  if (side === 'output') {
    const inp = op.inputs.find((p) => p.type === type);
    if (!inp) throw new EditError(`${op.title} takes no ${type ?? '?'} input`);
    return { graph: connect(added, registry, { from: end, to: { node: id, port: inp.name } }), id };
  }
  const out = op.outputs.find((p) => p.type === type);
  if (!out) throw new EditError(`${op.title} gives no ${type ?? '?'} output`);
  return { graph: connect(added, registry, { from: { node: id, port: out.name }, to: end }), id };
}
