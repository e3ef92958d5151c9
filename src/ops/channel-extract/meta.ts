import { declareOp } from '../types';
import { rowLocal } from '../tiles';

export default declareOp({
  id: 'channel-extract',
  version: 1,
  title: 'Extract Channel',
  category: 'adjust',
  description:
    'Shows one channel (red, green, blue, alpha, or Rec. 709 luma) as a grey image. The result is fully opaque.',
  keywords: ['split', 'channel', 'alpha', 'mask', 'luma', 'separate'],
  inputs: [{ name: 'image', type: 'image' }],
  outputs: [{ name: 'image', type: 'image' }],
  tile: rowLocal,
  params: {
    channel: {
      kind: 'select',
      label: 'Channel',
      default: 'r',
      options: [
        { value: 'r', label: 'Red' },
        { value: 'g', label: 'Green' },
        { value: 'b', label: 'Blue' },
        { value: 'a', label: 'Alpha' },
        { value: 'luma', label: 'Luma (Rec. 709)' },
      ],
    },
  },
});
