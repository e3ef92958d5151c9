import { declareOp } from '../types';

export default declareOp({
  id: 'image-source',
  version: 1,
  title: 'Image',
  category: 'source',
  description: 'A loaded image: drop a file, paste one or pick a sample. While a slider is dragged it gives a reduced proxy.',
  keywords: ['load', 'file', 'open', 'input', 'photo', 'picture'],
  inputs: [],
  outputs: [{ name: 'image', type: 'image' }],
  params: {
    asset: {
      kind: 'string',
      label: 'Image',
      description: 'The hash of the loaded pixels; set by loading a file.',
      default: '',
      maxLength: 64,
      pattern: /^(?:[0-9a-f]{32})?$/,
      asset: true,
    },
  },
});
