// The graph model: plain immutable data and pure edit functions. Every edit returns a new graph
// (structural sharing), so undo is a stack of graphs and the live controller can compare versions.

import type { OpDecl, OpRegistry, ParamValue, Params } from './op';
import { ParamError, defaultParams, resolveParam, resolveParams } from './params';
import { withSubgraphs, type SubgraphDef } from './subgraph-decl';

export interface Position {
  readonly x: number;
  readonly y: number;
}

export interface GraphNode {
  readonly id: string;
  readonly op: string;
  readonly params: Params;
  /** A bypassed step passes its first input straight through to its first output. */
  readonly bypass?: boolean;
  readonly position?: Position;
  /** A user-given name; the operation title is shown when absent. */
  readonly label?: string;
}

export interface PortRef {
  readonly node: string;
  readonly port: string;
}

export interface GraphEdge {
  readonly from: PortRef;
  readonly to: PortRef;
}

export interface Graph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  /**
   * Subgraph definitions (see subgraph.ts), shared by the whole graph: a step whose op is
   * `subgraph:<id>` is an instance of one. Absent when there are none. Every edit keeps them.
   */
  readonly definitions?: readonly SubgraphDef[];
}

export const emptyGraph: Graph = Object.freeze({ nodes: [], edges: [] });

/** An edit that cannot be made. The message is written for the person who tried it. */
export class EditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EditError';
  }
}

export function edgeId(e: GraphEdge): string {
  return `${e.from.node}.${e.from.port}->${e.to.node}.${e.to.port}`;
}

export function findNode(graph: Graph, id: string): GraphNode | undefined {
  return graph.nodes.find((n) => n.id === id);
}

/** What messages call a step: its label, else its operation's title (never its internal id, unless unknown). */
export function stepTitle(node: GraphNode | undefined, registry: OpRegistry, id = node?.id ?? ''): string {
  if (!node) return id;
  return node.label ?? registry.get(node.op)?.title ?? node.op;
}

function requireNode(graph: Graph, id: string): GraphNode {
  const n = findNode(graph, id);
  if (!n) throw new EditError(`There is no step "${id}"`);
  return n;
}

function requireOp(registry: OpRegistry, opId: string): OpDecl {
  const op = registry.get(opId);
  if (!op) throw new EditError(`Unknown operation "${opId}"`);
  return op;
}

function replaceNode(graph: Graph, node: GraphNode): Graph {
  return { ...graph, nodes: graph.nodes.map((n) => (n.id === node.id ? node : n)) };
}

/** A fresh id not used in the graph, derived from a base (usually the op id). */
export function freshNodeId(graph: Graph, base: string): string {
  const used = new Set(graph.nodes.map((n) => n.id));
  for (let i = 1; ; i++) {
    const id = `${base}-${i}`;
    if (!used.has(id)) return id;
  }
}

// ---------------------------------------------------------------------------------------------
// Edits

export function addNode(
  graph: Graph,
  registry: OpRegistry,
  node: { id?: string; op: string; params?: Params; position?: Position; bypass?: boolean; label?: string },
): Graph {
  const op = requireOp(withSubgraphs(registry, graph), node.op);
  const id = node.id ?? freshNodeId(graph, op.id.replace(/[^A-Za-z0-9_.-]/g, '-'));
  if (findNode(graph, id)) throw new EditError(`A step with id "${id}" already exists`);
  let params: Params;
  try {
    params = node.params ? resolveParams(op, node.params) : defaultParams(op);
  } catch (e) {
    throw new EditError(e instanceof Error ? e.message : String(e));
  }
  const created: GraphNode = {
    id,
    op: op.id,
    params,
    ...(node.bypass ? { bypass: true } : {}),
    ...(node.position ? { position: node.position } : {}),
    ...(node.label ? { label: node.label } : {}),
  };
  return { ...graph, nodes: [...graph.nodes, created] };
}

/** Removes steps and every edge touching them. */
export function removeNodes(graph: Graph, ids: Iterable<string>): Graph {
  const gone = new Set(ids);
  return {
    ...graph,
    nodes: graph.nodes.filter((n) => !gone.has(n.id)),
    edges: graph.edges.filter((e) => !gone.has(e.from.node) && !gone.has(e.to.node)),
  };
}

export function removeNode(graph: Graph, id: string): Graph {
  return removeNodes(graph, [id]);
}

/** Would an edge from `from` to `to` close a loop? True when `from` is reachable from `to`. */
export function wouldCycle(graph: Graph, fromNode: string, toNode: string): boolean {
  if (fromNode === toNode) return true;
  const out = new Map<string, string[]>();
  for (const e of graph.edges) {
    const list = out.get(e.from.node);
    if (list) list.push(e.to.node);
    else out.set(e.from.node, [e.to.node]);
  }
  const seen = new Set<string>([toNode]);
  const stack = [toNode];
  while (stack.length) {
    const n = stack.pop()!;
    for (const m of out.get(n) ?? []) {
      if (m === fromNode) return true;
      if (!seen.has(m)) {
        seen.add(m);
        stack.push(m);
      }
    }
  }
  return false;
}

/**
 * Checks whether an edge may be added, without adding it. Returns the reason it may not, or null.
 * An input takes one edge: connecting to an occupied input replaces the old edge.
 */
export function connectionProblem(graph: Graph, registry: OpRegistry, edge: GraphEdge): string | null {
  registry = withSubgraphs(registry, graph);
  const src = findNode(graph, edge.from.node);
  const dst = findNode(graph, edge.to.node);
  if (!src) return `There is no step "${edge.from.node}"`;
  if (!dst) return `There is no step "${edge.to.node}"`;
  const problem = portProblem(registry, src, dst, edge);
  if (problem) return problem;
  if (wouldCycle(graph, src.id, dst.id)) {
    return `Connecting ${registry.get(src.op)!.title} to ${registry.get(dst.op)!.title} would make a cycle`;
  }
  return null;
}

/**
 * The part of `connectionProblem` that looks at the two steps alone (operations, ports, types), for
 * callers that already hold the steps: checking a file's edges one by one, each looked up by id,
 * stays linear in the number of edges instead of scanning every step per edge.
 */
export function portProblem(registry: OpRegistry, src: GraphNode, dst: GraphNode, edge: GraphEdge): string | null {
  const srcOp = registry.get(src.op);
  const dstOp = registry.get(dst.op);
  if (!srcOp) return `Unknown operation "${src.op}"`;
  if (!dstOp) return `Unknown operation "${dst.op}"`;
  const out = srcOp.outputs.find((p) => p.name === edge.from.port);
  const inp = dstOp.inputs.find((p) => p.name === edge.to.port);
  if (!out) return `${srcOp.title} has no output "${edge.from.port}"`;
  if (!inp) return `${dstOp.title} has no input "${edge.to.port}"`;
  if (out.type !== inp.type) {
    return `Cannot connect ${srcOp.title}'s ${out.type} output to ${dstOp.title}'s ${inp.type} input "${inp.label ?? inp.name}"`;
  }
  return null;
}

export function connect(graph: Graph, registry: OpRegistry, edge: GraphEdge): Graph {
  const problem = connectionProblem(graph, registry, edge);
  if (problem) throw new EditError(problem);
  const edges = graph.edges.filter((e) => !(e.to.node === edge.to.node && e.to.port === edge.to.port));
  return { ...graph, edges: [...edges, { from: { ...edge.from }, to: { ...edge.to } }] };
}

/** Removes the edge into an input port, if any. */
export function disconnect(graph: Graph, to: PortRef): Graph {
  const edges = graph.edges.filter((e) => !(e.to.node === to.node && e.to.port === to.port));
  return edges.length === graph.edges.length ? graph : { ...graph, edges };
}

/** Sets one parameter; numbers are clamped to their range, values of the wrong kind refused. */
export function setParam(graph: Graph, registry: OpRegistry, nodeId: string, name: string, value: ParamValue): Graph {
  const node = requireNode(graph, nodeId);
  const op = requireOp(withSubgraphs(registry, graph), node.op);
  const spec = op.params[name];
  if (!spec) throw new EditError(`${op.title} has no parameter "${name}"`);
  let resolved: ParamValue;
  try {
    resolved = resolveParam(name, spec, value);
  } catch (e) {
    throw new EditError(e instanceof ParamError ? e.message : String(e));
  }
  if (sameValue(node.params[name], resolved)) return graph;
  return replaceNode(graph, { ...node, params: { ...node.params, [name]: resolved } });
}

function sameValue(a: ParamValue | undefined, b: ParamValue): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

export function setBypass(graph: Graph, nodeId: string, bypass: boolean): Graph {
  const node = requireNode(graph, nodeId);
  if (!!node.bypass === bypass) return graph;
  const { bypass: _old, ...rest } = node;
  return replaceNode(graph, bypass ? { ...rest, bypass: true } : rest);
}

/** Turns a step's bypass on or off; refuses (EditError) to bypass a step that has nothing to pass through. */
export function toggleBypass(graph: Graph, registry: OpRegistry, nodeId: string): Graph {
  const node = requireNode(graph, nodeId);
  const op = withSubgraphs(registry, graph).get(node.op);
  if (!node.bypass && op && !bypassPort(op)) throw new EditError(`${op.title} cannot be bypassed: it has no input of its output's type`);
  return setBypass(graph, nodeId, !node.bypass);
}

/** How far right of (and below) the step it follows a new step is placed. */
const AFTER_OFFSET: Position = { x: 240, y: 40 };
/** How far a copy is placed from its original. */
const COPY_OFFSET = 40;

/**
 * Adds a step of `opId`. After `after` (a step id), the new one is placed to its right and wired
 * from its first output into the first input that takes that type; else at `position`, or
 * cascaded from the top left.
 */
export function addStepAfter(
  graph: Graph,
  registry: OpRegistry,
  opId: string,
  opts: { readonly after?: string | null; readonly position?: Position } = {},
): { graph: Graph; id: string } {
  registry = withSubgraphs(registry, graph);
  const op = requireOp(registry, opId);
  const from = opts.after ? findNode(graph, opts.after) : undefined;
  const fromOp = from ? registry.get(from.op) : undefined;
  const id = freshNodeId(graph, op.id);
  const n = graph.nodes.length;
  const position =
    opts.position ?? (from?.position ? { x: from.position.x + AFTER_OFFSET.x, y: from.position.y + AFTER_OFFSET.y } : { x: 80 + n * 30, y: 80 + n * 30 });
  let next = addNode(graph, registry, { id, op: op.id, position });
  const out = fromOp?.outputs.find((o) => op.inputs.some((i) => i.type === o.type));
  const inp = out && op.inputs.find((i) => i.type === out.type);
  if (from && out && inp) next = connect(next, registry, { from: { node: from.id, port: out.name }, to: { node: id, port: inp.name } });
  return { graph: next, id };
}

/** Copies steps with the connections among them, offset so the copies are visible; returns the copies' ids. */
export function duplicateNodes(graph: Graph, registry: OpRegistry, ids: readonly string[]): { graph: Graph; ids: string[] } {
  registry = withSubgraphs(registry, graph);
  const rename = new Map<string, string>();
  let g = graph;
  for (const id of ids) {
    const n = findNode(graph, id);
    if (!n || rename.has(id)) continue;
    const copy = freshNodeId(g, n.op.replace(/[^A-Za-z0-9_.-]/g, '-'));
    rename.set(id, copy);
    g = addNode(g, registry, {
      id: copy,
      op: n.op,
      params: n.params,
      ...(n.bypass ? { bypass: true } : {}),
      ...(n.label ? { label: n.label } : {}),
      position: { x: (n.position?.x ?? 0) + COPY_OFFSET, y: (n.position?.y ?? 0) + COPY_OFFSET },
    });
  }
  for (const e of graph.edges) {
    const a = rename.get(e.from.node);
    const b = rename.get(e.to.node);
    if (a && b) g = connect(g, registry, { from: { node: a, port: e.from.port }, to: { node: b, port: e.to.port } });
  }
  return { graph: g, ids: [...rename.values()] };
}

export function moveNode(graph: Graph, nodeId: string, position: Position): Graph {
  const node = requireNode(graph, nodeId);
  return replaceNode(graph, { ...node, position });
}

export function renameNode(graph: Graph, nodeId: string, label: string): Graph {
  const node = requireNode(graph, nodeId);
  const { label: _old, ...rest } = node;
  return replaceNode(graph, label ? { ...rest, label } : rest);
}

// ---------------------------------------------------------------------------------------------
// Structure

/** An index for the queries that planning needs, built once per graph version. */
export interface GraphIndex {
  readonly nodes: ReadonlyMap<string, GraphNode>;
  /** Edges into each node, by input port name. */
  readonly inputs: ReadonlyMap<string, ReadonlyMap<string, PortRef>>;
  /** Nodes fed by each node. */
  readonly consumers: ReadonlyMap<string, readonly string[]>;
}

export function indexGraph(graph: Graph): GraphIndex {
  const nodes = new Map<string, GraphNode>();
  const inputs = new Map<string, Map<string, PortRef>>();
  const consumers = new Map<string, string[]>();
  for (const n of graph.nodes) {
    nodes.set(n.id, n);
    inputs.set(n.id, new Map());
    consumers.set(n.id, []);
  }
  for (const e of graph.edges) {
    if (!nodes.has(e.from.node) || !nodes.has(e.to.node)) continue; // dangling: reported by validate
    inputs.get(e.to.node)!.set(e.to.port, e.from);
    const c = consumers.get(e.from.node)!;
    if (!c.includes(e.to.node)) c.push(e.to.node);
  }
  return { nodes, inputs, consumers };
}

/**
 * Dependency order (Kahn). Nodes on a cycle are left out and returned separately; ties keep the
 * graph's own node order so plans are deterministic.
 */
export function topoOrder(graph: Graph, index: GraphIndex = indexGraph(graph)): { order: string[]; cyclic: string[] } {
  const indegree = new Map<string, number>();
  for (const n of graph.nodes) {
    const ups = new Set([...index.inputs.get(n.id)!.values()].map((r) => r.node));
    indegree.set(n.id, ups.size);
  }
  const order: string[] = [];
  const ready = graph.nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id);
  for (let i = 0; i < ready.length; i++) {
    const id = ready[i]!;
    order.push(id);
    for (const c of index.consumers.get(id)!) {
      const d = indegree.get(c)! - 1;
      indegree.set(c, d);
      if (d === 0) ready.push(c);
    }
  }
  const placed = new Set(order);
  return { order, cyclic: graph.nodes.filter((n) => !placed.has(n.id)).map((n) => n.id) };
}

/** The targets and everything they depend on. */
export function ancestorsOf(index: GraphIndex, targets: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const stack = [...targets].filter((t) => index.nodes.has(t));
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const ref of index.inputs.get(id)!.values()) stack.push(ref.node);
  }
  return seen;
}

/** Everything that depends on the given steps (not including them). */
export function descendantsOf(index: GraphIndex, sources: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const stack = [...sources];
  while (stack.length) {
    const id = stack.pop()!;
    for (const c of index.consumers.get(id) ?? []) {
      if (!seen.has(c)) {
        seen.add(c);
        stack.push(c);
      }
    }
  }
  return seen;
}

// ---------------------------------------------------------------------------------------------
// Validation

export interface GraphIssue {
  /** The step the problem is about, when it is about one. */
  readonly node?: string;
  readonly message: string;
}

/**
 * Everything wrong with a graph, each with a message naming the step. A graph with issues can still
 * run: the steps that are fine (and do not depend on a broken one) compute as usual.
 */
export function validateGraph(graph: Graph, registry: OpRegistry): GraphIssue[] {
  registry = withSubgraphs(registry, graph);
  const issues: GraphIssue[] = [];
  const ids = new Set<string>();
  for (const n of graph.nodes) {
    if (ids.has(n.id)) issues.push({ node: n.id, message: `Two steps share the id "${n.id}"` });
    ids.add(n.id);
  }
  const index = indexGraph(graph);
  const seenInputs = new Set<string>();
  for (const e of graph.edges) {
    if (!ids.has(e.from.node) || !ids.has(e.to.node)) {
      issues.push({ message: `A connection refers to a missing step (${edgeId(e)})` });
      continue;
    }
    const slot = `${e.to.node}\u0000${e.to.port}`;
    if (seenInputs.has(slot)) issues.push({ node: e.to.node, message: `Input "${e.to.port}" has two connections` });
    seenInputs.add(slot);
    const src = registry.get(index.nodes.get(e.from.node)!.op);
    const dst = registry.get(index.nodes.get(e.to.node)!.op);
    if (!src || !dst) continue; // reported per node below
    const out = src.outputs.find((p) => p.name === e.from.port);
    const inp = dst.inputs.find((p) => p.name === e.to.port);
    if (!out) issues.push({ node: e.from.node, message: `${src.title} has no output "${e.from.port}"` });
    else if (!inp) issues.push({ node: e.to.node, message: `${dst.title} has no input "${e.to.port}"` });
    else if (out.type !== inp.type) {
      issues.push({ node: e.to.node, message: `${dst.title}'s input "${inp.label ?? inp.name}" takes ${inp.type}, not ${out.type}` });
    }
  }
  for (const n of graph.nodes) issues.push(...nodeIssues(n, registry, index));
  const { cyclic } = topoOrder(graph, index);
  for (const id of cyclic) issues.push({ node: id, message: `This step is part of a cycle` });
  return issues;
}

/** What stops one step from running, judged on its own (not its ancestors). */
export function nodeIssues(node: GraphNode, registry: OpRegistry, index: GraphIndex): GraphIssue[] {
  const op = registry.get(node.op);
  if (!op) return [{ node: node.id, message: `Unknown operation "${node.op}"` }];
  const issues: GraphIssue[] = [];
  try {
    resolveParams(op, node.params);
  } catch (e) {
    issues.push({ node: node.id, message: e instanceof Error ? e.message : String(e) });
  }
  const wired = index.inputs.get(node.id);
  for (const inp of op.inputs) {
    if (!inp.optional && !wired?.has(inp.name)) {
      issues.push({ node: node.id, message: `Connect an input to "${inp.label ?? inp.name}"` });
    }
  }
  if (node.bypass && !bypassPort(op)) {
    issues.push({ node: node.id, message: `${op.title} cannot be bypassed: it has no input of its output's type` });
  }
  return issues;
}

/**
 * For a bypassed step: which input passes through to which output (the first output that has an
 * input of its type), or null if none can. Other outputs give nothing while bypassed.
 */
export function bypassPort(op: OpDecl): { input: string; output: string } | null {
  for (const out of op.outputs) {
    const inp = op.inputs.find((p) => p.type === out.type);
    if (inp) return { input: inp.name, output: out.name };
  }
  return null;
}
