// The options of a parameter chosen from the graph rather than typed (`StringParam.choices`): a
// Timer's step (any step with a number parameter, but live sources) and parameter (the number
// parameters of the step chosen), from the operations' declarations.

import type { Graph, StringParam } from '../engine';
import type { OpRegistry } from '../engine/op';

export interface Choice {
  readonly value: string;
  readonly label: string;
}

export function paramChoices(graph: Graph, registry: OpRegistry, node: string, spec: StringParam): Choice[] {
  const c = spec.choices;
  if (!c) return [];
  const self = graph.nodes.find((n) => n.id === node);
  if (c.kind === 'step') {
    return graph.nodes
      .filter((n) => n.id !== node && !registry.get(n.op)?.live && Object.values(registry.get(n.op)?.params ?? {}).some((p) => p.kind === 'number'))
      .map((n) => ({ value: n.id, label: `${n.label ?? registry.get(n.op)?.title ?? n.op} (${n.id})` }));
  }
  const target = graph.nodes.find((n) => n.id === self?.params[c.of]);
  const op = target ? registry.get(target.op) : undefined;
  return Object.entries(op?.params ?? {})
    .filter(([, p]) => p.kind === 'number')
    .map(([name, p]) => ({ value: name, label: p.label }));
}
