import { describe, expect, test } from 'vitest';
import { addNode, connect, emptyGraph, type Graph } from '../../../src/engine/graph';
import { registry as reg } from '../../../src/ops/registry';
import type { Image } from '../../../src/ops/types';
import { kernelScheduler, runGraph } from './graph-run';

/** A grey source measured by Statistics; the switch picks Invert (A) when the mean is above the threshold, else the source itself through Grayscale (B). */
function graph(grey: string, threshold: number): Graph {
  let g = addNode(emptyGraph, reg, { id: 'src', op: 'fill', params: { width: 8, height: 4, color: grey } });
  g = addNode(g, reg, { id: 'stats', op: 'statistics', params: {} });
  g = addNode(g, reg, { id: 'inv', op: 'invert', params: {} });
  g = addNode(g, reg, { id: 'gray', op: 'grayscale', params: {} });
  g = addNode(g, reg, { id: 'sw', op: 'switch', params: { threshold } });
  const e = (a: string, ap: string, b: string, bp: string) => (g = connect(g, reg, { from: { node: a, port: ap }, to: { node: b, port: bp } }));
  e('src', 'image', 'stats', 'image');
  e('src', 'image', 'inv', 'image');
  e('src', 'image', 'gray', 'image');
  e('inv', 'image', 'sw', 'a');
  e('gray', 'image', 'sw', 'b');
  e('stats', 'mean', 'sw', 'condition');
  return g;
}

describe('switch (declaration and real operations)', () => {
  test('picks A on a bright image, by its Statistics mean, and never runs B', async () => {
    const { scheduler, ran } = kernelScheduler();
    const last = await runGraph(scheduler, graph('#c8c8c8', 128));
    expect(last.get('sw')?.state).toBe('done');
    expect((last.get('sw')?.outputs?.out as Image).data[0]).toBe(255 - 200);
    expect(ran).not.toContain('gray');
    expect(last.get('gray')?.state).toBe('skipped');
  });

  test('picks B on a dark image, and the unpicked Invert is skipped', async () => {
    const { scheduler, ran } = kernelScheduler();
    const last = await runGraph(scheduler, graph('#202020', 128));
    expect((last.get('sw')?.outputs?.out as Image).data[0]).toBe(0x20);
    expect(ran).not.toContain('inv');
    expect(last.get('inv')?.state).toBe('skipped');
  });

  test('warns when the mean is within 1 % of the threshold', async () => {
    const { scheduler } = kernelScheduler();
    const last = await runGraph(scheduler, graph('#808080', 127));
    expect(last.get('sw')?.warning).toMatch(/within 1 %/);
  });

  test('has no kernel: the scheduler carries it out', () => {
    expect(reg.get('switch')?.control).toEqual({ kind: 'switch' });
  });
});
