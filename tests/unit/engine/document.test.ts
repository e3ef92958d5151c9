import { describe, expect, test } from 'vitest';
import { addNode, connect, emptyGraph, setBypass, type Graph } from '../../../src/engine/graph';
import { DOCUMENT_LIMITS, DocumentError, isLabelText, labelText, parseGraphDocument, readGraphFile, serializeGraph } from '../../../src/engine/document';
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
      /newer Pipette \(format version 7; this one reads up to 2\)/,
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

  test('a file at the step limit opens with every connection, and a bad one deep in it is named by its place', () => {
    const n = DOCUMENT_LIMITS.nodes;
    const nodes = [{ id: 'n0', op: 'num', params: { value: 1 } }, ...Array.from({ length: n - 1 }, (_, i) => ({ id: `s${i + 1}`, op: 'scale', params: {} }))];
    const edges = nodes.slice(1).map((node, i) => ({ from: { node: nodes[i]!.id, port: 'out' }, to: { node: node.id, port: 'x' } }));
    const doc = parseGraphDocument(docWith({ nodes, edges }), reg);
    expect(doc.graph.nodes).toHaveLength(n);
    expect(doc.graph.edges).toEqual(edges);
    const withHist = [...nodes, { id: 'h', op: 'hist', params: {} }].slice(1);
    const bad = [...edges.slice(1), { from: { node: 's1500', port: 'out' }, to: { node: 'h', port: 'h' } }, { from: { node: 'ghost', port: 'out' }, to: { node: 's2', port: 'x' } }];
    expect(problemsOf(docWith({ nodes: withHist, edges: bad }))).toEqual([
      `edges[${n - 2}]: Cannot connect Scale's number output to Histogram's histogram input "h"`,
      `edges[${n - 1}]: refers to a step that is not in the file`,
    ]);
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

// Labels made from outside text (a dropped file's name) must pass the format's own rule, or the
// autosave that holds them cannot be restored (issue 19).
describe('labels from outside text', () => {
  const hostile = [
    'photo\u202egnp.exe', // right-to-left override: shows as "photoexe.png"
    'two\nlines.png',
    'tab\there\r\n.png',
    '\u2066isolated\u2069 \u200fmarked\u200e.png',
    'nul\u0000 and c1\u0085 and del\u007f.png',
    'zero\u200bwidth\ufeff and tag\u{e0041}.png',
    'line\u2028separator\u2029.png',
    'lone \ud800 surrogate.png',
    `${'x'.repeat(199)}\u{1f600}tail.png`, // the cap falls inside an emoji
    ' '.repeat(300) + 'padded',
  ];

  // Test names in ASCII: a right-to-left override would garble the report too.
  const ascii = (t: string) => (t.length > 60 ? `${t.slice(0, 40)}...` : t).replace(/[^\x20-\x7e]/gu, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);

  test.each(hostile.map((h) => [ascii(h), h]))('"%s" becomes a label the format accepts', (_ascii, name) => {
    const label = labelText(name);
    expect(isLabelText(label)).toBe(true);
    expect(label.length).toBeLessThanOrEqual(DOCUMENT_LIMITS.labelLength);
    expect(label).not.toMatch(/[\p{Cc}\p{Zl}\p{Zp}\u202a-\u202e\u2066-\u2069\u200e\u200f\u200b\ufeff]/u);
    expect(label).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
    expect(label).toBe(label.trim());
  });

  test('what is taken out, and what stays', () => {
    expect(labelText('photo\u202egnp.exe')).toBe('photognp.exe');
    expect(labelText('two\nlines.png')).toBe('two lines.png');
    expect(labelText('a\r\n\r\nb')).toBe('a b');
    expect(labelText('  café.png  ')).toBe('café.png');
    // ZWJ joins an emoji sequence and reorders nothing: it stays.
    expect(labelText('family \u{1f468}\u200d\u{1f469}\u200d\u{1f467}.png')).toBe('family \u{1f468}\u200d\u{1f469}\u200d\u{1f467}.png');
    expect(labelText('\u202e\n\u0000')).toBe('');
  });

  test('long text is cut at the limit, never inside a surrogate pair', () => {
    expect(labelText('y'.repeat(500))).toBe('y'.repeat(200));
    const cut = labelText(`${'x'.repeat(199)}\u{1f600}tail`);
    expect(cut).toBe('x'.repeat(199));
  });

  test('a label that already passes is left exactly as it is', () => {
    for (const ok of ['Triple', 'coffee.png', 'Ünïcödé — 写真', 'a  b']) expect(labelText(ok)).toBe(ok);
  });

  test('a graph with hostile labels and name exports to a file that opens again, with clean labels', () => {
    let g = sample();
    hostile.forEach((label, i) => {
      g = addNode(g, reg, { id: `h${i}`, op: 'num', params: { value: i }, label });
    });
    const text = serializeGraph(g, 'my\u202e pipeline\n');
    const doc = parseGraphDocument(text, reg);
    expect(doc.name).toBe('my pipeline');
    expect(doc.graph.edges).toEqual(g.edges);
    // A label the format refuses is cleaned; one it accepts is written exactly as it is.
    const written = (label: string) => (isLabelText(label) ? label : labelText(label));
    expect(doc.graph.nodes.map((n) => n.label)).toEqual(g.nodes.map((n) => (n.label === undefined ? undefined : written(n.label))));
    expect(doc.graph.nodes.find((n) => n.id === 'h0')?.label).toBe('photognp.exe');
    expect(doc.graph.nodes.find((n) => n.id === 's')?.label).toBe('Triple');
    // And what came back saves and opens again unchanged.
    expect(parseGraphDocument(serializeGraph(doc.graph, doc.name), reg)).toEqual(doc);
  });
});

describe('graph files over the size limit', () => {
  test('are refused by their size, before any of the file is read', async () => {
    let reads = 0;
    const huge = {
      size: DOCUMENT_LIMITS.bytes + 1,
      text: async () => {
        reads++;
        return '';
      },
    };
    await expect(readGraphFile(huge)).rejects.toThrow('This file cannot be opened: it is larger than 5 MB');
    await expect(readGraphFile(huge)).rejects.toBeInstanceOf(DocumentError);
    expect(reads).toBe(0);
  });

  test('a file within the limit is read', async () => {
    const text = serializeGraph(sample());
    const file = new Blob([text]);
    expect(parseGraphDocument(await readGraphFile(file), reg).graph).toEqual(sample());
  });
});
