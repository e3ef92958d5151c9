import { defineOp } from '../types';
import { stringParam } from '../image';
import { proxySize } from '../proxy';
import { resizeInWasm } from '../resize/wasm';
import { resizeImage } from '../resize/resample';
import meta from './meta';

export default defineOp(meta, async (_inputs, params, ctx) => {
  const id = stringParam(params, 'frame');
  if (!id) throw new Error('Waiting for the camera: allow access to it, or check that no other app holds it');
  const image = ctx.assets?.get(id);
  if (!image) throw new Error('This camera frame is gone (the camera stopped); it starts again when the tab is visible');
  const proxy = ctx.proxy ? proxySize(image.width, image.height, ctx.proxy) : null;
  // The frame's own pixels: shared, never written.
  if (!proxy) return { image };
  const small =
    (await resizeInWasm(image, proxy.width, proxy.height, 'bilinear', ctx)) ?? resizeImage(image, proxy.width, proxy.height, 'bilinear', ctx);
  return { image: { ...small, scale: proxy.scale } };
});
