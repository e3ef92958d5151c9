import { defineOp } from '../types';
import { createImage, numberParam, stringParam } from '../image';
import { checkOutputSize, forEachBand, parseColor } from '../pixels';
import meta from './meta';

export default defineOp(meta, (_inputs, params, ctx) => {
  const w = numberParam(params, 'width');
  const h = numberParam(params, 'height');
  const radial = stringParam(params, 'kind') === 'radial';
  const theta = (numberParam(params, 'angle') * Math.PI) / 180;
  const A = parseColor(stringParam(params, 'colorA'));
  const B = parseColor(stringParam(params, 'colorB'));
  checkOutputSize(w, h, 'The image', 'choose a smaller width or height');
  const out = createImage(w, h);
  const d = out.data;
  // Interpolate premultiplied, as CSS gradients do, so a fade to transparent keeps its hue.
  const aA = A[3], aB = B[3];
  const pA0 = (A[0] * aA) / 255, pA1 = (A[1] * aA) / 255, pA2 = (A[2] * aA) / 255;
  const pB0 = (B[0] * aB) / 255, pB1 = (B[1] * aB) / 255, pB2 = (B[2] * aB) / 255;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  // Linear: the gradient line spans the projections of the corners (as CSS does), so A and B
  // land exactly on opposite corners or edges. Radial: the circle reaches the corners.
  const span = Math.abs(w * cos) + Math.abs(h * sin);
  const radius = Math.hypot(w / 2, h / 2);
  forEachBand(w, h, ctx, (y0, y1) => {
    for (let y = y0; y < y1; y++) {
      const dy = y + 0.5 - h / 2;
      for (let x = 0, o = y * w * 4; x < w; x++, o += 4) {
        const dx = x + 0.5 - w / 2;
        let t = radial ? Math.sqrt(dx * dx + dy * dy) / radius : (dx * cos + dy * sin) / span + 0.5;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const u = 1 - t;
        const a = u * aA + t * aB;
        if (a === 0) {
          d[o] = d[o + 1] = d[o + 2] = d[o + 3] = 0;
          continue;
        }
        const k = 255 / a;
        d[o] = (u * pA0 + t * pB0) * k;
        d[o + 1] = (u * pA1 + t * pB1) * k;
        d[o + 2] = (u * pA2 + t * pB2) * k;
        d[o + 3] = a;
      }
    }
  });
  return { image: out };
});
