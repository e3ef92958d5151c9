import { defineOp } from '../types';
import { imageInput, numberParam } from '../image';
import { loadKernels, bandRows, Passes } from '../../wasm';

export default defineOp(
  {
    id: 'box-blur',
    version: 1,
    title: 'Box blur',
    category: 'filter',
    description:
      'Replaces each pixel by the mean of the (2r+1)×(2r+1) square around it; edges extend. Running sums make the ' +
      'cost the same for every radius. Colour is averaged premultiplied by alpha.',
    keywords: ['blur', 'mean', 'average', 'smooth'],
    inputs: [{ name: 'image', type: 'image' }],
    outputs: [{ name: 'image', type: 'image' }],
    // The square reaches r rows up and down; integer sums make bands exact.
    tile: { halo: (p) => numberParam(p, 'radius') },
    params: {
      radius: { kind: 'number', label: 'Radius', default: 5, min: 1, max: 200, step: 1, integer: true, softMax: 50, unit: 'px' },
    },
  },
  async (inputs, params, ctx) => {
    const src = imageInput(inputs, 'image');
    const r = numberParam(params, 'radius');
    const { width: w, height: h } = src;
    const passes = new Passes(ctx, 2 * h);
    const k = await loadKernels();
    const arena = k.arena();
    const p = arena.copyIn(src.data);
    const premul = k.fn.isOpaque(p, w * h) ? 0 : 1;
    const enc = arena.alloc(w * h * 8);
    const pad = arena.alloc((w + 2 * r + 1) * 16);
    const sums = arena.alloc(w * 16);
    k.fn.boxSetup(w, h, p, p, enc, r, pad, sums, premul);
    const rows = bandRows(w);
    passes.bands(h, rows, (a, b) => k.fn.boxPass1(a, b));
    passes.bands(h, rows, (a, b) => k.fn.boxPass2(a, b));
    return { image: arena.copyOut(p, w, h, ctx.tile) };
  },
);
