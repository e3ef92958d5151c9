// Putting a viewer's picture on a canvas (src/app/picture.ts): a proxy's own pixels on a 2D canvas,
// bitmaps drawn once and closed or handed to a bitmap renderer.

import { describe, expect, test } from 'vitest';
import { drawPicture, isBitmap, presentBitmap } from '../../src/app/picture';
import { createImage } from '../../src/ops/image';
import type { Image } from '../../src/ops/types';

/** Opaque red left half, half-transparent blue right half, in shared memory as results are. */
function image(w: number, h: number, seed = 0): Image {
  const img = createImage(w, h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) img.data.set(x < w / 2 ? [255, seed, 0, 255] : [0, seed, 255, 128], (y * w + x) * 4);
  }
  return img;
}

function canvas(): HTMLCanvasElement {
  const c = document.createElement('canvas');
  document.body.append(c);
  return c;
}

function readBack(c: HTMLCanvasElement): Uint8ClampedArray {
  return c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
}

async function bitmapOf(img: Image): Promise<ImageBitmap> {
  return createImageBitmap(new ImageData(new Uint8ClampedArray(img.data), img.width, img.height));
}

describe('drawPicture', () => {
  test('puts an image\'s pixels on the canvas at its size, straight alpha kept, from shared memory', () => {
    const c = canvas();
    const img = image(8, 6, 7);
    expect(img.data.buffer instanceof SharedArrayBuffer).toBe(true);
    expect(drawPicture(c, img)).toBe(true);
    expect([c.width, c.height]).toEqual([8, 6]);
    const px = readBack(c);
    expect([...px.subarray(0, 4)]).toEqual([255, 7, 0, 255]);
    // premultiplied inside the canvas: half-transparent pixels come back within a step of rounding
    const right = [...px.subarray((8 * 5 + 7) * 4, (8 * 5 + 7) * 4 + 4)];
    expect(right[3]).toBe(128);
    expect(Math.abs(right[1]! - 7)).toBeLessThanOrEqual(1);
    expect(right[2]).toBeGreaterThanOrEqual(254);
  });

  test('the next image of the same size replaces every pixel; another size resizes the canvas', () => {
    const c = canvas();
    drawPicture(c, image(8, 6, 7));
    drawPicture(c, image(8, 6, 99));
    expect(readBack(c)[1]).toBe(99);
    drawPicture(c, image(4, 3, 5));
    expect([c.width, c.height]).toEqual([4, 3]);
    expect(readBack(c)[1]).toBe(5);
  });

  test('null empties the canvas by shrinking it; a second null changes nothing', () => {
    const c = canvas();
    drawPicture(c, image(8, 6));
    expect(drawPicture(c, null)).toBe(true);
    expect([c.width, c.height]).toEqual([1, 1]);
    expect(drawPicture(c, null)).toBe(false);
  });

  test('a bitmap is drawn at its size replacing what was there, then closed; drawing it again changes nothing', async () => {
    const c = canvas();
    drawPicture(c, image(8, 6, 7));
    const bmp = await bitmapOf(image(8, 6, 42));
    expect(isBitmap(bmp)).toBe(true);
    expect(drawPicture(c, bmp)).toBe(true);
    expect(readBack(c)[1]).toBe(42);
    // transparent parts replaced, not drawn over the old picture
    expect(readBack(c)[(8 * 5 + 7) * 4 + 3]).toBe(128);
    expect(bmp.width).toBe(0); // closed
    drawPicture(c, image(8, 6, 3));
    expect(drawPicture(c, bmp)).toBe(false);
    expect(readBack(c)[1]).toBe(3);
  });
});

describe('presentBitmap', () => {
  test('hands a bitmap to a bitmap renderer once; null shrinks the canvas', async () => {
    const c = canvas();
    const bmp = await bitmapOf(image(8, 6));
    expect(presentBitmap(c, bmp)).toBe(true);
    expect([c.width, c.height]).toEqual([8, 6]);
    expect(presentBitmap(c, bmp)).toBe(false);
    // a bitmap put on one canvas is not drawn on another
    expect(drawPicture(canvas(), bmp)).toBe(false);
    expect(presentBitmap(c, null)).toBe(true);
    expect([c.width, c.height]).toEqual([1, 1]);
  });
});
