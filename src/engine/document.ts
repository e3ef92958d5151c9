// The graph file format: versioned JSON, validated field by field before anything of it is used.
// A file is untrusted input: every string is length- and charset-limited, every parameter is
// checked against its declaration, every edge against the ports it joins, and cycles are refused.
// Parsing never touches the current graph; the caller swaps graphs only on success.

import type { Graph, GraphEdge, GraphNode, PortRef, Position } from './graph';
import { indexGraph, portProblem, topoOrder } from './graph';
import { PORT_TYPES, type OpRegistry, type ParamValue, type PortType } from './op';
import { resolveParams } from './params';
import { definitionIdOf, withSubgraphs, type SubgraphDef, type SubgraphInput, type SubgraphOutput, type SubgraphParam } from './subgraph-decl';

export const DOCUMENT_FORMAT = 'pipette-graph';
export const DOCUMENT_VERSION = 2;

/** Limits that keep a hostile file from exhausting memory or the UI. */
export const DOCUMENT_LIMITS = {
  bytes: 5 * 1024 * 1024,
  /** A file that embeds its source images (Save graph with images): the graph in it still within `bytes`. */
  bytesWithImages: 100 * 1024 * 1024,
  /** Steps and connections of the graph and all its subgraph definitions together. */
  nodes: 2000,
  edges: 8000,
  definitions: 200,
  /** Ports and exposed parameters of one subgraph. */
  interface: 100,
  /** Steps the graph has once every subgraph instance is expanded (nesting multiplies them). */
  flatNodes: 20000,
  idLength: 64,
  labelLength: 200,
  coordinate: 1e7,
} as const;

const ID = /^[A-Za-z0-9_.:-]+$/;
// Any C0/C1 control character or a bidi override makes a label unsafe to show as-is.
const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** Whether text may be a step's label or a graph's name in a file: a short line that shows as it reads. */
export function isLabelText(text: unknown): text is string {
  return typeof text === 'string' && text.length <= DOCUMENT_LIMITS.labelLength && !UNSAFE_TEXT.test(text);
}

// What labelText takes out. Line breaks and tabs become one space. Controls, format characters
// (bidi marks, embeddings, overrides and isolates; zero-width and invisible characters) and unpaired
// surrogates are dropped: a superset of what UNSAFE_TEXT refuses, so the result always passes
// isLabelText. ZWJ and ZWNJ stay: emoji sequences and several scripts need them, and they reorder
// nothing.
const LINE_BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]+/gu;
const INVISIBLE = /(?![\u200c\u200d])[\p{Cc}\p{Cf}\p{Cs}]/gu;

/**
 * Outside text (a file name, say) made into a label the file format accepts: one line, nothing that
 * hides or reorders text, trimmed, at most DOCUMENT_LIMITS.labelLength characters. Answers '' when
 * nothing is left; the caller then picks its own label.
 */
export function labelText(text: string): string {
  let s = text.replace(LINE_BREAKS, ' ').replace(INVISIBLE, '').trim();
  if (s.length > DOCUMENT_LIMITS.labelLength) {
    s = s.slice(0, DOCUMENT_LIMITS.labelLength);
    // Never half a surrogate pair (an emoji cut in two).
    if (/[\ud800-\udbff]$/.test(s)) s = s.slice(0, -1);
    s = s.trimEnd();
  }
  return s;
}

const MB = 1024 * 1024;

/**
 * Refuses a graph file of `bytes` bytes over the size limit; call it before reading the file.
 * `withImages`: the file says it is one that embeds its images (a larger limit).
 */
export function checkGraphFileSize(bytes: number, withImages = false): void {
  const limit = withImages ? DOCUMENT_LIMITS.bytesWithImages : DOCUMENT_LIMITS.bytes;
  if (bytes > limit) throw new DocumentError([`it is larger than ${limit / MB} MB`]);
}

/** How every file Pipette saves with images begins (see serializeGraph): what lets one past 5 MB be read. */
const withImagesHead = (version: number) => `{\n  "format": "${DOCUMENT_FORMAT}",\n  "version": ${version},\n  "images": {`;
const WITH_IMAGES_HEAD = withImagesHead(DOCUMENT_VERSION);
/** Files saved with images by this version or an earlier one (all heads have the same length while versions are one digit). */
const startsWithImages = (text: string) => Array.from({ length: DOCUMENT_VERSION }, (_, i) => withImagesHead(i + 1)).some((h) => text.startsWith(h));

/**
 * The text of a graph file, refusing one over the size limit by its size alone, before any of it is
 * read: a hostile file of gigabytes must not be read whole into memory only to be refused. A file
 * over the plain limit is read (up to its own limit) only when its first bytes are those of a file
 * saved with images; the rest of it is then checked like any other.
 */
export async function readGraphFile(file: { readonly size: number; text(): Promise<string>; slice?(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> } }): Promise<string> {
  let withImages = false;
  if (file.size > DOCUMENT_LIMITS.bytes && file.slice) {
    // The head is ASCII: read byte for character.
    const head = String.fromCharCode(...new Uint8Array(await file.slice(0, WITH_IMAGES_HEAD.length).arrayBuffer()));
    withImages = startsWithImages(head);
  }
  checkGraphFileSize(file.size, withImages);
  return file.text();
}

export interface GraphDocument {
  readonly format: typeof DOCUMENT_FORMAT;
  readonly version: typeof DOCUMENT_VERSION;
  readonly graph: Graph;
  /** Free-form, validated as a short name only. */
  readonly name?: string;
  /**
   * The source images the graph uses, embedded (Save graph with images): by asset id, the image
   * file as it was loaded, base64. The whole file stays within DOCUMENT_LIMITS.bytesWithImages.
   */
  readonly images?: Readonly<Record<string, EmbeddedImage>>;
}

export interface EmbeddedImage {
  /** The file's MIME type, image/… */
  readonly type: string;
  /** The file's bytes, base64. */
  readonly data: string;
}

const ASSET_ID = /^[0-9a-f]{32}$/;
const IMAGE_TYPE = /^image\/[a-z0-9.+-]{1,40}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A file that cannot be opened, with every problem found (path + message). */
export class DocumentError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      problems.length === 1
        ? `This file cannot be opened: ${problems[0]}`
        : `This file cannot be opened (${problems.length} problems): ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? '; …' : ''}`,
    );
    this.name = 'DocumentError';
  }
}

export function serializeGraph(graph: Graph, name?: string, images?: Readonly<Record<string, EmbeddedImage>>): string {
  // What is written here must always open again (it is also the autosave): a label or name the
  // format would refuse, from code that did not go through labelText, is cleaned on the way out
  // rather than making the whole file unreadable. Labels that pass are written as they are.
  const clean = (nodes: readonly GraphNode[]) =>
    nodes.map((n) => {
      if (n.label === undefined || isLabelText(n.label)) return n;
      const { label, ...rest } = n;
      const safe = labelText(label);
      return safe ? { ...rest, label: safe } : rest;
    });
  const nodes = clean(graph.nodes);
  const { definitions, ...plain } = graph;
  const defs = definitions?.map((d) => ({
    ...d,
    title: isLabelText(d.title) ? d.title : labelText(d.title) || 'Subgraph',
    nodes: clean(d.nodes),
    params: d.params.map((p) => (isLabelText(p.label) ? p : { ...p, label: labelText(p.label) || p.name })),
  }));
  const safeName = name === undefined || isLabelText(name) ? name : labelText(name);
  // Images first: the head of such a file says it embeds them, before it is read (readGraphFile).
  const doc: GraphDocument = {
    format: DOCUMENT_FORMAT,
    version: DOCUMENT_VERSION,
    ...(images && Object.keys(images).length > 0 ? { images } : {}),
    ...(safeName ? { name: safeName } : {}),
    graph: { ...plain, nodes, ...(defs && defs.length > 0 ? { definitions: defs } : {}) },
  };
  return JSON.stringify(doc, null, 2);
}

/**
 * Older versions of the format, upgraded one step at a time to the current one: `n: (doc) => doc'`
 * takes version n to n + 1. Each sees the file as it is (untrusted): it only reshapes, and the
 * validation after it checks everything.
 */
const MIGRATIONS: Readonly<Record<number, (doc: Record<string, unknown>) => Record<string, unknown>>> = {
  // 1 → 2: subgraphs. A graph gets its list of subgraph definitions, empty in every version 1 file.
  1: (doc) => ({ ...doc, version: 2, graph: isRecord(doc.graph) ? { ...doc.graph, definitions: [] } : doc.graph }),
};

/** Parses and validates a graph file. Throws DocumentError naming every problem. */
export function parseGraphDocument(text: string, registry: OpRegistry): GraphDocument {
  checkGraphFileSize(text.length, startsWithImages(text));
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new DocumentError([`it is not valid JSON (${e instanceof Error ? e.message : String(e)})`]);
  }
  const doc = validateGraphDocument(raw, registry);
  // Only embedded images may take a file past the plain limit: the rest of it stays within it.
  if (text.length > DOCUMENT_LIMITS.bytes) {
    const imageChars = Object.values(doc.images ?? {}).reduce((n, img) => n + img.data.length, 0);
    checkGraphFileSize(text.length - imageChars);
  }
  return doc;
}

export function validateGraphDocument(raw: unknown, registry: OpRegistry): GraphDocument {
  if (!isRecord(raw)) throw new DocumentError(['it is not a Pipette graph (expected a JSON object)']);
  if (raw.format !== DOCUMENT_FORMAT) throw new DocumentError([`it is not a Pipette graph (format is not "${DOCUMENT_FORMAT}")`]);
  let version = raw.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new DocumentError(['its version is missing or not a whole number']);
  }
  if (version > DOCUMENT_VERSION) {
    throw new DocumentError([`it was made by a newer Pipette (format version ${version}; this one reads up to ${DOCUMENT_VERSION})`]);
  }
  let doc: Record<string, unknown> = raw;
  while (version < DOCUMENT_VERSION) {
    const step = MIGRATIONS[version];
    if (!step) throw new DocumentError([`format version ${version} can no longer be read`]);
    doc = step(doc);
    version++;
  }

  const problems: string[] = [];
  const name = doc.name;
  if (name !== undefined && !isLabelText(name)) {
    problems.push('name: must be a short line of text');
  }
  const images = readImages(doc.images, problems);
  const g = doc.graph;
  if (!isRecord(g) || !Array.isArray(g.nodes) || !Array.isArray(g.edges)) {
    throw new DocumentError(['graph: must have "nodes" and "edges" lists']);
  }
  if (g.nodes.length > DOCUMENT_LIMITS.nodes) throw new DocumentError([`graph: more than ${DOCUMENT_LIMITS.nodes} steps`]);
  if (g.edges.length > DOCUMENT_LIMITS.edges) throw new DocumentError([`graph: more than ${DOCUMENT_LIMITS.edges} connections`]);
  const definitions = readDefinitions(g.definitions, registry, g.nodes.length, g.edges.length);
  registry = withSubgraphs(registry, definitions);

  const nodes: GraphNode[] = [];
  const byId = new Map<string, GraphNode>();
  g.nodes.forEach((n: unknown, i: number) => {
    const node = readNode(n, `nodes[${i}]`, registry, problems);
    if (!node) return;
    if (byId.has(node.id)) {
      problems.push(`nodes[${i}].id: "${node.id}" is used twice`);
      return;
    }
    byId.set(node.id, node);
    nodes.push(node);
  });

  let graph: Graph = { nodes, edges: [] };
  const edges: GraphEdge[] = [];
  const filled = new Set<string>();
  g.edges.forEach((e: unknown, i: number) => {
    const edge = readEdge(e, `edges[${i}]`, problems);
    if (!edge) return;
    const src = byId.get(edge.from.node);
    const dst = byId.get(edge.to.node);
    if (!src || !dst) {
      problems.push(`edges[${i}]: refers to a step that is not in the file`);
      return;
    }
    const slot = `${edge.to.node}\u0000${edge.to.port}`;
    if (filled.has(slot)) {
      problems.push(`edges[${i}]: input "${edge.to.port}" of "${edge.to.node}" already has a connection`);
      return;
    }
    // Type and port checks; the cycle check runs once over the whole graph below.
    const problem = portProblem(registry, src, dst, edge);
    if (problem) {
      problems.push(`edges[${i}]: ${problem}`);
      return;
    }
    filled.add(slot);
    edges.push(edge);
  });
  graph = { nodes, edges, ...(definitions.length > 0 ? { definitions } : {}) };
  const { cyclic } = topoOrder(graph, indexGraph(graph));
  if (cyclic.length > 0) problems.push(`edges: the connections form a cycle through ${cyclic.slice(0, 5).map((c) => `"${c}"`).join(', ')}`);
  if (problems.length === 0 && definitions.length > 0) {
    const size = flatSize(nodes, definitions);
    if (size > DOCUMENT_LIMITS.flatNodes) problems.push(`graph: its subgraphs expand to more than ${DOCUMENT_LIMITS.flatNodes} steps`);
  }

  if (problems.length > 0) throw new DocumentError(problems);
  return {
    format: DOCUMENT_FORMAT,
    version: DOCUMENT_VERSION,
    ...(typeof name === 'string' && name ? { name } : {}),
    graph,
    ...(images ? { images } : {}),
  };
}

/** The embedded images, checked: asset ids as keys, an image type and base64 bytes each. */
function readImages(raw: unknown, problems: string[]): Record<string, EmbeddedImage> | undefined {
  if (raw === undefined) return undefined;
  if (!isRecord(raw)) {
    problems.push('images: must be an object of embedded images by id');
    return undefined;
  }
  const out: Record<string, EmbeddedImage> = {};
  for (const [id, v] of Object.entries(raw)) {
    if (!ASSET_ID.test(id)) problems.push(`images: "${id.slice(0, 40)}" is not an image id`);
    else if (!isRecord(v) || typeof v.type !== 'string' || !IMAGE_TYPE.test(v.type) || typeof v.data !== 'string' || v.data.length % 4 !== 0 || !BASE64.test(v.data)) {
      problems.push(`images.${id}: must be {"type": "image/…", "data": base64}`);
    } else out[id] = { type: v.type, data: v.data };
  }
  return out;
}

const NODE_FIELDS = new Set(['id', 'op', 'params', 'bypass', 'position', 'label']);

function readNode(n: unknown, path: string, registry: OpRegistry, problems: string[]): GraphNode | null {
  const known = NODE_FIELDS;
  if (!isRecord(n)) {
    problems.push(`${path}: must be an object`);
    return null;
  }
  const before = problems.length;
  const id = n.id;
  if (typeof id !== 'string' || id.length === 0 || id.length > DOCUMENT_LIMITS.idLength || !ID.test(id)) {
    problems.push(`${path}.id: must be 1–${DOCUMENT_LIMITS.idLength} letters, digits or _ . : -`);
  }
  const opId = n.op;
  const op = typeof opId === 'string' ? registry.get(opId) : undefined;
  if (!op) problems.push(`${path}.op: unknown operation ${typeof opId === 'string' ? `"${opId.slice(0, 64)}"` : ''}`.trimEnd());
  let params: Record<string, ParamValue> = {};
  if (n.params !== undefined && !isRecord(n.params)) problems.push(`${path}.params: must be an object`);
  else if (op) {
    try {
      params = { ...resolveParams(op, (n.params ?? {}) as Record<string, ParamValue>) };
    } catch (e) {
      problems.push(`${path}.params: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (n.bypass !== undefined && typeof n.bypass !== 'boolean') problems.push(`${path}.bypass: must be true or false`);
  let position: Position | undefined;
  if (n.position !== undefined) {
    const p = n.position;
    if (isRecord(p) && isCoordinate(p.x) && isCoordinate(p.y)) position = { x: p.x, y: p.y };
    else problems.push(`${path}.position: must be {x, y} with numbers`);
  }
  const label = n.label;
  if (label !== undefined && !isLabelText(label)) {
    problems.push(`${path}.label: must be a line of text of at most ${DOCUMENT_LIMITS.labelLength} characters`);
  }
  for (const k of Object.keys(n)) if (!known.has(k)) problems.push(`${path}: unexpected field "${k.slice(0, 32)}"`);
  if (problems.length > before || !op) return null;
  return {
    id: id as string,
    op: op.id,
    params,
    ...(n.bypass === true ? { bypass: true } : {}),
    ...(position ? { position } : {}),
    ...(typeof label === 'string' && label ? { label } : {}),
  };
}

function readEdge(e: unknown, path: string, problems: string[]): GraphEdge | null {
  if (!isRecord(e) || !isRecord(e.from) || !isRecord(e.to)) {
    problems.push(`${path}: must have "from" and "to"`);
    return null;
  }
  const ref = (r: Record<string, unknown>) =>
    typeof r.node === 'string' && typeof r.port === 'string' && r.node.length <= DOCUMENT_LIMITS.idLength && r.port.length <= DOCUMENT_LIMITS.idLength
      ? { node: r.node, port: r.port }
      : null;
  const from = ref(e.from);
  const to = ref(e.to);
  if (!from || !to) {
    problems.push(`${path}: "from" and "to" need a step id and a port name`);
    return null;
  }
  return { from, to };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCoordinate(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= DOCUMENT_LIMITS.coordinate;
}

// ---------------------------------------------------------------------------------------------
// Subgraph definitions (format version 2)

const DEF_FIELDS = new Set(['id', 'title', 'nodes', 'edges', 'inputs', 'outputs', 'params']);

/**
 * The graph's subgraph definitions, checked like the graph itself: each one's steps and wires,
 * its interface against its steps' ports and parameters, and the nesting (a definition that uses
 * itself, through any chain, is refused). Definitions are read in nesting order, so an instance
 * inside one is checked against the declaration of a definition already read. Throws
 * DocumentError naming every problem.
 */
function readDefinitions(raw: unknown, base: OpRegistry, graphNodes: number, graphEdges: number): SubgraphDef[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new DocumentError(['graph.definitions: must be a list']);
  if (raw.length > DOCUMENT_LIMITS.definitions) throw new DocumentError([`graph.definitions: more than ${DOCUMENT_LIMITS.definitions} subgraphs`]);
  const problems: string[] = [];
  let nodeCount = graphNodes;
  let edgeCount = graphEdges;
  const byId = new Map<string, { index: number; raw: Record<string, unknown>; uses: string[] }>();
  raw.forEach((d: unknown, i: number) => {
    const path = `definitions[${i}]`;
    if (!isRecord(d)) return problems.push(`${path}: must be an object`);
    if (typeof d.id !== 'string' || !ID.test(d.id) || d.id.length > DOCUMENT_LIMITS.idLength) return problems.push(`${path}.id: must be 1–${DOCUMENT_LIMITS.idLength} letters, digits or _ . : -`);
    if (byId.has(d.id)) return problems.push(`${path}.id: "${d.id}" is used twice`);
    if (!Array.isArray(d.nodes) || !Array.isArray(d.edges)) return problems.push(`${path}: must have "nodes" and "edges" lists`);
    nodeCount += d.nodes.length;
    edgeCount += d.edges.length;
    const uses = d.nodes.flatMap((n: unknown) => (isRecord(n) && typeof n.op === 'string' ? [definitionIdOf(n.op)] : [])).filter((x: string | null): x is string => x !== null);
    byId.set(d.id, { index: i, raw: d, uses });
  });
  if (nodeCount > DOCUMENT_LIMITS.nodes) throw new DocumentError([`graph: more than ${DOCUMENT_LIMITS.nodes} steps, counting those in subgraphs`]);
  if (edgeCount > DOCUMENT_LIMITS.edges) throw new DocumentError([`graph: more than ${DOCUMENT_LIMITS.edges} connections, counting those in subgraphs`]);
  if (problems.length > 0) throw new DocumentError(problems);

  // Nesting order; a definition on a cycle of uses is refused.
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, chain: string[]): void => {
    const s = state.get(id);
    if (s === 'done') return;
    if (s === 'visiting') {
      problems.push(`definitions: subgraph "${id}" contains itself (${[...chain.slice(chain.indexOf(id)), id].join(' › ')})`);
      return;
    }
    state.set(id, 'visiting');
    for (const u of byId.get(id)!.uses) {
      if (!byId.has(u)) problems.push(`definitions[${byId.get(id)!.index}]: uses subgraph "${u.slice(0, 64)}", which is not in the file`);
      else visit(u, [...chain, id]);
    }
    state.set(id, 'done');
    order.push(id);
  };
  for (const id of byId.keys()) visit(id, []);
  if (problems.length > 0) throw new DocumentError(problems);

  const read = new Map<string, SubgraphDef>();
  for (const id of order) {
    const { index, raw: d } = byId.get(id)!;
    const def = readDefinition(d, `definitions[${index}]`, withSubgraphs(base, [...read.values()]), problems);
    if (def) read.set(id, def);
  }
  if (problems.length > 0) throw new DocumentError(problems);
  // In the file's order.
  return [...byId.keys()].map((id) => read.get(id)!);
}

function readDefinition(d: Record<string, unknown>, path: string, registry: OpRegistry, problems: string[]): SubgraphDef | null {
  const before = problems.length;
  for (const k of Object.keys(d)) if (!DEF_FIELDS.has(k)) problems.push(`${path}: unexpected field "${k.slice(0, 32)}"`);
  if (typeof d.title !== 'string' || d.title.length === 0 || !isLabelText(d.title)) problems.push(`${path}.title: must be a line of text of at most ${DOCUMENT_LIMITS.labelLength} characters`);
  const nodes: GraphNode[] = [];
  const byId = new Map<string, GraphNode>();
  (d.nodes as unknown[]).forEach((n, i) => {
    const node = readNode(n, `${path}.nodes[${i}]`, registry, problems);
    if (!node) return;
    if (byId.has(node.id)) return problems.push(`${path}.nodes[${i}].id: "${node.id}" is used twice`);
    byId.set(node.id, node);
    nodes.push(node);
  });
  const edges: GraphEdge[] = [];
  const filled = new Set<string>();
  (d.edges as unknown[]).forEach((e, i) => {
    const edge = readEdge(e, `${path}.edges[${i}]`, problems);
    if (!edge) return;
    const src = byId.get(edge.from.node);
    const dst = byId.get(edge.to.node);
    if (!src || !dst) return problems.push(`${path}.edges[${i}]: refers to a step that is not in the subgraph`);
    const slot = `${edge.to.node}\u0000${edge.to.port}`;
    if (filled.has(slot)) return problems.push(`${path}.edges[${i}]: input "${edge.to.port}" of "${edge.to.node}" already has a connection`);
    const problem = portProblem(registry, src, dst, edge);
    if (problem) return problems.push(`${path}.edges[${i}]: ${problem}`);
    filled.add(slot);
    edges.push(edge);
  });
  const { cyclic } = topoOrder({ nodes, edges });
  if (cyclic.length > 0) problems.push(`${path}.edges: the connections form a cycle`);

  const port = (ref: PortRef, side: 'inputs' | 'outputs') => {
    const n = byId.get(ref.node);
    return n ? registry.get(n.op)?.[side].find((p) => p.name === ref.port) : undefined;
  };
  const names = new Set<string>();
  const list = (v: unknown, field: string): unknown[] => {
    if (!Array.isArray(v)) {
      problems.push(`${path}.${field}: must be a list`);
      return [];
    }
    if (v.length > DOCUMENT_LIMITS.interface) {
      problems.push(`${path}.${field}: more than ${DOCUMENT_LIMITS.interface} entries`);
      return [];
    }
    return v;
  };
  /** An interface entry's object, fields, name (once per kind) and label. */
  const header = (x: unknown, at: string, kind: 'in' | 'out' | 'param', fields: readonly string[]): x is Record<string, unknown> => {
    if (!isRecord(x)) {
      problems.push(`${at}: must be an object`);
      return false;
    }
    for (const k of Object.keys(x)) if (!fields.includes(k)) problems.push(`${at}: unexpected field "${k.slice(0, 32)}"`);
    if (typeof x.name !== 'string' || !ID.test(x.name) || x.name.length > DOCUMENT_LIMITS.idLength) {
      problems.push(`${at}.name: must be 1–${DOCUMENT_LIMITS.idLength} letters, digits or _ . : -`);
      return false;
    }
    if (x.label !== undefined && (typeof x.label !== 'string' || !isLabelText(x.label))) problems.push(`${at}.label: must be a short line of text`);
    if (names.has(`${kind}:${x.name}`)) {
      problems.push(`${at}.name: "${x.name}" is used twice`);
      return false;
    }
    names.add(`${kind}:${x.name}`);
    return true;
  };
  /** An input's or output's type, or null (said) when it is none. */
  const portType = (x: Record<string, unknown>, at: string): PortType | null => {
    if (PORT_TYPES.includes(x.type as PortType)) return x.type as PortType;
    problems.push(`${at}.type: must be one of ${PORT_TYPES.join(', ')}`);
    return null;
  };
  const inputs: SubgraphInput[] = [];
  list(d.inputs, 'inputs').forEach((x, i) => {
    const at = `${path}.inputs[${i}]`;
    if (!header(x, at, 'in', ['name', 'label', 'type', 'targets'])) return;
    const type = portType(x, at);
    if (!type) return;
    const raw = Array.isArray(x.targets) && x.targets.length > 0 && x.targets.length <= DOCUMENT_LIMITS.interface ? x.targets : null;
    if (!raw) return problems.push(`${at}.targets: must be a list of 1–${DOCUMENT_LIMITS.interface} inner inputs`);
    const targets: PortRef[] = [];
    for (const [j, t] of raw.entries()) {
      const ref = readRef(t);
      const spec = ref && port(ref, 'inputs');
      if (!ref || !spec) problems.push(`${at}.targets[${j}]: must name an input of a step in the subgraph`);
      else if (spec.type !== type) problems.push(`${at}.targets[${j}]: input "${ref.port}" of "${ref.node}" takes ${spec.type}, not ${type}`);
      else if (filled.has(`${ref.node}\u0000${ref.port}`)) problems.push(`${at}.targets[${j}]: input "${ref.port}" of "${ref.node}" already has a connection`);
      else {
        filled.add(`${ref.node}\u0000${ref.port}`);
        targets.push(ref);
      }
    }
    inputs.push({ name: x.name as string, ...(typeof x.label === 'string' && x.label ? { label: x.label } : {}), type, targets });
  });
  const outputs: SubgraphOutput[] = [];
  list(d.outputs, 'outputs').forEach((x, i) => {
    const at = `${path}.outputs[${i}]`;
    if (!header(x, at, 'out', ['name', 'label', 'type', 'from'])) return;
    const type = portType(x, at);
    if (!type) return;
    const ref = readRef(x.from);
    const spec = ref && port(ref, 'outputs');
    if (!ref || !spec) return problems.push(`${at}.from: must name an output of a step in the subgraph`);
    if (spec.type !== type) return problems.push(`${at}.from: output "${ref.port}" of "${ref.node}" gives ${spec.type}, not ${type}`);
    outputs.push({ name: x.name as string, ...(typeof x.label === 'string' && x.label ? { label: x.label } : {}), type, from: ref });
  });
  const params: SubgraphParam[] = [];
  const exposed = new Set<string>();
  list(d.params, 'params').forEach((x, i) => {
    const at = `${path}.params[${i}]`;
    if (!header(x, at, 'param', ['name', 'label', 'node', 'param'])) return;
    if (typeof x.label !== 'string' || !x.label) return problems.push(`${at}.label: must be a short line of text`);
    const node = typeof x.node === 'string' ? byId.get(x.node) : undefined;
    const op = node && registry.get(node.op);
    if (!node || !op || typeof x.param !== 'string' || !Object.hasOwn(op.params, x.param)) return problems.push(`${at}: must name a parameter of a step in the subgraph`);
    if (exposed.has(`${node.id}\u0000${x.param}`)) return problems.push(`${at}: parameter "${x.param}" of "${node.id}" is exposed twice`);
    exposed.add(`${node.id}\u0000${x.param}`);
    params.push({ name: x.name as string, label: x.label, node: node.id, param: x.param });
  });
  if (problems.length > before) return null;
  return { id: d.id as string, title: d.title as string, nodes, edges, inputs, outputs, params };
}

function readRef(r: unknown): PortRef | null {
  return isRecord(r) && typeof r.node === 'string' && typeof r.port === 'string' && r.node.length <= DOCUMENT_LIMITS.idLength && r.port.length <= DOCUMENT_LIMITS.idLength
    ? { node: r.node, port: r.port }
    : null;
}

/** How many steps the graph has once every instance is expanded (as `flatten` makes them). */
function flatSize(nodes: readonly GraphNode[], defs: readonly SubgraphDef[]): number {
  const byId = new Map(defs.map((d) => [d.id, d]));
  const memo = new Map<string, number>();
  const count = (list: readonly GraphNode[]): number => {
    let n = 0;
    for (const node of list) {
      const id = definitionIdOf(node.op);
      const def = id === null ? undefined : byId.get(id);
      if (!def) n += 1;
      else {
        let c = memo.get(def.id);
        if (c === undefined) memo.set(def.id, (c = count(def.nodes)));
        n += 1 + c;
      }
      if (n > DOCUMENT_LIMITS.flatNodes) return n;
    }
    return n;
  };
  return count(nodes);
}
