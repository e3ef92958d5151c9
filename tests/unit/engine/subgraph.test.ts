import { describe, expect, test } from 'vitest';
import { addNode, addStepAfter, connect, duplicateNodes, removeNodes, emptyGraph, setBypass, setParam, validateGraph, type Graph } from '../../../src/engine/graph';
import { keyGraph } from '../../../src/engine/keys';
import { Scheduler, type SchedulerEvent, type StepEvent } from '../../../src/engine/scheduler';
import {
  SubgraphError,
  addInstance,
  exposeParam,
  flatten,
  groupSteps,
  insideView,
  editInside,
  moveAt,
  toggleBypassAt,
  pruneDefinitions,
  renameSubgraph,
  setParamAt,
  unexposeParam,
  ungroupStep,
  withSubgraphs,
  type SubgraphDef,
} from '../../../src/engine/subgraph';
import { numOp, testExecutor, testRegistry as reg } from './fixtures';
import { registryOf } from '../../../src/engine/op';

/** n(2) → s(×3) → a(+1) → t(×2). */
function chain(): Graph {
  let g = addNode(emptyGraph, reg, { id: 'n', op: 'num', params: { value: 2 }, position: { x: 0, y: 0 } });
  g = addNode(g, reg, { id: 's', op: 'scale', params: { factor: 3 }, position: { x: 200, y: 0 } });
  g = addNode(g, reg, { id: 'a', op: 'add', params: { k: 1 }, position: { x: 400, y: 0 } });
  g = addNode(g, reg, { id: 't', op: 'scale', params: { factor: 2 }, position: { x: 600, y: 0 } });
  g = connect(g, reg, { from: { node: 'n', port: 'out' }, to: { node: 's', port: 'x' } });
  g = connect(g, reg, { from: { node: 's', port: 'out' }, to: { node: 'a', port: 'a' } });
  g = connect(g, reg, { from: { node: 'a', port: 'out' }, to: { node: 't', port: 'x' } });
  return g;
}

function keysOf(g: Graph): Map<string, string> {
  const flat = flatten(g, reg).graph;
  const out = new Map<string, string>();
  for (const [id, s] of keyGraph(flat, withSubgraphs(reg, g)).steps) if (s.ok) out.set(id, s.key);
  return out;
}

async function values(g: Graph): Promise<Map<string, number>> {
  const events: SchedulerEvent<number>[] = [];
  const sched = new Scheduler({ registry: withSubgraphs(reg, []), executor: testExecutor() });
  await sched.run(flatten(g, reg).graph, { onEvent: (e) => events.push(e) }).done;
  const out = new Map<string, number>();
  for (const e of events) if (e.type === 'step' && (e as StepEvent<number>).outputs) out.set(e.node, (e as StepEvent<number>).outputs!.out as number);
  return out;
}

describe('grouping', () => {
  test('grouping steps keeps every key: the flattened graph is the graph it was', () => {
    const g = chain();
    const { graph, instance } = groupSteps(g, reg, ['s', 'a']);
    const before = keysOf(g);
    const after = keysOf(graph);
    expect(after.get(`${instance}/s`)).toBe(before.get('s'));
    expect(after.get(`${instance}/a`)).toBe(before.get('a'));
    expect(after.get('t')).toBe(before.get('t'));
    // The instance itself keys as its first output passed through.
    expect(after.get(instance)).toBe(`${before.get('a')}.out`);
    expect(validateGraph(graph, reg)).toEqual([]);
  });

  test('wires across the selection become a typed interface', () => {
    const { graph, definition, instance } = groupSteps(chain(), reg, ['s', 'a']);
    const def = graph.definitions!.find((d) => d.id === definition)!;
    expect(def.inputs).toEqual([{ name: 'in', type: 'number', targets: [{ node: 's', port: 'x' }] }]);
    expect(def.outputs).toEqual([{ name: 'out', type: 'number', from: { node: 'a', port: 'out' } }]);
    expect(graph.edges).toContainEqual({ from: { node: 'n', port: 'out' }, to: { node: instance, port: 'in' } });
    expect(graph.edges).toContainEqual({ from: { node: instance, port: 'out' }, to: { node: 't', port: 'x' } });
    expect(graph.nodes.map((n) => n.id)).toEqual(['n', instance, 't']);
  });

  test('a group that nothing outside reads shows its last step', () => {
    const { graph, definition } = groupSteps(chain(), reg, ['a', 't']);
    expect(graph.definitions!.find((d) => d.id === definition)!.outputs).toEqual([{ name: 'out', type: 'number', from: { node: 't', port: 'out' } }]);
  });

  test('a selection a wire leaves and comes back to is refused', () => {
    expect(() => groupSteps(chain(), reg, ['s', 't'])).toThrow(/leaves them and comes back/);
  });

  test('a live source (camera, timer) is not grouped', () => {
    const live = registryOf([...reg.all(), { ...numOp, id: 'cam', title: 'Camera', live: { kind: 'camera' } }]);
    const g = addNode(chain(), live, { id: 'c', op: 'cam' });
    expect(() => groupSteps(g, live, ['c', 's'])).toThrow(/Camera step cannot go into a subgraph/);
  });

  test('the grouped graph computes the same values', async () => {
    const g = chain();
    const { graph, instance } = groupSteps(g, reg, ['s', 'a']);
    const a = await values(g);
    const b = await values(graph);
    expect(b.get('t')).toBe(a.get('t'));
    expect(b.get(`${instance}/s`)).toBe(6);
    expect(b.get(instance)).toBe(7);
  });

  test('ungrouping puts the steps back with the instance values of their exposed parameters', () => {
    const g = chain();
    const grouped = groupSteps(g, reg, ['s', 'a']);
    let h = exposeParam(grouped.graph, reg, `${grouped.instance}/s`, 'factor');
    h = setParam(h, reg, grouped.instance, 'factor', 4);
    const { graph, ids } = ungroupStep(h, reg, grouped.instance);
    expect(ids.sort()).toEqual(['a', 's']);
    expect(graph.definitions).toBeUndefined();
    expect(graph.nodes.find((n) => n.id === 's')!.params.factor).toBe(4);
    // Back to the original, but for the one value changed on the instance.
    expect(keysOf(graph)).toEqual(keysOf(setParam(g, reg, 's', 'factor', 4)));
  });

  test('group then ungroup gives the same steps, wires and keys', () => {
    const g = chain();
    const { graph, instance } = groupSteps(g, reg, ['s', 'a']);
    const back = ungroupStep(graph, reg, instance).graph;
    expect(new Set(back.nodes.map((n) => n.id))).toEqual(new Set(g.nodes.map((n) => n.id)));
    expect(new Set(back.edges.map((e) => JSON.stringify(e)))).toEqual(new Set(g.edges.map((e) => JSON.stringify(e))));
    expect(keysOf(back)).toEqual(keysOf(g));
  });
});

describe('flattening', () => {
  test('inner steps get namespaced ids and the instance wiring', () => {
    const { graph, instance } = groupSteps(chain(), reg, ['s', 'a']);
    const flat = flatten(graph, reg).graph;
    expect(flat.nodes.map((n) => n.id).sort()).toEqual(['n', 't', instance, `${instance}/a`, `${instance}/s`].sort());
    expect(flat.edges).toContainEqual({ from: { node: 'n', port: 'out' }, to: { node: `${instance}/s`, port: 'x' } });
    expect(flat.edges).toContainEqual({ from: { node: `${instance}/a`, port: 'out' }, to: { node: 't', port: 'x' } });
    expect(flat.definitions).toBeUndefined();
  });

  test('two identical instances on the same input share every key', () => {
    const g0 = chain();
    const { graph: g1, instance: i1, definition } = groupSteps(g0, reg, ['s', 'a']);
    let { graph: g, id: i2 } = addInstance(g1, reg, definition);
    g = connect(g, reg, { from: { node: 'n', port: 'out' }, to: { node: i2, port: 'in' } });
    const k = keysOf(g);
    expect(k.get(`${i2}/s`)).toBe(k.get(`${i1}/s`));
    expect(k.get(`${i2}/a`)).toBe(k.get(`${i1}/a`));
    expect(k.get(i2)).toBe(k.get(i1));
  });

  test('an exposed parameter changed on one instance changes only its keys', () => {
    const { graph: g1, instance: i1, definition } = groupSteps(chain(), reg, ['s', 'a']);
    let { graph: g, id: i2 } = addInstance(g1, reg, definition);
    g = connect(g, reg, { from: { node: 'n', port: 'out' }, to: { node: i2, port: 'in' } });
    g = exposeParam(g, reg, `${i1}/a`, 'k');
    const before = keysOf(g);
    const after = keysOf(setParam(g, reg, i2, 'k', 5));
    expect(after.get(`${i1}/a`)).toBe(before.get(`${i1}/a`));
    expect(after.get(i1)).toBe(before.get(i1));
    expect(after.get(`${i2}/s`)).toBe(before.get(`${i2}/s`));
    expect(after.get(`${i2}/a`)).not.toBe(before.get(`${i2}/a`));
    expect(after.get(i2)).not.toBe(before.get(i2));
  });

  test('exposing a parameter changes no key; each instance starts with the inner value', () => {
    const { graph, instance } = groupSteps(chain(), reg, ['s', 'a']);
    const exposed = exposeParam(graph, reg, `${instance}/s`, 'factor');
    expect(keysOf(exposed)).toEqual(keysOf(graph));
    expect(exposed.nodes.find((n) => n.id === instance)!.params.factor).toBe(3);
    expect(withSubgraphs(reg, exposed).get(exposed.nodes.find((n) => n.id === instance)!.op)!.params.factor!.label).toBe('Scale: Factor');
    expect(unexposeParam(exposed, `${instance}/s`, 'factor')).toEqual(graph);
  });

  test('an exposed parameter set drilled in goes to the instance; another goes to the definition', () => {
    const { graph: g1, instance: i1, definition } = groupSteps(chain(), reg, ['s', 'a']);
    let { graph: g, id: i2 } = addInstance(g1, reg, definition);
    g = exposeParam(g, reg, `${i1}/s`, 'factor');
    const a = setParamAt(g, reg, `${i1}/s`, 'factor', 5);
    expect(a.nodes.find((n) => n.id === i1)!.params.factor).toBe(5);
    expect(a.nodes.find((n) => n.id === i2)!.params.factor).toBe(3);
    const b = setParamAt(g, reg, `${i1}/a`, 'k', 9);
    expect(flatten(b, reg).steps.get(`${i1}/a`)!.params.k).toBe(9);
    expect(flatten(b, reg).steps.get(`${i2}/a`)!.params.k).toBe(9);
    expect(insideView(a, reg, i1)!.nodes.find((n) => n.id === `${i1}/s`)!.params.factor).toBe(5);
  });

  test('instances nest: a group holding an instance flattens with paths', async () => {
    const g = chain();
    const inner = groupSteps(g, reg, ['s', 'a']);
    const outer = groupSteps(inner.graph, reg, [inner.instance, 't']);
    const flat = flatten(outer.graph, reg);
    const ids = flat.graph.nodes.map((n) => n.id);
    expect(ids).toContain(`${outer.instance}/${inner.instance}/s`);
    expect(ids).toContain(`${outer.instance}/t`);
    const k = keysOf(outer.graph);
    expect(k.get(`${outer.instance}/t`)).toBe(keysOf(g).get('t'));
    expect((await values(outer.graph)).get(outer.instance)).toBe(14);
    expect(validateGraph(outer.graph, reg)).toEqual([]);
  });

  test('a parameter exposed through two levels is set on the outer instance, drilled in at any depth', () => {
    const inner = groupSteps(chain(), reg, ['s', 'a']);
    let g = exposeParam(inner.graph, reg, `${inner.instance}/s`, 'factor');
    const outer = groupSteps(g, reg, [inner.instance, 't']);
    g = exposeParam(outer.graph, reg, `${outer.instance}/${inner.instance}`, 'factor');
    const set = setParamAt(g, reg, `${outer.instance}/${inner.instance}/s`, 'factor', 7);
    expect(set.nodes.find((n) => n.id === outer.instance)!.params.factor).toBe(7);
    expect(flatten(set, reg).steps.get(`${outer.instance}/${inner.instance}/s`)!.params.factor).toBe(7);
    const view = insideView(set, reg, `${outer.instance}/${inner.instance}`)!;
    expect(view.nodes.map((n) => n.id)).toEqual([`${outer.instance}/${inner.instance}/s`, `${outer.instance}/${inner.instance}/a`]);
    expect(view.nodes[0]!.params.factor).toBe(7);
    // Bypassed inside, in the definition: for every instance.
    const bypassed = toggleBypassAt(set, reg, `${outer.instance}/${inner.instance}/a`);
    expect(bypassed.definitions!.find((d) => d.id === inner.definition)!.nodes.find((n) => n.id === 'a')!.bypass).toBe(true);
    // Moved inside, the step moves in its definition: every instance's inside looks the same.
    const moved = moveAt(set, `${outer.instance}/${inner.instance}/a`, { x: 1, y: 2 });
    expect(moved.definitions!.find((d) => d.id === inner.definition)!.nodes.find((n) => n.id === 'a')!.position).toEqual({ x: 1, y: 2 });
  });

  test('renaming a subgraph names its definition: every instance, nested ones by their path, and no key changes', () => {
    const g = chain();
    const inner = groupSteps(g, reg, ['s', 'a']);
    const outer = groupSteps(inner.graph, reg, [inner.instance, 't']);
    const title = (gr: Graph, op: string) => withSubgraphs(reg, gr).get(op)?.title;
    const innerOp = inner.graph.nodes.find((n) => n.id === inner.instance)!.op;
    const outerOp = outer.graph.nodes.find((n) => n.id === outer.instance)!.op;
    // The nested instance, by its flattened id; the name cleaned as a file's labels are.
    const renamed = renameSubgraph(outer.graph, `${outer.instance}/${inner.instance}`, '  Tone\ncurve\u202e ');
    expect(title(renamed, innerOp)).toBe('Tone curve');
    expect(title(renamed, outerOp)).toBe(title(outer.graph, outerOp));
    expect(keysOf(renamed)).toEqual(keysOf(outer.graph));
    expect(title(renameSubgraph(renamed, outer.instance, 'Look'), outerOp)).toBe('Look');
    // The same name again changes nothing; no name, or a step that is not a subgraph, is refused.
    expect(renameSubgraph(renamed, `${outer.instance}/${inner.instance}`, 'Tone curve')).toBe(renamed);
    expect(() => renameSubgraph(renamed, outer.instance, ' \u200b ')).toThrow('A subgraph needs a name');
    expect(() => renameSubgraph(renamed, 'n', 'x')).toThrow('Only a subgraph step can be renamed');
  });

  test('a definition nothing uses any more is pruned, with those only it used', () => {
    const inner = groupSteps(chain(), reg, ['s', 'a']);
    const outer = groupSteps(inner.graph, reg, [inner.instance, 't']);
    expect(outer.graph.definitions).toHaveLength(2);
    expect(pruneDefinitions(outer.graph)).toBe(outer.graph);
    const gone = pruneDefinitions({ ...outer.graph, nodes: outer.graph.nodes.filter((n) => n.id !== outer.instance) });
    expect(gone.definitions).toBeUndefined();
  });

  test('a definition that contains itself is refused with a clear error', () => {
    const { graph, definition } = groupSteps(chain(), reg, ['s', 'a']);
    const def = graph.definitions![0]!;
    const loop: SubgraphDef = { ...def, nodes: [...def.nodes, { id: 'me', op: `subgraph:${definition}`, params: {} }] };
    const bad: Graph = { ...graph, definitions: [loop] };
    expect(() => flatten(bad, reg)).toThrow(SubgraphError);
    expect(() => flatten(bad, reg)).toThrow(/contains itself/);
  });

  test('a bypassed instance passes its input through', () => {
    const { graph, instance } = groupSteps(chain(), reg, ['s', 'a']);
    const k = keysOf(setBypass(graph, instance, true));
    expect(k.get('t')).toBe(keysOf(setBypass(setBypass(chain(), 's', true), 'a', true)).get('t'));
  });

  test('a duplicated instance uses the same definition, with its own exposed values', () => {
    const { graph, instance } = groupSteps(chain(), reg, ['s', 'a']);
    const exposed = setParam(exposeParam(graph, reg, `${instance}/s`, 'factor'), reg, instance, 'factor', 5);
    const { graph: g, ids } = duplicateNodes(exposed, reg, [instance]);
    const copy = g.nodes.find((n) => n.id === ids[0])!;
    expect(copy.op).toBe(exposed.nodes.find((n) => n.id === instance)!.op);
    expect(copy.params.factor).toBe(5);
    expect(g.definitions).toHaveLength(1);
    expect(validateGraph(connect(g, reg, { from: { node: 'n', port: 'out' }, to: { node: copy.id, port: 'in' } }), reg)).toEqual([]);
  });

  test('an instance of a definition the graph does not hold is an unknown step', () => {
    const g: Graph = { nodes: [{ id: 'x', op: 'subgraph:gone', params: {} }], edges: [] };
    expect(validateGraph(g, reg)).toEqual([{ node: 'x', message: 'Unknown operation "subgraph:gone"' }]);
    expect(() => flatten(g, reg)).toThrow(/not in the graph/);
  });

  test('wires into an instance are checked against its interface types', () => {
    const { graph, instance } = groupSteps(chain(), reg, ['s', 'a']);
    let g = addNode(graph, reg, { id: 'h', op: 'hist' });
    expect(() => connect(g, reg, { from: { node: instance, port: 'out' }, to: { node: 'h', port: 'h' } })).toThrow(/Cannot connect/);
    g = addNode(g, reg, { id: 'm', op: 'num' });
    expect(connect(g, reg, { from: { node: 'm', port: 'out' }, to: { node: instance, port: 'in' } }).edges).toContainEqual({
      from: { node: 'm', port: 'out' },
      to: { node: instance, port: 'in' },
    });
  });
});

describe('editing inside a subgraph', () => {
  test('a step added inside goes into the definition: every instance has it', () => {
    const { graph: g1, instance: i1, definition } = groupSteps(chain(), reg, ['s', 'a']);
    const { graph: g2, id: i2 } = addInstance(g1, reg, definition);
    let made = '';
    const g = editInside(g2, i1, (inner, local) => {
      const r = addStepAfter(inner, reg, 'scale', { after: local(`${i1}/a`) });
      made = r.id;
      return r.graph;
    });
    const flat = flatten(g, reg).steps;
    expect(flat.has(`${i1}/${made}`)).toBe(true);
    expect(flat.has(`${i2}/${made}`)).toBe(true);
  });

  test('removing the step an input feeds drops that input and the wires into it, on every instance', () => {
    const { graph, instance, definition } = groupSteps(chain(), reg, ['s', 'a']);
    const g = editInside(graph, instance, (inner, local) => removeNodes(inner, [local(`${instance}/s`)]));
    const def = g.definitions!.find((d) => d.id === definition)!;
    expect(def.inputs).toEqual([]);
    expect(g.edges.some((e) => e.to.node === instance)).toBe(false);
    expect(validateGraph(g, reg)).toEqual([]);
    // The inner step left unwired says so where it runs.
    expect(validateGraph(flatten(g, reg).graph, withSubgraphs(reg, g))).toContainEqual({ node: `${instance}/a`, message: 'Connect an input to "a"' });
  });

  test('removing the step an output comes from drops the output and the wires from it; an exposed parameter goes with its step', () => {
    const { graph, instance, definition } = groupSteps(chain(), reg, ['s', 'a']);
    const exposed = exposeParam(graph, reg, `${instance}/a`, 'k');
    const g = editInside(exposed, instance, (inner, local) => removeNodes(inner, [local(`${instance}/a`)]));
    const def = g.definitions!.find((d) => d.id === definition)!;
    expect(def.outputs).toEqual([]);
    expect(def.params).toEqual([]);
    expect(g.edges.some((e) => e.from.node === instance)).toBe(false);
    expect(g.nodes.find((n) => n.id === instance)!.params).toEqual({});
  });

  test('a wire made inside into an input the interface fed takes its place there', () => {
    const { graph, instance, definition } = groupSteps(chain(), reg, ['s', 'a']);
    let g = editInside(graph, instance, (inner) => addNode(inner, reg, { id: 'm', op: 'num', params: { value: 1 } }));
    g = editInside(g, instance, (inner, local) => connect(inner, reg, { from: { node: local(`${instance}/m`), port: 'out' }, to: { node: local(`${instance}/s`), port: 'x' } }));
    expect(g.definitions!.find((d) => d.id === definition)!.inputs).toEqual([]);
    expect(keysOf(g).get(`${instance}/s`)).toBe(keysOf(setParam(connect(addNode(chain(), reg, { id: 'm', op: 'num', params: { value: 1 } }), reg, { from: { node: 'm', port: 'out' }, to: { node: 's', port: 'x' } }), reg, 's', 'factor', 3)).get('s'));
  });

  test('a step of another level is refused, and so is a subgraph inside itself', () => {
    const inner = groupSteps(chain(), reg, ['s', 'a']);
    const outer = groupSteps(inner.graph, reg, [inner.instance, 't']);
    expect(() => editInside(outer.graph, outer.instance, (g, local) => removeNodes(g, [local('n')]))).toThrow(/no step "n" in this subgraph/);
    expect(() =>
      editInside(outer.graph, `${outer.instance}/${inner.instance}`, (g) => addNode(g, reg, { id: 'loop', op: `subgraph:${outer.definition}` })),
    ).toThrow(/cannot contain itself/);
  });
});
