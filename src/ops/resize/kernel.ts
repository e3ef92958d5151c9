import { defineOp } from '../types';
import { imageInput, stringParam } from '../image';
import { checkOutputSize } from '../pixels';
import { resizeImage, type Filter } from './resample';
import { resizeInWasm } from './wasm';
import { targetSize } from './weights';
import meta from './meta';

export default defineOp(meta, async (inputs, params, ctx) => {
  const src = imageInput(inputs, 'image');
  // a band of a tiled step (see resizeBands) has some of the input's rows and makes rows of the output
  const band = ctx.tile?.rows;
  const inHeight = band ? band.inHeight : src.height;
  const [w, h] = targetSize(src.width, inHeight, params);
  checkOutputSize(w, h, 'The resized image', 'choose a smaller size');
  const filter = stringParam(params, 'filter') as Filter;
  // nearest (an exact pixel copy) and same size (an exact copy) stay in JS; the rest runs in
  // WebAssembly unless its ring of rows would be huge (extreme vertical-only shrink)
  if (filter !== 'nearest' && (w !== src.width || h !== inHeight)) {
    const image = await resizeInWasm(src, w, h, filter, ctx);
    if (image) return { image };
  }
  // resizeBands splits only what the WebAssembly path takes
  if (band) throw new Error('Resize was split into bands where it cannot be (nearest, same size or a huge ring of rows)');
  return { image: resizeImage(src, w, h, filter, ctx) };
});
