import { defineOp } from '../types';
import { outputImage, imageInput, numberParam, stringParam, boolParam } from '../image';
import { forEachBand } from '../pixels';
import { resizeImage } from '../resize/resample';
import meta from './meta';

/** Separable blend functions B(Cb, Cs) on 0..1 values (W3C Compositing and Blending Level 1, §9). */
const MODES: Record<string, (cb: number, cs: number) => number> = {
  normal: (_cb, cs) => cs,
  multiply: (cb, cs) => cb * cs,
  screen: (cb, cs) => cb + cs - cb * cs,
  // Overlay is hard-light with the layers swapped: the base decides multiply or screen.
  overlay: (cb, cs) => (cb <= 0.5 ? cs * 2 * cb : cs + (2 * cb - 1) - cs * (2 * cb - 1)),
  difference: (cb, cs) => Math.abs(cb - cs),
  // Photoshop's Linear Dodge (Add); not in the W3C list, defined the same way.
  add: (cb, cs) => Math.min(1, cb + cs),
  lighten: (cb, cs) => Math.max(cb, cs),
  darken: (cb, cs) => Math.min(cb, cs),
};

export default defineOp(meta, (inputs, params, ctx) => {
  const base = imageInput(inputs, 'base');
  // Nothing on top: the base shows through unchanged.
  if (inputs.top === undefined) return { image: base };
  let top = imageInput(inputs, 'top');
  const opacity = numberParam(params, 'opacity') / 100;
  const blend = MODES[stringParam(params, 'mode')];
  if (!blend) throw new RangeError(`Unknown blend mode "${stringParam(params, 'mode')}"`);
  const { width: W, height: H } = base;
  let ox = numberParam(params, 'x');
  let oy = numberParam(params, 'y');
  let from = 0;
  if (boolParam(params, 'stretch')) {
    if (top.width !== W || top.height !== H) {
      top = resizeImage(top, W, H, 'bilinear', ctx, 0, 0.5);
      from = 0.5;
    }
    ox = oy = 0;
  }

  // B(Cb, Cs) for every pair of 8-bit levels: one table lookup per channel instead of a branch.
  const table = new Float32Array(256 * 256);
  for (let cb = 0; cb < 256; cb++) for (let cs = 0; cs < 256; cs++) table[(cb << 8) | cs] = blend(cb / 255, cs / 255);

  const out = outputImage(ctx, W, H);
  out.data.set(base.data); // pixels the top layer does not reach stay as they are
  const x0 = Math.max(0, ox);
  const x1 = Math.min(W, ox + top.width);
  const y0 = Math.max(0, oy);
  const y1 = Math.min(H, oy + top.height);
  const b = base.data;
  const t = top.data;
  const d = out.data;
  if (x0 < x1 && y0 < y1 && opacity > 0) {
    forEachBand(
      x1 - x0,
      y1 - y0,
      ctx,
      (r0, r1) => {
        for (let y = y0 + r0; y < y0 + r1; y++) {
          let i = (y * W + x0) * 4;
          let j = ((y - oy) * top.width + (x0 - ox)) * 4;
          for (let x = x0; x < x1; x++, i += 4, j += 4) {
            const as = (t[j + 3]! / 255) * opacity;
            if (as === 0) continue;
            const ab = b[i + 3]! / 255;
            // Porter-Duff source-over with the blended colour (W3C §5.8 and §9):
            //   Cs' = (1 − ab)·Cs + ab·B(Cb, Cs);  co = as·Cs' + (1 − as)·ab·Cb;  ao = as + ab·(1 − as)
            const ao = as + ab * (1 - as);
            const k = 255 / ao;
            const under = (1 - as) * ab;
            for (let c = 0; c < 3; c++) {
              const cb8 = b[i + c]!;
              const cs8 = t[j + c]!;
              const mixed = (1 - ab) * (cs8 / 255) + ab * table[(cb8 << 8) | cs8]!;
              d[i + c] = (as * mixed + under * (cb8 / 255)) * k;
            }
            d[i + 3] = ao * 255;
          }
        }
      },
      from,
      1,
    );
  }
  ctx.progress(1);
  return { image: out };
});
