import { describe, expect, test } from 'vitest';
import { addNode, connect, emptyGraph, setBypass, type Graph } from '../../../src/engine/graph';
import { DocumentError, parseGraphDocument, serializeGraph } from '../../../src/engine/document';
import { testRegistry as reg } from './fixtures';

function sample(): Graph {
  let g = addNode(emptyGraph, reg, { id: 'n', op: 'num', params: { value: 2 }, position: { x: 10, y: 20 } });
  g = addNode(g, reg, { id: 's', op: 'scale', params: { factor: 3 }, label: 'Triple' });
  g = connect(g, reg, { from: { node: 'n', port: 'out' }, to: { node: 's', port: 'x' } });
  return setBypass(g, 's', true);
}

function docWith(graph: unknown, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ format: 'pipette-graph', version: 1, graph, ...extra });
}

function problemsOf(text: string): readonly string[] {
  try {
    parseGraphDocument(text, reg);
  } catch (e) {
    if (e instanceof DocumentError) return e.problems;
    throw e;
  }
  throw new Error('expected the file to be refused');
}

describe('graph files', () => {
  test('a graph survives export and import unchanged', () => {
    const g = sample();
    const doc = parseGraphDocument(serializeGraph(g, 'My pipeline'), reg);
    expect(doc.graph).toEqual(g);
    expect(doc.name).toBe('My pipeline');
  });

  test('text that is not JSON is refused with a clear message', () => {
    expect(() => parseGraphDocument('{nope', reg)).toThrow(/cannot be opened: it is not valid JSON/);
  });

  test('a JSON file that is not a Pipette graph is refused', () => {
    expect(problemsOf('[1,2,3]')).toEqual(['it is not a Pipette graph (expected a JSON object)']);
    expect(problemsOf('{"format":"something-else"}')[0]).toMatch(/not a Pipette graph/);
  });

  test('a file from a newer version is refused naming both versions', () => {
    expect(problemsOf(JSON.stringify({ format: 'pipette-graph', version: 7, graph: { nodes: [], edges: [] } }))[0]).toMatch(
      /newer Pipette \(format version 7; this one reads up to 1\)/,
    );
  });

  test('an unknown operation is named', () => {
    expect(problemsOf(docWith({ nodes: [{ id: 'x', op: 'teleport', params: {} }], edges: [] }))).toEqual([
      'nodes[0].op: unknown operation "teleport"',
    ]);
  });

  test('a parameter of the wrong type is named with its step', () => {
    expect(problemsOf(docWith({ nodes: [{ id: 'n', op: 'num', params: { value: 'lots' } }], edges: [] }))).toEqual([
      'nodes[0].params: "Value" must be a number',
    ]);
  });

  test('an out-of-range parameter is clamped, not refused', () => {
    const doc = parseGraphDocument(docWith({ nodes: [{ id: 'n', op: 'num', params: { value: 1e9 } }], edges: [] }), reg);
    expect(doc.graph.nodes[0]!.params.value).toBe(1000);
  });

  test('a dangling edge is refused', () => {
    const text = docWith({ nodes: [{ id: 'n', op: 'num', params: {} }], edges: [{ from: { node: 'n', port: 'out' }, to: { node: 'ghost', port: 'x' } }] });
    expect(problemsOf(text)).toEqual(['edges[0]: refers to a step that is not in the file']);
  });

  test('an edge joining ports of different types is refused', () => {
    const text = docWith({
      nodes: [
        { id: 'n', op: 'num', params: {} },
        { id: 'h', op: 'hist', params: {} },
      ],
      edges: [{ from: { node: 'n', port: 'out' }, to: { node: 'h', port: 'h' } }],
    });
    expect(problemsOf(text)[0]).toMatch(/^edges\[0\]: Cannot connect Number's number output/);
  });

  test('a cycle is refused', () => {
    const text = docWith({
      nodes: [
        { id: 'p', op: 'scale', params: {} },
        { id: 'q', op: 'scale', params: {} },
      ],
      edges: [
        { from: { node: 'p', port: 'out' }, to: { node: 'q', port: 'x' } },
        { from: { node: 'q', port: 'out' }, to: { node: 'p', port: 'x' } },
      ],
    });
    expect(problemsOf(text)).toEqual(['edges: the connections form a cycle through "p", "q"']);
  });

  test('hostile strings are refused: markup-bearing ids, control characters, prototype keys', () => {
    const problems = problemsOf(
      JSON.stringify({
        format: 'pipette-graph',
        version: 1,
        graph: {
          nodes: [
            { id: '<img src=x onerror=alert(1)>', op: 'num', params: {} },
            { id: 'ok', op: 'num', params: {}, label: 'evil\u202eexe.png' },
            JSON.parse('{"id":"p","op":"num","params":{"__proto__":{"polluted":true}}}'),
          ],
          edges: [],
        },
      }),
    );
    expect(problems).toEqual([
      'nodes[0].id: must be 1–64 letters, digits or _ . : -',
      'nodes[1].label: must be a line of text of at most 200 characters',
      'nodes[2].params: Number has no parameter "__proto__"',
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('every problem in a file is reported, not just the first', () => {
    const text = docWith({ nodes: [{ id: 'a', op: 'nope' }, { id: 'a', op: 'num' }, { id: 'a', op: 'num' }], edges: [{ from: 1 }] });
    expect(problemsOf(text)).toHaveLength(3);
  });

  test('unexpected fields are refused rather than silently dropped', () => {
    expect(problemsOf(docWith({ nodes: [{ id: 'n', op: 'num', script: 'alert(1)' }], edges: [] }))).toEqual([
      'nodes[0]: unexpected field "script"',
    ]);
  });

  test('an oversized file is refused before parsing', () => {
    expect(problemsOf(' '.repeat(6 * 1024 * 1024))).toEqual(['it is larger than 5 MB']);
  });

  test('too many steps are refused', () => {
    const nodes = Array.from({ length: 2001 }, (_, i) => ({ id: `n${i}`, op: 'num' }));
    expect(problemsOf(docWith({ nodes, edges: [] }))).toEqual(['graph: more than 2000 steps']);
  });
});
