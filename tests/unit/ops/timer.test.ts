import { describe, expect, test } from 'vitest';
import timer from '../../../src/ops/timer/kernel';
import meta from '../../../src/ops/timer/meta';
import { defaultParams } from '../../../src/engine/params';
import { ctx } from './helpers';

describe('timer', () => {
  test('computes nothing itself: the app moves its target parameter', async () => {
    expect(await timer.kernel({}, defaultParams(meta), ctx())).toEqual({});
  });

  test('its target step and parameter are chosen from the graph, the parameter from the step chosen', () => {
    expect(meta.params.target.choices).toEqual({ kind: 'step' });
    expect(meta.params.param.choices).toEqual({ kind: 'number-param', of: 'target' });
  });
});
