import { defineOp, type Image } from '../types';
import { outputImage, imageInput, numberParam, stringParam, boolParam } from '../image';
import { forEachBand } from '../pixels';
import { resizeImage } from '../resize/resample';

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

const offset = (label: string, description: string) =>
  ({ kind: 'number', label, description, default: 0, min: -65536, max: 65536, softMin: -2048, softMax: 2048, integer: true, unit: 'px' }) as const;

export default defineOp(
  {
    id: 'blend',
    version: 1,
    title: 'Blend',
    category: 'composite',
    description:
      'Lays the top image over the base like a Photoshop layer. The result has the base’s size; a top of another size sits at the top-left corner plus the offset, or is stretched to fit.',
    keywords: ['layer', 'composite', 'mix', 'multiply', 'screen', 'overlay', 'difference', 'add', 'lighten', 'darken', 'opacity'],
    inputs: [
      { name: 'base', type: 'image', label: 'Base' },
      { name: 'top', type: 'image', label: 'Top', optional: true },
    ],
    outputs: [{ name: 'image', type: 'image' }],
    // With a top of the base's size, output row y reads base row y and top row y − offset Y (the
    // offset is ignored when stretching), so a halo of |offset Y| rows covers it.
    tile: { halo: (p) => (p['stretch'] === true ? 0 : Math.abs(numberParam(p, 'y'))) },
    params: {
      mode: {
        kind: 'select',
        label: 'Mode',
        default: 'normal',
        options: [
          { value: 'normal', label: 'Normal' },
          { value: 'multiply', label: 'Multiply' },
          { value: 'screen', label: 'Screen' },
          { value: 'overlay', label: 'Overlay' },
          { value: 'difference', label: 'Difference' },
          { value: 'add', label: 'Add (linear dodge)' },
          { value: 'lighten', label: 'Lighten' },
          { value: 'darken', label: 'Darken' },
        ],
      },
      opacity: { kind: 'number', label: 'Opacity', default: 100, min: 0, max: 100, step: 1, unit: '%' },
      x: offset('Offset X', 'Moves the top image right (negative: left).'),
      y: offset('Offset Y', 'Moves the top image down (negative: up).'),
      stretch: {
        kind: 'boolean',
        label: 'Stretch top to base size',
        description: 'Resize the top image to exactly cover the base; the offset is then ignored.',
        default: false,
      },
    },
  },
  (inputs, params, ctx) => {
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
  },
);
