// Subgraphs: groups of steps behind a typed interface, kept once in the graph (`definitions`) and
// used by instance steps (op `subgraph:<id>`). Nothing below the editor knows about them: before
// keying and scheduling, `flatten` expands every instance into ordinary steps with namespaced ids
// (`instance/inner`), so keys stay content hashes of (op, params, input keys) and two identical
// instances on the same input have the same keys: they share cache entries and jobs.
// The edits here are pure functions like those of graph.ts.

import {
  EditError,
  addNode,
  findNode,
  freshNodeId,
  indexGraph,
  moveNode,
  setParam,
  toggleBypass,
  topoOrder,
  type Graph,
  type GraphEdge,
  type GraphNode,
  type PortRef,
  type Position,
} from './graph';
import type { OpRegistry, ParamValue, Params } from './op';
import { resolveParams } from './params';
import { labelText } from './document';
import {
  SUBGRAPH_OP,
  SUBGRAPH_OUTPUT_OP,
  definitionIdOf,
  withSubgraphs,
  type SubgraphDef,
  type SubgraphInput,
  type SubgraphOutput,
  type SubgraphParam,
} from './subgraph-decl';

export * from './subgraph-decl';

/** Separates an instance's id from its inner steps' ids in a flattened graph. */
export const PATH_SEP = '/';
/** The most steps a flattened graph may have: nested instances multiply, and a file must not make millions. */
export const FLAT_LIMIT = 20000;

export class SubgraphError extends EditError {
  constructor(message: string) {
    super(message);
    this.name = 'SubgraphError';
  }
}

export function findDefinition(graph: Graph, id: string): SubgraphDef | undefined {
  return graph.definitions?.find((d) => d.id === id);
}

/** The definition an instance step uses, or undefined for any other step. */
export function definitionOf(graph: Graph, node: GraphNode | undefined): SubgraphDef | undefined {
  const id = node ? definitionIdOf(node.op) : null;
  return id === null ? undefined : findDefinition(graph, id);
}

export interface Flattened {
  /** Ordinary steps only (and one `subgraph-output:` step per instance); no definitions. */
  readonly graph: Graph;
  /**
   * Every step as it runs, by flattened id, inner steps with the values their instances give
   * their exposed parameters, and every instance (top level or nested) as its step.
   */
  readonly steps: ReadonlyMap<string, GraphNode>;
  /** The instances, by flattened id: their definitions. */
  readonly instances: ReadonlyMap<string, SubgraphDef>;
}

const flatCache = new WeakMap<Graph, Flattened>();

/**
 * Expands every instance (nested ones too) into ordinary steps: an instance `s` of a definition
 * with inner step `b` gives step `s/b`, with the instance's values for its exposed parameters; a
 * wire into the instance's input goes to every inner input it feeds, a wire from its output comes
 * from the inner step that gives it. The instance itself stays as a bypassed `subgraph-output:`
 * step fed by its first output, so it shows that result. A bypassed instance passes its first
 * input of its first output's type through, like any bypassed step. Throws SubgraphError for a
 * definition that contains itself, a missing definition, or more than FLAT_LIMIT steps.
 * A graph without instances comes back as it is.
 */
export function flatten(graph: Graph, registry: OpRegistry): Flattened {
  const cached = flatCache.get(graph);
  if (cached) return cached;
  const defs = new Map((graph.definitions ?? []).map((d) => [d.id, d]));
  const reg = withSubgraphs(registry, graph);
  const steps = new Map<string, GraphNode>();
  const instances = new Map<string, SubgraphDef>();
  let result: Flattened;
  if (!graph.nodes.some((n) => definitionIdOf(n.op) !== null)) {
    for (const n of graph.nodes) steps.set(n.id, n);
    result = { graph: graph.definitions ? { nodes: graph.nodes, edges: graph.edges } : graph, steps, instances };
  } else {
    const nodes: GraphNode[] = [];
    const edges: GraphEdge[] = [];
    expand(graph.nodes, graph.edges, '', [], defs, reg, nodes, edges, steps, instances);
    result = { graph: { nodes, edges }, steps, instances };
  }
  flatCache.set(graph, result);
  return result;
}

/**
 * Appends the flattened steps and wires of one level (the graph's, or a definition's inner steps
 * under `prefix`) to `nodes`/`edges`. Returns how the level's instance ports resolve to flat ones.
 */
function expand(
  levelNodes: readonly GraphNode[],
  levelEdges: readonly GraphEdge[],
  prefix: string,
  stack: readonly string[],
  defs: ReadonlyMap<string, SubgraphDef>,
  registry: OpRegistry,
  nodes: GraphNode[],
  edges: GraphEdge[],
  steps: Map<string, GraphNode>,
  instances: Map<string, SubgraphDef>,
): Resolver {
  // Per instance at this level (by local id): its input ports' flat targets and output ports' flat sources.
  const ins = new Map<string, Map<string, PortRef[]>>();
  const outs = new Map<string, Map<string, PortRef>>();
  const bypassed = new Map<string, { input: string; output: string }>();
  const byId = new Map(levelNodes.map((n) => [n.id, n]));
  for (const n of levelNodes) {
    const id = prefix + n.id;
    steps.set(id, n.id === id ? n : { ...n, id });
    if (nodes.length > FLAT_LIMIT) throw new SubgraphError(`The subgraphs expand to more than ${FLAT_LIMIT} steps`);
    const defId = definitionIdOf(n.op);
    if (defId === null) {
      nodes.push(n.id === id ? n : { ...n, id });
      continue;
    }
    const def = defs.get(defId);
    if (!def) throw new SubgraphError(`Step "${n.label ?? n.id}" uses a subgraph that is not in the graph ("${defId}")`);
    if (stack.includes(defId)) throw new SubgraphError(`Subgraph "${def.title}" contains itself (${[...stack, defId].map((d) => defs.get(d)?.title ?? d).join(' › ')})`);
    instances.set(id, def);
    const first = def.outputs[0];
    if (n.bypass) {
      const through = first && def.inputs.find((i) => i.type === first.type);
      if (through) bypassed.set(n.id, { input: through.name, output: first.name });
      if (first) nodes.push({ id, op: SUBGRAPH_OUTPUT_OP + first.type, params: {}, bypass: true });
      continue;
    }
    // The instance's values for its exposed parameters go into the inner steps they belong to.
    const values = resolvedInstanceParams(n, registry);
    const overrides = new Map<string, Record<string, ParamValue>>();
    for (const p of def.params) {
      const v = values[p.name];
      if (v === undefined) continue;
      overrides.set(p.node, { ...overrides.get(p.node), [p.param]: v });
    }
    const inner = def.nodes.map((c) => (overrides.has(c.id) ? { ...c, params: { ...c.params, ...overrides.get(c.id) } } : c));
    const innerPrefix = id + PATH_SEP;
    const sub = expand(inner, def.edges, innerPrefix, [...stack, defId], defs, registry, nodes, edges, steps, instances);
    const portIns = new Map<string, PortRef[]>();
    for (const i of def.inputs) portIns.set(i.name, i.targets.flatMap((t) => sub.resolveIn(t)));
    const portOuts = new Map<string, PortRef>();
    for (const o of def.outputs) {
      const src = sub.resolveOut(o.from);
      if (src) portOuts.set(o.name, src);
    }
    ins.set(n.id, portIns);
    outs.set(n.id, portOuts);
    if (first) {
      nodes.push({ id, op: SUBGRAPH_OUTPUT_OP + first.type, params: {}, bypass: true });
      const src = portOuts.get(first.name);
      if (src) edges.push({ from: src, to: { node: id, port: 'in' } });
    }
  }
  const level = levelResolver(byId, levelEdges, prefix, ins, outs, bypassed);
  for (const [local, b] of bypassed) {
    const src = level.resolveOut({ node: local, port: b.output });
    if (src) edges.push({ from: src, to: { node: prefix + local, port: 'in' } });
  }
  for (const e of levelEdges) {
    const from = level.resolveOut(e.from);
    if (!from) continue;
    for (const to of level.resolveIn(e.to)) edges.push({ from, to });
  }
  return level;
}

interface Resolver {
  /** The flat inputs a wire into this level's port reaches. */
  resolveIn(ref: PortRef): PortRef[];
  /** The flat output a wire from this level's port comes from, if any. */
  resolveOut(ref: PortRef): PortRef | undefined;
}

function levelResolver(
  byId: ReadonlyMap<string, GraphNode>,
  levelEdges: readonly GraphEdge[],
  prefix: string,
  ins: Map<string, Map<string, PortRef[]>>,
  outs: Map<string, Map<string, PortRef>>,
  bypassed: Map<string, { input: string; output: string }>,
): Resolver {
  const into = new Map(levelEdges.map((e) => [`${e.to.node}\u0000${e.to.port}`, e.from]));
  const resolveIn = (ref: PortRef): PortRef[] => {
    if (ins.has(ref.node)) return ins.get(ref.node)!.get(ref.port) ?? [];
    if (bypassed.has(ref.node) || !byId.has(ref.node)) return [];
    return [{ node: prefix + ref.node, port: ref.port }];
  };
  const resolveOut = (ref: PortRef, depth = 0): PortRef | undefined => {
    if (depth > byId.size) return undefined;
    const b = bypassed.get(ref.node);
    if (b) {
      if (ref.port !== b.output) return undefined;
      const src = into.get(`${ref.node}\u0000${b.input}`);
      return src ? resolveOut(src, depth + 1) : undefined;
    }
    if (outs.has(ref.node)) return outs.get(ref.node)!.get(ref.port);
    if (!byId.has(ref.node)) return undefined;
    return { node: prefix + ref.node, port: ref.port };
  };
  return { resolveIn, resolveOut };
}

/** An instance's parameters with every exposed one filled (from the inner step's value when unset). */
function resolvedInstanceParams(node: GraphNode, registry: OpRegistry): Params {
  const op = registry.get(node.op);
  if (!op) return node.params;
  try {
    return resolveParams(op, node.params);
  } catch {
    return node.params;
  }
}

// ---------------------------------------------------------------------------------------------
// Looking inside

/** Splits a flattened id into the instance path and the inner step: `a/b/c` → [`a`, `a/b`], `a/b/c`. */
export function instancePath(flatId: string): string[] {
  const parts = flatId.split(PATH_SEP);
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join(PATH_SEP));
}

/**
 * What the canvas shows drilled into an instance (`path`, its flattened id): the definition's
 * steps and wires with flattened ids (so each shows its own state and preview) and the values
 * they run with. Undefined when `path` is not an instance.
 */
export function insideView(graph: Graph, registry: OpRegistry, path: string): Graph | undefined {
  const flat = flatten(graph, registry);
  const def = flat.instances.get(path);
  if (!def) return undefined;
  const p = path + PATH_SEP;
  return {
    nodes: def.nodes.map((n) => {
      const ran = flat.steps.get(p + n.id);
      return { ...n, id: p + n.id, params: ran?.params ?? n.params };
    }),
    edges: def.edges.map((e) => ({ from: { node: p + e.from.node, port: e.from.port }, to: { node: p + e.to.node, port: e.to.port } })),
    ...(graph.definitions ? { definitions: graph.definitions } : {}),
  };
}

/**
 * Where a flattened id lives for editing: the chain of (definition, local id) from the top. An
 * empty chain for a top-level step.
 */
function locate(graph: Graph, flatId: string): { defs: SubgraphDef[]; locals: string[] } {
  const parts = flatId.split(PATH_SEP);
  const defs: SubgraphDef[] = [];
  let nodes = graph.nodes;
  for (let i = 0; i < parts.length - 1; i++) {
    const node = nodes.find((n) => n.id === parts[i]);
    const def = definitionOf(graph, node);
    if (!def) throw new EditError(`There is no step "${flatId}"`);
    defs.push(def);
    nodes = def.nodes;
  }
  if (!nodes.some((n) => n.id === parts[parts.length - 1])) throw new EditError(`There is no step "${flatId}"`);
  return { defs, locals: parts };
}

function replaceDefinition(graph: Graph, def: SubgraphDef): Graph {
  return { ...graph, definitions: (graph.definitions ?? []).map((d) => (d.id === def.id ? def : d)) };
}

function innerGraph(graph: Graph, def: SubgraphDef): Graph {
  return { nodes: def.nodes, edges: def.edges, ...(graph.definitions ? { definitions: graph.definitions } : {}) };
}

/**
 * Sets a parameter of a step anywhere: a top-level step, or an inner step by its flattened id.
 * An inner parameter its subgraph exposes is set on the instance (each instance has its own
 * value); any other inner parameter is set in the definition, for every instance.
 */
export function setParamAt(graph: Graph, registry: OpRegistry, flatId: string, name: string, value: ParamValue): Graph {
  const { defs, locals } = locate(graph, flatId);
  if (defs.length === 0) return setParam(graph, registry, flatId, name, value);
  const def = defs[defs.length - 1]!;
  const local = locals[locals.length - 1]!;
  const exposed = def.params.find((p) => p.node === local && p.param === name);
  if (exposed) {
    const instancePath = locals.slice(0, -1).join(PATH_SEP);
    return setParamAt(graph, registry, instancePath, exposed.name, value);
  }
  const inner = setParam(innerGraph(graph, def), registry, local, name, value);
  return inner.nodes === def.nodes ? graph : replaceDefinition(graph, { ...def, nodes: inner.nodes });
}

/**
 * Applies a step edit anywhere: to the graph for a top-level step, else to the definition that
 * holds the inner step (by its flattened id), for every instance. The edit may change steps only.
 */
function editStepAt(graph: Graph, flatId: string, edit: (g: Graph, id: string) => Graph): Graph {
  const { defs, locals } = locate(graph, flatId);
  if (defs.length === 0) return edit(graph, flatId);
  const def = defs[defs.length - 1]!;
  const inner = edit(innerGraph(graph, def), locals[locals.length - 1]!);
  return inner.nodes === def.nodes ? graph : replaceDefinition(graph, { ...def, nodes: inner.nodes });
}

/** Moves a step anywhere: a top-level one, or an inner one (by its flattened id) in its definition. */
export function moveAt(graph: Graph, flatId: string, position: Position): Graph {
  return editStepAt(graph, flatId, (g, id) => moveNode(g, id, position));
}

/** Turns a step's bypass on or off anywhere: an inner step's in its definition (every instance). */
export function toggleBypassAt(graph: Graph, registry: OpRegistry, flatId: string): Graph {
  return editStepAt(graph, flatId, (g, id) => toggleBypass(g, registry, id));
}

/** The definition an instance (by its flattened id, nested ones too) uses. */
export function definitionAt(graph: Graph, path: string): SubgraphDef | undefined {
  try {
    const { defs, locals } = locate(graph, path);
    const nodes = defs.length ? defs[defs.length - 1]!.nodes : graph.nodes;
    return definitionOf(graph, nodes.find((n) => n.id === locals[locals.length - 1]));
  } catch {
    return undefined;
  }
}

/**
 * Edits the inside of a subgraph (the instance at `path`; the edit is made on its definition, so
 * every instance changes). `edit` gets the definition's steps and wires as a graph with their
 * local ids, and `local` to turn the flattened ids the canvas shows into them. The interface then
 * follows the steps: an input no longer feeding anything (its steps gone, or an inner wire now
 * feeding them) and an output or exposed parameter whose step is gone are dropped, with the wires
 * to and from those ports and the values of those parameters on every instance.
 */
export function editInside(graph: Graph, path: string, edit: (inner: Graph, local: (flatId: string) => string) => Graph): Graph {
  const def = definitionAt(graph, path);
  if (!def) throw new EditError(`"${path}" is not a subgraph`);
  const prefix = path + PATH_SEP;
  const local = (id: string) => {
    if (!id.startsWith(prefix) || id.slice(prefix.length).includes(PATH_SEP)) throw new EditError(`There is no step "${id}" in this subgraph`);
    return id.slice(prefix.length);
  };
  const inner = edit(innerGraph(graph, def), local);
  if (inner.nodes === def.nodes && inner.edges === def.edges) return graph;
  // A step added inside may be an instance of a definition that holds this one: refuse the loop.
  const defs = new Map((graph.definitions ?? []).map((d) => [d.id, d]));
  const reaches = (id: string, seen = new Set<string>()): boolean => {
    if (id === def.id) return true;
    if (seen.has(id)) return false;
    seen.add(id);
    return (defs.get(id)?.nodes ?? []).some((n) => {
      const d = definitionIdOf(n.op);
      return d !== null && reaches(d, seen);
    });
  };
  for (const n of inner.nodes) {
    const d = definitionIdOf(n.op);
    if (d !== null && reaches(d)) throw new EditError(`A subgraph cannot contain itself`);
  }
  const ids = new Map(inner.nodes.map((n) => [n.id, n]));
  const fed = new Set(inner.edges.map((e) => refKey(e.to)));
  const inputs = def.inputs
    .map((i) => ({ ...i, targets: i.targets.filter((t) => ids.has(t.node) && !fed.has(refKey(t))) }))
    .filter((i) => i.targets.length > 0);
  const outputs = def.outputs.filter((o) => ids.has(o.from.node));
  const params = def.params.filter((p) => ids.has(p.node));
  const goneIn = new Set(def.inputs.filter((i) => !inputs.some((x) => x.name === i.name)).map((i) => i.name));
  const goneOut = new Set(def.outputs.filter((o) => !outputs.includes(o)).map((o) => o.name));
  const goneParams = def.params.filter((p) => !params.includes(p)).map((p) => p.name);
  let next = replaceDefinition(graph, { ...def, nodes: inner.nodes, edges: inner.edges, inputs, outputs, params });
  if (goneIn.size + goneOut.size + goneParams.length === 0) return next;
  const op = SUBGRAPH_OP + def.id;
  const dropEdges = (nodes: readonly GraphNode[], edges: readonly GraphEdge[]) => {
    const instances = new Set(nodes.filter((n) => n.op === op).map((n) => n.id));
    return edges.filter((e) => !(instances.has(e.to.node) && goneIn.has(e.to.port)) && !(instances.has(e.from.node) && goneOut.has(e.from.port)));
  };
  next = {
    ...next,
    edges: dropEdges(next.nodes, next.edges),
    ...(next.definitions ? { definitions: next.definitions.map((d) => ({ ...d, edges: dropEdges(d.nodes, d.edges) })) } : {}),
  };
  return withInstanceValues(next, def.id, (n) => {
    const params = { ...n.params };
    for (const name of goneParams) delete params[name];
    return params;
  });
}

/** The definition and local step an inner flattened id names (undefined for a top-level step). */
export function innerStep(graph: Graph, flatId: string): { def: SubgraphDef; node: string } | undefined {
  if (!flatId.includes(PATH_SEP)) return undefined;
  const { defs, locals } = locate(graph, flatId);
  return { def: defs[defs.length - 1]!, node: locals[locals.length - 1]! };
}

// ---------------------------------------------------------------------------------------------
// Edits

function freshId(used: Iterable<string>, base: string): string {
  const taken = new Set(used);
  for (let i = 1; ; i++) {
    const id = `${base}-${i}`;
    if (!taken.has(id)) return id;
  }
}

function refKey(r: PortRef): string {
  return `${r.node}\u0000${r.port}`;
}

/**
 * Groups steps into a new subgraph and puts an instance in their place. Wires into the group
 * become its inputs (one per outside output they come from), wires out of it its outputs (one
 * per inner output used outside); a group nothing outside reads gets its last step's first
 * output. The flattened graph is the same as before, so every key (and cached result) is kept.
 * Refused when a wire leaves the group and comes back (the instance would be in a cycle).
 */
export function groupSteps(
  graph: Graph,
  registry: OpRegistry,
  ids: readonly string[],
  opts: { readonly title?: string } = {},
): { graph: Graph; instance: string; definition: string } {
  const reg = withSubgraphs(registry, graph);
  const sel = new Set(ids.filter((id) => findNode(graph, id)));
  if (sel.size === 0) throw new EditError('Select the steps to group first');
  for (const id of sel) {
    const op = reg.get(findNode(graph, id)!.op);
    // The page drives live sources by their step's id in the graph (a camera's frames, a timer's ticks).
    if (op?.live) throw new EditError(`A ${op.title} step cannot go into a subgraph: leave it out and group the steps after it`);
  }
  const index = indexGraph(graph);
  // Outside steps reachable from the group that also reach into it would sit both before and after the instance.
  const down = new Set<string>();
  const stack = [...sel];
  while (stack.length) {
    for (const c of index.consumers.get(stack.pop()!) ?? []) {
      if (!down.has(c)) {
        down.add(c);
        stack.push(c);
      }
    }
  }
  for (const e of graph.edges) {
    if (sel.has(e.to.node) && !sel.has(e.from.node) && down.has(e.from.node)) {
      throw new EditError('These steps cannot be grouped: a wire leaves them and comes back through other steps; include those too');
    }
  }
  const portType = (ref: PortRef, side: 'inputs' | 'outputs') => {
    const n = findNode(graph, ref.node);
    return n && reg.get(n.op)?.[side].find((p) => p.name === ref.port);
  };
  const inputs: SubgraphInput[] = [];
  const inputOf = new Map<string, string>(); // outside source → interface input name
  const outputs: SubgraphOutput[] = [];
  const outputOf = new Map<string, string>(); // inner source → interface output name
  const portName = (base: string, n: number) => (n === 0 ? base : `${base}${n + 1}`);
  for (const e of graph.edges) {
    if (sel.has(e.to.node) && !sel.has(e.from.node)) {
      const k = refKey(e.from);
      const name = inputOf.get(k);
      if (name) {
        const i = inputs.findIndex((x) => x.name === name);
        inputs[i] = { ...inputs[i]!, targets: [...inputs[i]!.targets, { ...e.to }] };
      } else {
        const spec = portType(e.to, 'inputs');
        const input: SubgraphInput = { name: portName('in', inputs.length), type: spec?.type ?? 'image', ...(spec?.label ? { label: spec.label } : {}), targets: [{ ...e.to }] };
        inputs.push(input);
        inputOf.set(k, input.name);
      }
    } else if (sel.has(e.from.node) && !sel.has(e.to.node) && !outputOf.has(refKey(e.from))) {
      const spec = portType(e.from, 'outputs');
      const output: SubgraphOutput = { name: portName('out', outputs.length), type: spec?.type ?? 'image', ...(spec?.label ? { label: spec.label } : {}), from: { ...e.from } };
      outputs.push(output);
      outputOf.set(refKey(e.from), output.name);
    }
  }
  const inner = graph.nodes.filter((n) => sel.has(n.id));
  if (outputs.length === 0) {
    // Nothing outside reads the group: show its last step (in dependency order) that has an output.
    const innerEdges = graph.edges.filter((e) => sel.has(e.from.node) && sel.has(e.to.node));
    const order = topoOrder({ nodes: inner, edges: innerEdges }).order;
    for (let i = order.length - 1; i >= 0; i--) {
      const n = findNode(graph, order[i]!)!;
      const out = reg.get(n.op)?.outputs[0];
      if (out) {
        outputs.push({ name: 'out', type: out.type, ...(out.label ? { label: out.label } : {}), from: { node: n.id, port: out.name } });
        break;
      }
    }
  }
  const definition = freshId((graph.definitions ?? []).map((d) => d.id), 'sg');
  const title = opts.title ?? `Group ${(graph.definitions?.length ?? 0) + 1}`;
  const def: SubgraphDef = {
    id: definition,
    title,
    nodes: inner,
    edges: graph.edges.filter((e) => sel.has(e.from.node) && sel.has(e.to.node)),
    inputs,
    outputs,
    params: [],
  };
  const instance = freshNodeId(graph, 'subgraph');
  const ps = inner.map((n) => n.position).filter((p): p is Position => !!p);
  const position = ps.length ? { x: Math.round(ps.reduce((s, p) => s + p.x, 0) / ps.length), y: Math.round(ps.reduce((s, p) => s + p.y, 0) / ps.length) } : undefined;
  const edges: GraphEdge[] = [];
  const seenIn = new Set<string>();
  for (const e of graph.edges) {
    const fromIn = sel.has(e.from.node);
    const toIn = sel.has(e.to.node);
    if (!fromIn && !toIn) edges.push(e);
    else if (!fromIn && toIn) {
      const name = inputOf.get(refKey(e.from))!;
      if (!seenIn.has(name)) edges.push({ from: e.from, to: { node: instance, port: name } });
      seenIn.add(name);
    } else if (fromIn && !toIn) edges.push({ from: { node: instance, port: outputOf.get(refKey(e.from))! }, to: e.to });
  }
  // The instance takes the place of the first grouped step in the step order.
  const nodes: GraphNode[] = [];
  let placed = false;
  const node: GraphNode = { id: instance, op: SUBGRAPH_OP + definition, params: {}, ...(position ? { position } : {}) };
  for (const n of graph.nodes) {
    if (!sel.has(n.id)) nodes.push(n);
    else if (!placed) {
      nodes.push(node);
      placed = true;
    }
  }
  const definitions = [...(graph.definitions ?? []), def];
  return { graph: { nodes, edges, definitions }, instance, definition };
}

/** Whether a definition is used by a step of the graph or of another definition. */
function isUsed(graph: Graph, defId: string): boolean {
  const op = SUBGRAPH_OP + defId;
  return graph.nodes.some((n) => n.op === op) || (graph.definitions ?? []).some((d) => d.nodes.some((n) => n.op === op));
}

/** Drops the definitions nothing uses any more. */
export function pruneDefinitions(graph: Graph): Graph {
  if (!graph.definitions?.length) return graph;
  let defs = graph.definitions;
  for (;;) {
    const g: Graph = { ...graph, definitions: defs };
    const kept = defs.filter((d) => isUsed(g, d.id));
    if (kept.length === defs.length) break;
    defs = kept;
  }
  if (defs === graph.definitions) return graph;
  if (defs.length === 0) {
    const { definitions: _gone, ...rest } = graph;
    return rest;
  }
  return { ...graph, definitions: defs };
}

/**
 * Puts an instance's inner steps back in its place, with the instance's values for its exposed
 * parameters, wired as the instance was. Nested instances stay instances. The definition goes
 * when nothing else uses it. Returns the steps put back.
 */
export function ungroupStep(graph: Graph, registry: OpRegistry, instanceId: string): { graph: Graph; ids: string[] } {
  const node = findNode(graph, instanceId);
  const def = definitionOf(graph, node);
  if (!node || !def) throw new EditError(`"${node?.label ?? instanceId}" is not a subgraph`);
  const values = resolvedInstanceParams(node, withSubgraphs(registry, graph));
  const used = new Set(graph.nodes.filter((n) => n.id !== instanceId).map((n) => n.id));
  const rename = new Map<string, string>();
  for (const n of def.nodes) {
    const id = used.has(n.id) ? freshId(used, n.id.replace(/-\d+$/, '')) : n.id;
    used.add(id);
    rename.set(n.id, id);
  }
  // Inner positions keep their layout, centred on where the instance was.
  const ps = def.nodes.map((n) => n.position).filter((p): p is Position => !!p);
  const centre = ps.length ? { x: ps.reduce((s, p) => s + p.x, 0) / ps.length, y: ps.reduce((s, p) => s + p.y, 0) / ps.length } : { x: 0, y: 0 };
  const at = node.position ?? centre;
  const inner: GraphNode[] = def.nodes.map((n) => {
    const params = { ...n.params };
    for (const p of def.params) if (p.node === n.id && values[p.name] !== undefined) params[p.param] = values[p.name]!;
    return {
      ...n,
      id: rename.get(n.id)!,
      params,
      ...(n.position ? { position: { x: Math.round(n.position.x - centre.x + at.x), y: Math.round(n.position.y - centre.y + at.y) } } : {}),
    };
  });
  const edges: GraphEdge[] = [];
  for (const e of def.edges) edges.push({ from: { node: rename.get(e.from.node)!, port: e.from.port }, to: { node: rename.get(e.to.node)!, port: e.to.port } });
  for (const e of graph.edges) {
    if (e.to.node === instanceId) {
      const input = def.inputs.find((i) => i.name === e.to.port);
      for (const t of input?.targets ?? []) edges.push({ from: e.from, to: { node: rename.get(t.node)!, port: t.port } });
    } else if (e.from.node === instanceId) {
      const output = def.outputs.find((o) => o.name === e.from.port);
      if (output) edges.push({ from: { node: rename.get(output.from.node)!, port: output.from.port }, to: e.to });
    } else edges.push(e);
  }
  const nodes: GraphNode[] = [];
  for (const n of graph.nodes) {
    if (n.id === instanceId) nodes.push(...inner);
    else nodes.push(n);
  }
  return { graph: pruneDefinitions({ ...graph, nodes, edges }), ids: [...rename.values()] };
}

/**
 * Shows an inner step's parameter on every instance of its subgraph (`flatId`: the inner step's
 * flattened id, as the canvas shows it drilled in). Each instance starts with the inner step's
 * value, so nothing computes differently. Returns the graph unchanged when it is already shown.
 */
export function exposeParam(graph: Graph, registry: OpRegistry, flatId: string, param: string, label?: string): Graph {
  const at = innerStep(graph, flatId);
  if (!at) throw new EditError('Only a parameter of a step inside a subgraph can be exposed');
  const { def, node } = at;
  if (def.params.some((p) => p.node === node && p.param === param)) return graph;
  const reg = withSubgraphs(registry, graph);
  const inner = def.nodes.find((n) => n.id === node)!;
  const op = reg.get(inner.op);
  const spec = op && Object.hasOwn(op.params, param) ? op.params[param] : undefined;
  if (!spec) throw new EditError(`This step has no parameter "${param}"`);
  const taken = new Set(def.params.map((p) => p.name));
  let name = param;
  for (let i = 2; taken.has(name); i++) name = `${param}${i}`;
  const title = inner.label ?? reg.get(inner.op)?.title ?? inner.op;
  const exposed: SubgraphParam = { name, label: label ?? `${title}: ${spec.label}`, node, param };
  const next = replaceDefinition(graph, { ...def, params: [...def.params, exposed] });
  // Each instance keeps running with what it ran with: the inner value, laid over by an outer exposure if any.
  return withInstanceValues(next, def.id, (n) => ({ ...n.params, [name]: inner.params[param]! }));
}

/**
 * Names a subgraph (its definition: every instance shows the new title). `instance` is the
 * instance's id, flattened for one inside another subgraph. The name is cleaned as the file's
 * labels are (one line, nothing invisible, at most DOCUMENT_LIMITS.labelLength characters).
 */
export function renameSubgraph(graph: Graph, instance: string, title: string): Graph {
  const at = innerStep(graph, instance);
  const node = at ? at.def.nodes.find((n) => n.id === at.node) : findNode(graph, instance);
  const def = definitionOf(graph, node);
  if (!def) throw new EditError('Only a subgraph step can be renamed');
  const name = labelText(title);
  if (!name) throw new EditError('A subgraph needs a name');
  return name === def.title ? graph : replaceDefinition(graph, { ...def, title: name });
}

/** Stops showing an inner parameter on the instances; their inner step goes back to the definition's value. */
export function unexposeParam(graph: Graph, flatId: string, param: string): Graph {
  const at = innerStep(graph, flatId);
  if (!at) return graph;
  const { def, node } = at;
  const exposed = def.params.find((p) => p.node === node && p.param === param);
  if (!exposed) return graph;
  const next = replaceDefinition(graph, { ...def, params: def.params.filter((p) => p !== exposed) });
  return withInstanceValues(next, def.id, (n) => {
    const { [exposed.name]: _gone, ...rest } = n.params;
    return rest;
  });
}

/** Every instance of a definition, at the top level and inside other definitions, with new parameters. */
function withInstanceValues(graph: Graph, defId: string, params: (n: GraphNode) => Params): Graph {
  const op = SUBGRAPH_OP + defId;
  const fix = (nodes: readonly GraphNode[]) => (nodes.some((n) => n.op === op) ? nodes.map((n) => (n.op === op ? { ...n, params: params(n) } : n)) : nodes);
  return {
    ...graph,
    nodes: fix(graph.nodes),
    ...(graph.definitions ? { definitions: graph.definitions.map((d) => (d.nodes.some((n) => n.op === op) ? { ...d, nodes: fix(d.nodes) } : d)) } : {}),
  };
}

/** Whether an inner step's parameter is shown on its subgraph's instances. */
export function isExposed(graph: Graph, flatId: string, param: string): boolean {
  const at = innerStep(graph, flatId);
  return !!at && at.def.params.some((p) => p.node === at.node && p.param === param);
}

/** Adds an instance of an existing definition (a second copy shares its keys on the same input). */
export function addInstance(graph: Graph, registry: OpRegistry, defId: string, position?: Position): { graph: Graph; id: string } {
  if (!findDefinition(graph, defId)) throw new EditError(`There is no subgraph "${defId}"`);
  const id = freshNodeId(graph, 'subgraph');
  return { graph: addNode(graph, registry, { id, op: SUBGRAPH_OP + defId, ...(position ? { position } : {}) }), id };
}
