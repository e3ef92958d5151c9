import { defineOp } from '../types';
import { stringParam } from '../image';
import { proxySize } from '../proxy';
import { resizeInWasm } from '../resize/wasm';
import { resizeImage } from '../resize/resample';
import meta from './meta';

export default defineOp(meta, async (_inputs, params, ctx) => {
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
});
