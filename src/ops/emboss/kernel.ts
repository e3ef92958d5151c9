import { defineOp } from '../types';
import { imageInput, numberParam } from '../image';
import { convolveImage } from '../convolve/kernel';
import meta from './meta';

/** Sobel derivative kernels (image y grows downwards), each summing 8 for a unit ramp. */
const SX = [-1, 0, 1, -2, 0, 2, -1, 0, 1];
const SY = [-1, -2, -1, 0, 0, 0, 1, 2, 1];

/**
 * 128 − strength × (slope towards the light): surfaces facing the light come out bright. The
 * light's direction is the angle counter-clockwise from the right (135° = from the top left).
 */
export function embossKernel(strength: number, angleDeg: number): number[] {
  const t = (angleDeg * Math.PI) / 180;
  const dx = Math.cos(t);
  const dy = -Math.sin(t);
  return SX.map((sx, i) => (-strength * (dx * sx + dy * SY[i]!)) / 8);
}

export default defineOp(meta, async (inputs, params, ctx) => {
  const src = imageInput(inputs, 'image');
  const kernel = embossKernel(numberParam(params, 'strength'), numberParam(params, 'angle'));
  return { image: await convolveImage(src, 3, kernel, 128, ctx) };
});
