import { describe, expect, test } from 'vitest';
import { addNode, connect, emptyGraph, setBypass, setParam, type Graph } from '../../../src/engine/graph';
import { keyGraph, stepKey } from '../../../src/engine/keys';
import { canonicalParams, resolveParams } from '../../../src/engine/params';
import { hashText128 } from '../../../src/engine/hash';
import { registryOf } from '../../../src/engine/op';
import { testRegistry as reg, scaleOp, numOp, addOp, splitOp, checkOp } from './fixtures';

function keyOf(g: Graph, id: string, registry = reg): string | null {
  const s = keyGraph(g, registry).steps.get(id);
  return s?.ok ? s.key : null;
}

function chain(factor = 3): Graph {
  let g = addNode(emptyGraph, reg, { id: 'n', op: 'num', params: { value: 2 } });
  g = addNode(g, reg, { id: 's', op: 'scale', params: { factor } });
  g = addNode(g, reg, { id: 'a', op: 'add' });
  g = connect(g, reg, { from: { node: 'n', port: 'out' }, to: { node: 's', port: 'x' } });
  g = connect(g, reg, { from: { node: 's', port: 'out' }, to: { node: 'a', port: 'a' } });
  return g;
}

describe('canonical parameters', () => {
  test('the same parameters in any key order encode the same', () => {
    expect(canonicalParams({ a: 1, b: 'x', c: true })).toBe(canonicalParams({ c: true, b: 'x', a: 1 }));
  });

  test('minus zero and zero encode the same', () => {
    expect(canonicalParams({ a: -0 })).toBe(canonicalParams({ a: 0 }));
  });

  test('omitted parameters take their defaults, so {} and explicit defaults give one key', () => {
    const k1 = stepKey(scaleOp, resolveParams(scaleOp, {}), ['i']);
    const k2 = stepKey(scaleOp, resolveParams(scaleOp, { mode: 'plain', factor: 1 }), ['i']);
    expect(k1).toBe(k2);
  });

  test('values that differ only in type do not collide', () => {
    expect(canonicalParams({ a: 1 })).not.toBe(canonicalParams({ a: '1' }));
    expect(canonicalParams({ a: true })).not.toBe(canonicalParams({ a: 'true' }));
  });
});

describe('content keys', () => {
  test('the hash function gives the published MurmurHash3 x86 128 values', () => {
    expect(hashText128('')).toBe('00000000000000000000000000000000');
    expect(hashText128('The quick brown fox jumps over the lazy dog')).toBe('2f1583c3ecee2c675d7bf66ce5e91d2c');
    expect(hashText128('0123456789abcdef0')).toBe('1f8a385560920c06b5182f1c718c0b9c');
  });

  test('a key is pinned for a fixed step, so persisted caches stay valid across releases', () => {
    expect(stepKey(numOp, { value: 2 }, [])).toBe(stepKey(numOp, resolveParams(numOp, { value: 2 }), []));
    expect(stepKey(numOp, { value: 2 }, [])).toBe("28c101ef95f8ada657033fc4574922ac");
  });

  test('building the same graph twice gives the same keys', () => {
    expect(keyOf(chain(), 'a')).toBe(keyOf(chain(), 'a'));
  });

  test('changing a parameter changes the step key and every key below it, not above', () => {
    const g1 = chain(3);
    const g2 = setParam(g1, reg, 's', 'factor', 4);
    expect(keyOf(g2, 'n')).toBe(keyOf(g1, 'n'));
    expect(keyOf(g2, 's')).not.toBe(keyOf(g1, 's'));
    expect(keyOf(g2, 'a')).not.toBe(keyOf(g1, 'a'));
  });

  test("an operation's version is part of the key", () => {
    const v2 = registryOf([numOp, addOp, checkOp, splitOp, { ...scaleOp, version: 2 }]);
    expect(keyOf(chain(), 's', v2)).not.toBe(keyOf(chain(), 's'));
    expect(keyOf(chain(), 'n', v2)).toBe(keyOf(chain(), 'n'));
  });

  test('a bypassed step takes its input key, so what is below it keys as if it were not there', () => {
    const g = setBypass(chain(), 's', true);
    const keys = keyGraph(g, reg);
    const n = keys.steps.get('n')!;
    const s = keys.steps.get('s')!;
    expect(n.ok && s.ok).toBe(true);
    if (n.ok && s.ok) expect(s.key).toBe(n.outputs.get('out'));

    // The same graph without the bypassed step: n → a directly.
    let direct = addNode(emptyGraph, reg, { id: 'n', op: 'num', params: { value: 2 } });
    direct = addNode(direct, reg, { id: 'a', op: 'add' });
    direct = connect(direct, reg, { from: { node: 'n', port: 'out' }, to: { node: 'a', port: 'a' } });
    expect(keyOf(g, 'a')).toBe(keyOf(direct, 'a'));
  });

  test('wiring an optional input changes the key', () => {
    let g = chain();
    const before = keyOf(g, 'a');
    g = addNode(g, reg, { id: 'z', op: 'num', params: { value: 0 } });
    g = connect(g, reg, { from: { node: 'z', port: 'out' }, to: { node: 'a', port: 'b' } });
    expect(keyOf(g, 'a')).not.toBe(before);
  });

  test('which output port an input comes from is part of the key', () => {
    let g = addNode(emptyGraph, reg, { id: 'n', op: 'num', params: { value: 2 } });
    g = addNode(g, reg, { id: 'sp', op: 'split' });
    g = addNode(g, reg, { id: 's', op: 'scale' });
    g = connect(g, reg, { from: { node: 'n', port: 'out' }, to: { node: 'sp', port: 'x' } });
    const pos = connect(g, reg, { from: { node: 'sp', port: 'pos' }, to: { node: 's', port: 'x' } });
    const neg = connect(g, reg, { from: { node: 'sp', port: 'neg' }, to: { node: 's', port: 'x' } });
    expect(keyOf(pos, 's')).not.toBe(keyOf(neg, 's'));
  });

  test('a step below an invalid step is not keyed and names the step that blocks it', () => {
    let g = addNode(emptyGraph, reg, { id: 's', op: 'scale' }); // input missing
    g = addNode(g, reg, { id: 'a', op: 'add' });
    g = connect(g, reg, { from: { node: 's', port: 'out' }, to: { node: 'a', port: 'a' } });
    const keys = keyGraph(g, reg);
    expect(keys.steps.get('s')).toMatchObject({ ok: false, message: 'Connect an input to "x"' });
    expect(keys.steps.get('a')).toMatchObject({ ok: false, blockedBy: 's' });
  });
});

describe('bypass of a step whose first output has another type', () => {
  test('the first output with a matching input passes through; the others give nothing', () => {
    const stats = registryOf([
      numOp,
      addOp,
      {
        id: 'stats',
        version: 1,
        title: 'Stats',
        category: 'analyze',
        description: '',
        inputs: [{ name: 'x', type: 'number' }],
        outputs: [
          { name: 'hist', type: 'histogram' },
          { name: 'x', type: 'number' },
        ],
        params: {},
      },
    ]);
    let g = addNode(emptyGraph, stats, { id: 'n', op: 'num', params: { value: 1 } });
    g = addNode(g, stats, { id: 'st', op: 'stats', bypass: true });
    g = connect(g, stats, { from: { node: 'n', port: 'out' }, to: { node: 'st', port: 'x' } });
    const st = keyGraph(g, stats).steps.get('st')!;
    expect(st.ok && st.passThrough).toEqual({ input: 'x', output: 'x' });
    expect(st.ok && [...st.outputs.keys()]).toEqual(['x']);
  });
});

describe('proxy keys', () => {
  test('every step has a proxy key distinct from its full key and from other proxy levels; full keys are unchanged', () => {
    const g = chain();
    const full = keyGraph(g, reg);
    const proxy = keyGraph(g, reg, { proxy: 1 << 20 });
    const other = keyGraph(g, reg, { proxy: 1 << 18 });
    expect(full.proxy).toBe(0);
    expect(proxy.proxy).toBe(1 << 20);
    expect(keyGraph(g, reg, { proxy: 0 }).steps.get('a')).toEqual(full.steps.get('a'));
    for (const id of ['n', 's', 'a']) {
      const f = full.steps.get(id)!;
      const p = proxy.steps.get(id)!;
      const o = other.steps.get(id)!;
      if (!f.ok || !p.ok || !o.ok) throw new Error('expected keyed steps');
      expect(new Set([f.key, p.key, o.key]).size).toBe(3);
    }
  });

  test('proxy keys follow edits like full keys: an edit changes the proxy keys it changes at full resolution', () => {
    const k = (g: Graph, id: string) => {
      const s = keyGraph(g, reg, { proxy: 4096 }).steps.get(id);
      return s?.ok ? s.key : null;
    };
    const a = chain(3);
    const b = chain(4);
    expect(k(a, 'n')).toBe(k(b, 'n'));
    expect(k(a, 's')).not.toBe(k(b, 's'));
    expect(k(a, 'a')).not.toBe(k(b, 'a'));
    // a bypassed step passes its input's proxy key through
    const by = setBypass(a, 's', true);
    const n = keyGraph(by, reg, { proxy: 4096 }).steps.get('n');
    expect(n?.ok && k(by, 's') === n.outputs.get('out')).toBe(true);
  });
});
