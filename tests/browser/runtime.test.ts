// The runtime's per-step snapshot: what the editor's nodes, the panels and window.pipette.steps()
// all read. Unchanged steps keep their objects (readers compare by identity).

import { afterEach, expect, test } from 'vitest';
import { MemoryStore } from '../../src/engine';
import { valueBytes } from '../../src/ops/image';
import type { Value } from '../../src/ops/types';
import { Runtime } from '../../src/app/runtime';

let rt: Runtime | null = null;
afterEach(() => {
  rt?.dispose();
  rt = null;
});

function runtime(): Runtime {
  const store = new MemoryStore<Value>({ budgetBytes: 1 << 28, sizeOf: (o) => Object.values(o).reduce<number>((s, v) => s + valueBytes(v), 0) });
  rt = new Runtime({ store, poolSize: 1, debounceMs: 0 });
  return rt;
}

const doc = {
  format: 'pipette-graph',
  version: 1,
  graph: {
    nodes: [
      { id: 'src', op: 'gradient', params: { width: 32, height: 24, kind: 'linear', angle: 30 } },
      { id: 'inv', op: 'invert', params: {}, label: 'Negative' },
      { id: 'fill', op: 'fill', params: { width: 8, height: 6, color: '#336699' } },
      { id: 'gray', op: 'grayscale', params: {} },
    ],
    edges: [
      { from: { node: 'src', port: 'image' }, to: { node: 'inv', port: 'image' } },
      { from: { node: 'fill', port: 'image' }, to: { node: 'gray', port: 'image' } },
    ],
  },
};

test('a snapshot per step: state, title, size, preview; the same objects while nothing changes', async () => {
  const r = runtime();
  r.loadGraphText(JSON.stringify(doc));
  await r.live.whenIdle();
  const a = r.snapshot();
  expect([...a.keys()]).toEqual(['src', 'inv', 'fill', 'gray']);
  const inv = a.get('inv')!;
  expect(inv).toMatchObject({ op: 'invert', title: 'Negative', state: 'done', size: { width: 32, height: 24 }, proxy: false, bypass: false, message: null });
  expect(inv.thumbnail).not.toBeNull();
  expect(a.get('gray')!.title).toBe('Grayscale');
  expect(r.snapshot()).toBe(a);

  // A change upstream of one branch: its steps get new snapshots.
  r.setParam('src', 'angle', 60);
  await r.live.whenIdle();
  const b = r.snapshot();
  expect(b).not.toBe(a);
  expect(b.get('src')).not.toBe(a.get('src'));
  expect(b.get('inv')!.key).not.toBe(inv.key);
  // The other branch was served from the cache this time (state 'cached'); once more, and nothing
  // about it changes: the same objects.
  expect(b.get('fill')!.state).toBe('cached');
  r.setParam('src', 'angle', 90);
  await r.live.whenIdle();
  const c = r.snapshot();
  expect(c.get('inv')).not.toBe(b.get('inv'));
  expect(c.get('fill')).toBe(b.get('fill'));
  expect(c.get('gray')).toBe(b.get('gray'));
});

test('steps() reports from the same snapshot, with the fields the API documents', async () => {
  const r = runtime();
  r.loadGraphText(JSON.stringify(doc));
  await r.live.whenIdle();
  const report = r.report();
  const snap = r.snapshot();
  expect(report.map((s) => s.id)).toEqual([...snap.keys()]);
  for (const s of report) {
    expect(Object.keys(s).sort()).toEqual(['cached', 'durationMs', 'id', 'key', 'message', 'needsInput', 'op', 'proxy', 'size', 'state', 'updating', 'warning']);
    const full = snap.get(s.id)!;
    for (const k of Object.keys(s) as (keyof typeof s)[]) expect(s[k]).toBe(full[k]);
  }
});

test('a live source lays its parameters over the graph: only what is below recomputes, and nothing enters the history or the saved graph', async () => {
  const r = runtime();
  r.loadGraphText(JSON.stringify(doc));
  await r.live.whenIdle();
  const before = r.snapshot();
  const saved = r.exportGraphText();
  const past = r.history.past.length;
  const runs = r.kernelRuns;
  r.setLive('timer:t', { node: 'src', params: { angle: 75 }, volatile: true });
  await r.live.whenIdle();
  const after = r.snapshot();
  expect(after.get('inv')!.key).not.toBe(before.get('inv')!.key);
  expect(after.get('gray')!.key).toBe(before.get('gray')!.key);
  expect(r.kernelRuns - runs).toBe(2); // the gradient and the invert; the other branch is not computed again
  expect(r.liveGraph.nodes.find((n) => n.id === 'src')!.params.angle).toBe(75);
  expect(r.graph.nodes.find((n) => n.id === 'src')!.params.angle).toBe(30);
  expect(r.history.past.length).toBe(past);
  expect(r.exportGraphText()).toBe(saved);
  // An edit meanwhile keeps the overlay; removing it brings the step's own value back.
  r.setParam('fill', 'color', '#112233');
  expect(r.liveGraph.nodes.find((n) => n.id === 'src')!.params.angle).toBe(75);
  r.setLive('timer:t', null);
  await r.live.whenIdle();
  expect(r.snapshot().get('inv')!.key).toBe(before.get('inv')!.key);
});
