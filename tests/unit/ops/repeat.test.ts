import { describe, expect, test } from 'vitest';
import { addNode, connect, emptyGraph, type Graph } from '../../../src/engine/graph';
import { registry as reg } from '../../../src/ops/registry';
import boxBlur from '../../../src/ops/box-blur/kernel';
import { resolveParams } from '../../../src/engine/params';
import type { Params } from '../../../src/engine/op';
import type { Image } from '../../../src/ops/types';
import { ctx, sameBytes } from './helpers';
import { kernelScheduler, runGraph } from './graph-run';

/** gradient → box blur (the body) → repeat.body; gradient → repeat.image. */
function graph(params: Params): Graph {
  let g = addNode(emptyGraph, reg, { id: 'src', op: 'gradient', params: { width: 24, height: 9, kind: 'radial' } });
  g = addNode(g, reg, { id: 'blur', op: 'box-blur', params: { radius: 1 } });
  g = addNode(g, reg, { id: 'rep', op: 'repeat', params });
  const e = (a: string, ap: string, b: string, bp: string) => (g = connect(g, reg, { from: { node: a, port: ap }, to: { node: b, port: bp } }));
  e('src', 'image', 'blur', 'image');
  e('src', 'image', 'rep', 'image');
  e('blur', 'image', 'rep', 'body');
  return g;
}

async function blurTimes(img: Image, n: number): Promise<Image> {
  for (let i = 0; i < n; i++) img = (await boxBlur.kernel({ image: img }, resolveParams(boxBlur, { radius: 1 }), ctx())).image as Image;
  return img;
}

describe('repeat (declaration and real operations)', () => {
  test('N = 3 gives the body applied three times', async () => {
    const { scheduler, ran } = kernelScheduler();
    const last = await runGraph(scheduler, graph({ mode: 'count', count: 3 }));
    const expected = await blurTimes(last.get('src')!.outputs!.image as Image, 3);
    expect(sameBytes((last.get('rep')!.outputs!.image as Image).data, expected.data)).toBe(true);
    expect(ran.filter((n) => n === 'blur')).toHaveLength(3);
  });

  test('until converged measures each iteration with Mean difference and stops below ε', async () => {
    const { scheduler, ran } = kernelScheduler();
    const last = await runGraph(scheduler, graph({ mode: 'converge', epsilon: 0.5, maxIterations: 50 }));
    expect(last.get('rep')?.state).toBe('done');
    expect(last.get('rep')?.message).toMatch(/^Converged after \d+ iterations/);
    const n = ran.filter((id) => id === 'blur').length;
    expect(ran.filter((id) => id === 'rep')).toHaveLength(n); // one measure per iteration, run as the repeat's step
    expect(sameBytes((last.get('rep')!.outputs!.image as Image).data, (await blurTimes(last.get('src')!.outputs!.image as Image, n)).data)).toBe(true);
  });

  test('has no kernel, and measures change with an operation that exists', () => {
    const control = reg.get('repeat')?.control;
    expect(control?.kind).toBe('repeat');
    expect(reg.get(control?.kind === 'repeat' ? control.metric : '')?.id).toBe('mean-difference');
  });
});
