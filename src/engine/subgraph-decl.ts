// What a subgraph definition is, and the operation declaration each one gives its instances.
// Kept apart from subgraph.ts (flattening and edits) because graph.ts needs the declarations to
// check wires into an instance, and subgraph.ts needs graph.ts.

import { PORT_TYPES, type OpDecl, type OpRegistry, type ParamSpec, type PortSpec, type PortType } from './op';
import type { GraphEdge, GraphNode, PortRef } from './graph';

/** An input of a subgraph: one typed port on its instances, feeding inner steps' inputs. */
export interface SubgraphInput {
  readonly name: string;
  readonly label?: string;
  readonly type: PortType;
  /** The inner inputs it feeds (at least one). */
  readonly targets: readonly PortRef[];
}

/** An output of a subgraph: one typed port on its instances, given by an inner step's output. */
export interface SubgraphOutput {
  readonly name: string;
  readonly label?: string;
  readonly type: PortType;
  readonly from: PortRef;
}

/** An inner step's parameter shown on every instance, which holds its own value for it. */
export interface SubgraphParam {
  /** The parameter's name on the instance. */
  readonly name: string;
  readonly label: string;
  readonly node: string;
  readonly param: string;
}

/**
 * A reusable group of steps with a typed interface. Its inner steps are ordinary steps (one may
 * be an instance of another definition: nesting); their ids are local to the definition.
 */
export interface SubgraphDef {
  readonly id: string;
  readonly title: string;
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  readonly inputs: readonly SubgraphInput[];
  readonly outputs: readonly SubgraphOutput[];
  readonly params: readonly SubgraphParam[];
}

/** An instance step's op is this prefix followed by its definition's id. */
export const SUBGRAPH_OP = 'subgraph:';
/**
 * In a flattened graph an instance stays as a bypassed step of this op (+ the port type), wired
 * from its first output's inner step: it keys as that step's result, so the instance's id has a
 * state and a result like any step, and the app needs no second way to look one up.
 */
export const SUBGRAPH_OUTPUT_OP = 'subgraph-output:';

export function isInstanceOp(op: string): boolean {
  return op.startsWith(SUBGRAPH_OP);
}

export function definitionIdOf(op: string): string | null {
  return isInstanceOp(op) ? op.slice(SUBGRAPH_OP.length) : null;
}


const outputDecls = new Map<string, OpDecl>(
  PORT_TYPES.map((type) => [
    SUBGRAPH_OUTPUT_OP + type,
    {
      id: SUBGRAPH_OUTPUT_OP + type,
      version: 1,
      title: 'Subgraph output',
      category: 'utility',
      description: 'What a subgraph instance shows: its first output, passed through.',
      inputs: [{ name: 'in', type }],
      outputs: [{ name: 'out', type }],
      params: {},
    } satisfies OpDecl,
  ]),
);

const cache = new WeakMap<readonly SubgraphDef[], WeakMap<OpRegistry, OpRegistry>>();
const plain = new WeakMap<OpRegistry, OpRegistry>();

/**
 * `base` plus the declarations of the given definitions' instances (`subgraph:<id>`) and of the
 * flattened graph's instance steps (`subgraph-output:<type>`). An instance's declaration: its
 * inputs and outputs are the interface's, its parameters the exposed ones (each the inner
 * parameter's spec with the exposed label, its default the inner step's value). A definition
 * that reaches itself through nested instances has no declaration (its instances are unknown
 * steps). `all()` is the base's: the palette never lists these.
 */
export function withSubgraphs(base: OpRegistry, graph: { readonly definitions?: readonly SubgraphDef[] } | readonly SubgraphDef[]): OpRegistry {
  const defs = Array.isArray(graph) ? (graph as readonly SubgraphDef[]) : (graph as { definitions?: readonly SubgraphDef[] }).definitions;
  if (isWrapped(base)) base = (base as Wrapped).base;
  if (!defs || defs.length === 0) {
    let r = plain.get(base);
    if (!r) plain.set(base, (r = wrap(base, new Map())));
    return r;
  }
  let byBase = cache.get(defs);
  if (!byBase) cache.set(defs, (byBase = new WeakMap()));
  let r = byBase.get(base);
  if (!r) byBase.set(base, (r = wrap(base, new Map(defs.map((d) => [d.id, d])))));
  return r;
}

interface Wrapped extends OpRegistry {
  readonly base: OpRegistry;
}

const WRAPPED = Symbol('subgraphs');
function isWrapped(r: OpRegistry): boolean {
  return (r as unknown as Record<symbol, unknown>)[WRAPPED] === true;
}

function wrap(base: OpRegistry, defs: ReadonlyMap<string, SubgraphDef>): OpRegistry {
  const built = new Map<string, OpDecl | null>();
  const building = new Set<string>();
  const reg: Wrapped & Record<symbol, unknown> = {
    base,
    [WRAPPED]: true,
    all: () => base.all(),
    get(id: string): OpDecl | undefined {
      const own = base.get(id);
      if (own) return own;
      const out = outputDecls.get(id);
      if (out) return out;
      const defId = definitionIdOf(id);
      if (defId === null) return undefined;
      if (built.has(defId)) return built.get(defId) ?? undefined;
      const def = defs.get(defId);
      if (!def || building.has(defId)) return undefined; // unknown, or reaches itself
      building.add(defId);
      try {
        const decl = instanceDecl(def, reg);
        built.set(defId, decl);
        return decl ?? undefined;
      } finally {
        building.delete(defId);
      }
    },
  };
  return reg;
}

function instanceDecl(def: SubgraphDef, registry: OpRegistry): OpDecl | null {
  const inner = new Map(def.nodes.map((n) => [n.id, n]));
  const params: Record<string, ParamSpec> = {};
  for (const p of def.params) {
    const node = inner.get(p.node);
    const op = node && registry.get(node.op);
    const spec = op?.params[p.param];
    if (!node || !spec) return null;
    const value = node.params[p.param];
    params[p.name] = { ...spec, label: p.label, ...(value !== undefined ? { default: value } : {}) } as ParamSpec;
  }
  const port = (x: SubgraphInput | SubgraphOutput): PortSpec => ({ name: x.name, type: x.type, ...(x.label ? { label: x.label } : {}) });
  return {
    id: SUBGRAPH_OP + def.id,
    version: 1,
    title: def.title,
    category: 'utility',
    description: `A subgraph of ${def.nodes.length} step${def.nodes.length === 1 ? '' : 's'}`,
    inputs: def.inputs.map(port),
    outputs: def.outputs.map(port),
    params,
  };
}
