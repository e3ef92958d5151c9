// Graph files the e2e tests load: an image step ('img', with `asset`) and a chain of steps after it.

export interface ChainStep {
  readonly id: string;
  readonly op: string;
  readonly params?: Record<string, unknown>;
}

/** img → steps[0] → steps[1] → …, each joined by its image port. Default: one Invert ('inv'). */
export function chainGraph(steps: readonly ChainStep[] = [{ id: 'inv', op: 'invert' }], asset?: string) {
  const ids = ['img', ...steps.map((s) => s.id)];
  return {
    format: 'pipette-graph',
    version: 1,
    graph: {
      nodes: [{ id: 'img', op: 'image-source', params: asset === undefined ? {} : { asset } }, ...steps.map((s) => ({ id: s.id, op: s.op, params: s.params ?? {} }))],
      edges: ids.slice(1).map((id, i) => ({ from: { node: ids[i]!, port: 'image' }, to: { node: id, port: 'image' } })),
    },
  };
}
