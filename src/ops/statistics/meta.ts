import { declareOp } from '../types';

export default declareOp({
  id: 'statistics',
  version: 1,
  title: 'Statistics',
  category: 'analyze',
  description: 'Mean, minimum, maximum and standard deviation of one channel, on a 0–255 scale. The image passes through unchanged.',
  keywords: ['mean', 'average', 'min', 'max', 'stddev', 'brightness', 'measure'],
  inputs: [{ name: 'image', type: 'image' }],
  outputs: [
    { name: 'mean', type: 'number', label: 'Mean' },
    { name: 'min', type: 'number', label: 'Min' },
    { name: 'max', type: 'number', label: 'Max' },
    { name: 'stddev', type: 'number', label: 'Std. dev.' },
    { name: 'image', type: 'image', label: 'Image' },
  ],
  params: {
    channel: {
      kind: 'select',
      label: 'Channel',
      description: 'Brightness is Rec. 709 luma.',
      default: 'luma',
      options: [
        { value: 'luma', label: 'Brightness' },
        { value: 'r', label: 'Red' },
        { value: 'g', label: 'Green' },
        { value: 'b', label: 'Blue' },
        { value: 'a', label: 'Alpha' },
      ],
    },
  },
});
