import { defineOp } from '../types';
import { imageInput, stringParam } from '../image';
import { loadKernels, bandRows, Passes } from '../../wasm';

const MODES = { both: 0, x: 1, y: 2 } as const;

export default defineOp(
  {
    id: 'sobel',
    version: 1,
    title: 'Sobel edges',
    category: 'filter',
    description:
      'Edge strength as grey: the Sobel gradient of the luma (Rec. 709), as magnitude or along one axis. A full ' +
      'black-to-white step scores 255. Alpha is kept; edges extend.',
    keywords: ['edges', 'gradient', 'outline', 'detect'],
    inputs: [{ name: 'image', type: 'image' }],
    outputs: [{ name: 'image', type: 'image' }],
    tile: { halo: () => 1 },
    params: {
      direction: {
        kind: 'select',
        label: 'Direction',
        default: 'both',
        options: [
          { value: 'both', label: 'Both (magnitude)' },
          { value: 'x', label: 'Horizontal change (x)' },
          { value: 'y', label: 'Vertical change (y)' },
        ],
      },
    },
  },
  async (inputs, params, ctx) => {
    const src = imageInput(inputs, 'image');
    const mode = MODES[stringParam(params, 'direction') as keyof typeof MODES] ?? 0;
    const { width: w, height: h } = src;
    const passes = new Passes(ctx, h);
    const k = await loadKernels();
    const arena = k.arena();
    const p = arena.copyIn(src.data);
    const ring = arena.alloc(3 * (w + 8) * 4);
    k.fn.sobelSetup(w, h, p, p, mode, ring);
    passes.bands(h, bandRows(w), (a, b) => k.fn.sobelRows(a, b));
    return { image: arena.copyOut(p, w, h, ctx.tile) };
  },
);
