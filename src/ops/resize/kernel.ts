import { defineOp, type Image } from '../types';
import { imageInput, numberParam, stringParam, boolParam } from '../image';
import { checkOutputSize } from '../pixels';
import { resizeImage, type Filter } from './resample';
import { resizeInWasm } from './wasm';
import meta from './meta';

function targetSize(src: Image, params: Readonly<Record<string, unknown>>): [number, number] {
  const fit = (v: number) => Math.max(1, Math.round(v));
  if (stringParam(params, 'mode') === 'scale') {
    const s = numberParam(params, 'scale') / 100;
    return [fit(src.width * s), fit(src.height * s)];
  }
  const w = numberParam(params, 'width');
  const h = numberParam(params, 'height');
  if (!boolParam(params, 'keepAspect')) return [w, h];
  // Fit inside the box, like ImageMagick's `-resize WxH`: the tighter side decides.
  const s = Math.min(w / src.width, h / src.height);
  return [fit(src.width * s), fit(src.height * s)];
}

export default defineOp(meta, async (inputs, params, ctx) => {
  const src = imageInput(inputs, 'image');
  const [w, h] = targetSize(src, params);
  checkOutputSize(w, h, 'The resized image', 'choose a smaller size');
  const filter = stringParam(params, 'filter') as Filter;
  // nearest (an exact pixel copy) and same size (an exact copy) stay in JS; the rest runs in
  // WebAssembly unless its ring of rows would be huge (extreme vertical-only shrink)
  if (filter !== 'nearest' && (w !== src.width || h !== src.height)) {
    const image = await resizeInWasm(src, w, h, filter, ctx);
    if (image) return { image };
  }
  return { image: resizeImage(src, w, h, filter, ctx) };
});
