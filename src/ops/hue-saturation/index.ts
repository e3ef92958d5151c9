import { defineOp } from '../types';
import { imageInput, numberParam, checkAbort } from '../image';
import { pointwiseInWasm } from '../pixels';
import { rowLocal } from '../tiles';

// hueSaturationSetup's table: 256 levels as f64, then 32 bytes per (max, min) channel pair.
const TABLE_BYTES = 256 * 8 + ((256 * 257) / 2) * 32;

// The pixel maths is src/wasm/assembly/hsl.ts: RGB → HSL in double precision (hue as a fraction
// of a turn, shifted with at most one wrap; saturation scaled and capped at 1; lightness moved
// towards black or white), then back through the usual p/q construction, each channel rounded half
// up. It is the same IEEE operations in the same order as the JS loop it replaced (what depends on
// the largest and smallest channel only is computed once per run into a table), branches chosen
// by masks, so every byte is that loop's: tests/unit/ops/hue-saturation.test.ts keeps the loop as
// its reference.

export default defineOp(
  {
    id: 'hue-saturation',
    version: 1,
    title: 'Hue / Saturation',
    category: 'adjust',
    description:
      'Works in HSL: turns every hue round the colour wheel, scales saturation (−100 gives grey, +100 doubles it) ' +
      'and moves lightness towards black (−100) or white (+100). Alpha is kept.',
    keywords: ['hsl', 'colour', 'color', 'vibrance', 'desaturate', 'lightness', 'tint'],
    inputs: [{ name: 'image', type: 'image' }],
    outputs: [{ name: 'image', type: 'image' }],
    tile: rowLocal,
    params: {
      hue: {
        kind: 'number',
        label: 'Hue',
        description: 'Turns every colour round the colour wheel by this many degrees.',
        default: 0,
        min: -180,
        max: 180,
        step: 1,
        unit: '°',
      },
      saturation: {
        kind: 'number',
        label: 'Saturation',
        description: '−100 removes all colour; +100 doubles the saturation.',
        default: 0,
        min: -100,
        max: 100,
        step: 1,
      },
      lightness: {
        kind: 'number',
        label: 'Lightness',
        description: '−100 makes everything black, +100 makes everything white.',
        default: 0,
        min: -100,
        max: 100,
        step: 1,
      },
    },
  },
  async (inputs, params, ctx) => {
    checkAbort(ctx.signal);
    const src = imageInput(inputs, 'image');
    // Hue as a fraction of a turn in 0..1, so the shifted hue needs at most one wrap.
    let shift = numberParam(params, 'hue') / 360;
    if (shift < 0) shift += 1;
    const satScale = 1 + numberParam(params, 'saturation') / 100;
    const light = numberParam(params, 'lightness') / 100;
    const image = await pointwiseInWasm(
      src,
      ctx,
      (k, arena) => {
        const table = arena.alloc(TABLE_BYTES);
        k.fn.hueSaturationSetup(table, satScale, light);
        return table;
      },
      (k, ptr, m, table) => k.fn.hueSaturation(ptr, ptr, m, table, shift),
    );
    return { image };
  },
);
