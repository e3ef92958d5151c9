import { declareOp } from '../types';
import { SWITCH_PARAMS } from '../../engine/control';

// A control step: the scheduler carries it out (engine/control.ts), so it has no kernel.
export default declareOp({
  id: 'switch',
  version: 1,
  title: 'Switch',
  category: 'utility',
  description:
    'Passes A or B on by comparing a condition (the Condition input, e.g. a Statistics mean, or Value) with a threshold. Only the picked input runs; steps that only feed the other are skipped.',
  keywords: ['if', 'condition', 'branch', 'choose', 'select', 'control'],
  inputs: [
    { name: 'a', type: 'image', label: 'A' },
    { name: 'b', type: 'image', label: 'B' },
    { name: 'condition', type: 'number', label: 'Condition', optional: true },
  ],
  outputs: [{ name: 'out', type: 'image', label: 'Image' }],
  params: SWITCH_PARAMS,
  control: { kind: 'switch' },
});
