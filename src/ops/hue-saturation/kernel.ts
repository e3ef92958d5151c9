import { defineOp } from '../types';
import { imageInput, numberParam, checkAbort } from '../image';
import { pointwiseInWasm } from '../pixels';
import meta from './meta';

// hueSaturationSetup's table: 256 levels as f64, then 32 bytes per (max, min) channel pair.
const TABLE_BYTES = 256 * 8 + ((256 * 257) / 2) * 32;

export default defineOp(meta, async (inputs, params, ctx) => {
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
});
