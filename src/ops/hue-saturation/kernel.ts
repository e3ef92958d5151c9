import { defineOp } from '../types';
import { imageInput, numberParam, checkAbort } from '../image';
import { pointwiseMemoised } from '../pixels';
import { ColourMemo } from '../colour-memo';
import meta from './meta';

// hueSaturationSetup's table: 256 levels as f64, then 32 bytes per (max, min) channel pair.
const ENTRIES = (256 * 257) / 2;
const TABLE_BYTES = 256 * 8 + ENTRIES * 32;

// Below this many pixels, only the entries the image's pixels use are filled, pass by pass: filling
// all 32 896 cost ~1 ms, most of a small step's round trip through the pool (the bench's dispatch row).
const WHOLE_TABLE_PIXELS = ENTRIES / 2;

// This worker's memo of the mapping: a step downstream of an edit reruns with the same parameters.
const memo = new ColourMemo();

/** This worker's memo, for tests and diagnostics. */
export const hueSaturationMemo = memo;

export default defineOp(meta, async (inputs, params, ctx) => {
  checkAbort(ctx.signal);
  const src = imageInput(inputs, 'image');
  // Hue as a fraction of a turn in 0..1, so the shifted hue needs at most one wrap.
  let shift = numberParam(params, 'hue') / 360;
  if (shift < 0) shift += 1;
  // (parameters are clamped to ±180°; the wasm kernel relies on a shift in 0..1)
  if (!(shift >= 0 && shift <= 1)) shift -= Math.floor(shift);
  const satScale = 1 + numberParam(params, 'saturation') / 100;
  const light = numberParam(params, 'lightness') / 100;
  const whole = src.width * src.height >= WHOLE_TABLE_PIXELS;
  const image = await pointwiseMemoised(
    src,
    ctx,
    memo,
    `${shift} ${satScale} ${light}`,
    (k, arena) => {
      const table = arena.alloc(TABLE_BYTES);
      k.fn.hueSaturationSetup(table, satScale, light, whole);
      return table;
    },
    (k, ptr, m, table) => {
      if (!whole) k.fn.hueSaturationEntries(ptr, m, table, satScale, light);
      k.fn.hueSaturation(ptr, ptr, m, table, shift);
    },
  );
  return { image };
});
