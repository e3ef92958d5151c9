import { defineOp } from '../types';
import { stringParam } from '../image';
import { proxySize } from '../proxy';
import { resizeInWasm } from '../resize/wasm';
import { resizeImage } from '../resize/resample';

export default defineOp(
  {
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
  },
  async (_inputs, params, ctx) => {
    const id = stringParam(params, 'asset');
    if (!id) throw new Error('No image loaded: drop a file here or pick a sample');
    const image = ctx.assets?.get(id);
    if (!image) throw new Error(`The image ${id.slice(0, 8)}… is no longer available; load it again`);
    const proxy = ctx.proxy ? proxySize(image.width, image.height, ctx.proxy) : null;
    // The asset's own pixels: shared, never written (kernels do not write to their inputs).
    if (!proxy) return { image };
    // A proxy: bilinear reduction (its support widens with the reduction, so it averages like an
    // area filter), in WebAssembly where it can be.
    const small =
      (await resizeInWasm(image, proxy.width, proxy.height, 'bilinear', ctx)) ??
      resizeImage(image, proxy.width, proxy.height, 'bilinear', ctx);
    return { image: { ...small, scale: proxy.scale } };
  },
);
