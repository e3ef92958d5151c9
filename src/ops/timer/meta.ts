import { declareOp } from '../types';
import { TIMER_PARAMS } from '../../engine/live-sources';

// A live source with no ports: while it plays (src/app/live-sources.ts) it moves one number
// parameter of another step along a curve, tick by tick, without undo steps; what is computed
// under it is volatile (memory only). It computes nothing itself.
export default declareOp({
  id: 'timer',
  version: 1,
  title: 'Timer',
  category: 'source',
  description:
    'Animates a number parameter of another step over time: pick the step and parameter, a curve, its range and period, then Play. A tick that comes while the last one is still computing is dropped.',
  keywords: ['animate', 'animation', 'time', 'clock', 'sweep', 'oscillate', 'live'],
  inputs: [],
  outputs: [],
  params: TIMER_PARAMS,
  live: { kind: 'timer' },
});
