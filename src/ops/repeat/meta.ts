import { declareOp } from '../types';
import { REPEAT_PARAMS } from '../../engine/control';

// A control step: the scheduler carries it out (engine/control.ts), so it has no kernel.
export default declareOp({
  id: 'repeat',
  version: 1,
  title: 'Repeat',
  category: 'utility',
  description:
    'Applies its body again and again: the steps between the step wired into Image and the one wired into Body, each time to the previous result. N times, or until an iteration changes the image by less than ε (mean |Δ|), never more than Max iterations.',
  keywords: ['loop', 'iterate', 'converge', 'times', 'control'],
  inputs: [
    { name: 'image', type: 'image', label: 'Image' },
    { name: 'body', type: 'image', label: 'Body' },
  ],
  outputs: [{ name: 'image', type: 'image', label: 'Image' }],
  params: REPEAT_PARAMS,
  control: { kind: 'repeat', metric: 'mean-difference' },
});
