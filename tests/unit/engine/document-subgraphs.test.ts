import { describe, expect, test } from 'vitest';
import { addNode, connect, emptyGraph, setParam, type Graph } from '../../../src/engine/graph';
import { DOCUMENT_VERSION, DocumentError, parseGraphDocument, serializeGraph } from '../../../src/engine/document';
import { addInstance, exposeParam, groupSteps } from '../../../src/engine/subgraph';
import { testRegistry as reg } from './fixtures';

function chain(): Graph {
  let g = addNode(emptyGraph, reg, { id: 'n', op: 'num', params: { value: 2 } });
  g = addNode(g, reg, { id: 's', op: 'scale', params: { factor: 3 } });
  g = addNode(g, reg, { id: 'a', op: 'add', params: { k: 1 } });
  g = connect(g, reg, { from: { node: 'n', port: 'out' }, to: { node: 's', port: 'x' } });
  return connect(g, reg, { from: { node: 's', port: 'out' }, to: { node: 'a', port: 'a' } });
}

/** n → instance of (s → a), with s's factor exposed and set to 4 on the instance. */
function grouped(): Graph {
  const { graph, instance } = groupSteps(chain(), reg, ['s', 'a'], { title: 'Scale and add' });
  return setParam(exposeParam(graph, reg, `${instance}/s`, 'factor'), reg, instance, 'factor', 4);
}

function problemsOf(doc: unknown): readonly string[] {
  try {
    parseGraphDocument(JSON.stringify(doc), reg);
  } catch (e) {
    if (e instanceof DocumentError) return e.problems;
    throw e;
  }
  throw new Error('expected the file to be refused');
}

function v2(graph: unknown): Record<string, unknown> {
  return { format: 'pipette-graph', version: 2, graph };
}

describe('graph files, version 2: subgraphs', () => {
  test('the current format is version 2', () => {
    expect(DOCUMENT_VERSION).toBe(2);
    expect(JSON.parse(serializeGraph(chain())).version).toBe(2);
  });

  test('a version 1 file opens through the migration, with no subgraphs', () => {
    const g = chain();
    const doc = parseGraphDocument(JSON.stringify({ format: 'pipette-graph', version: 1, graph: { nodes: g.nodes, edges: g.edges } }), reg);
    expect(doc.version).toBe(2);
    expect(doc.graph).toEqual(g);
  });

  test('a graph with subgraphs, nested, survives save and open unchanged', () => {
    const g1 = grouped();
    const inst = g1.nodes.find((n) => n.op.startsWith('subgraph:'))!.id;
    const { graph: g2 } = addInstance(g1, reg, g1.definitions![0]!.id);
    const outer = groupSteps(g2, reg, [inst]).graph;
    const doc = parseGraphDocument(serializeGraph(outer), reg);
    expect(doc.graph).toEqual(outer);
  });

  test('a definition that contains itself is refused', () => {
    const g = grouped();
    const def = g.definitions![0]!;
    const looped = { ...def, nodes: [...def.nodes, { id: 'me', op: `subgraph:${def.id}`, params: {} }] };
    expect(problemsOf(v2({ ...g, definitions: [looped] }))).toEqual([`definitions: subgraph "${def.id}" contains itself (${def.id} › ${def.id})`]);
  });

  test('an instance of a subgraph not in the file is refused', () => {
    expect(problemsOf(v2({ nodes: [{ id: 'x', op: 'subgraph:nope', params: {} }], edges: [] }))[0]).toMatch(/nodes\[0\]\.op: unknown operation "subgraph:nope"/);
  });

  test('hostile definitions get a message per problem, never a crash', () => {
    const g = grouped();
    const def = g.definitions![0]!;
    const hostile: unknown[] = [
      'not an object',
      { ...def, id: '../../etc' },
      { ...def, id: 'b', title: 'evil\u202etitle' },
      { ...def, id: 'c', inputs: [{ name: 'in', type: 'image', targets: [{ node: 's', port: 'x' }] }] },
      { ...def, id: 'd', outputs: [{ name: 'out', type: 'number', from: { node: 'ghost', port: 'out' } }] },
      { ...def, id: 'e', params: [{ name: 'f', label: 'F', node: 's', param: '__proto__' }] },
      { ...def, id: 'f', inputs: 'many' },
      { ...def, id: 'g', nodes: [{ id: 's', op: 'scale', params: { factor: 'huge' } }], edges: [] },
      { ...def, id: 'h', extra: 1 },
      { ...def, id: 'i', params: [{ name: 'f', label: 'F', node: 's', param: 'factor' }, { name: 'f', label: 'G', node: 'a', param: 'k' }] },
    ];
    for (const d of hostile) {
      const problems = problemsOf(v2({ nodes: [], edges: [], definitions: [d] }));
      expect(problems.length).toBeGreaterThan(0);
      for (const p of problems) expect(p).toMatch(/^definitions\[0\]/);
    }
    expect(problemsOf(v2({ nodes: [], edges: [], definitions: {} }))).toEqual(['graph.definitions: must be a list']);
    expect(problemsOf(v2({ nodes: [], edges: [], definitions: [def, def] }))).toEqual([`definitions[1].id: "${def.id}" is used twice`]);
  });

  test('an interface name used twice, or a port of no known type, is named in its entry', () => {
    const g = grouped();
    const def = g.definitions![0]!;
    const problems = (d: unknown) => problemsOf(v2({ nodes: [], edges: [], definitions: [d] }));
    const out = def.outputs[0]!;
    expect(problems({ ...def, outputs: [out, out] })).toEqual([`definitions[0].outputs[1].name: "${out.name}" is used twice`]);
    expect(problems({ ...def, outputs: [{ ...out, type: 'video' }] })).toEqual(['definitions[0].outputs[0].type: must be one of image, number, histogram']);
    const param = def.params[0]!;
    expect(problems({ ...def, params: [param, { ...param, param: 'k', node: 'a' }] })).toEqual([`definitions[0].params[1].name: "${param.name}" is used twice`]);
    // Inputs, outputs and parameters are named apart: one name may serve one of each.
    const shared = { ...def, inputs: def.inputs.map((i) => ({ ...i, name: out.name })), params: [{ ...param, name: out.name }] };
    expect(shared.inputs.length).toBe(1);
    expect(() => parseGraphDocument(JSON.stringify(v2({ nodes: [], edges: [], definitions: [shared] })), reg)).not.toThrow();
  });

  test('nesting that would expand to too many steps is refused', () => {
    // Ten instances of the level below, six levels deep: a million steps from a few dozen.
    const base = { id: 'l0', title: 'L0', nodes: [{ id: 'n', op: 'num', params: {} }], edges: [], inputs: [], outputs: [{ name: 'out', type: 'number', from: { node: 'n', port: 'out' } }], params: [] };
    const defs: unknown[] = [base];
    for (let i = 1; i <= 6; i++) {
      defs.push({ ...base, id: `l${i}`, title: `L${i}`, nodes: Array.from({ length: 10 }, (_, j) => ({ id: `i${j}`, op: `subgraph:l${i - 1}`, params: {} })), outputs: [{ name: 'out', type: 'number', from: { node: 'i0', port: 'out' } }] });
    }
    expect(problemsOf(v2({ nodes: [{ id: 'top', op: 'subgraph:l6', params: {} }], edges: [], definitions: defs }))).toEqual(['graph: its subgraphs expand to more than 20000 steps']);
  });
});
