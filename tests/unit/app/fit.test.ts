import { describe, expect, test } from 'vitest';
import { boundsOf, fitViewport, READABLE_ZOOM } from '../../../src/app/fit';

describe('fit', () => {
  test('bounds cover every step at its size', () => {
    expect(boundsOf([{ x: 0, y: 0 }, { x: 300, y: -50 }], { width: 200, height: 100 })).toEqual({ x: 0, y: -50, width: 500, height: 150 });
    expect(boundsOf([], { width: 1, height: 1 })).toBeNull();
  });

  test('a small graph is centred at the zoom that fits it', () => {
    const v = fitViewport({ x: 0, y: 0, width: 400, height: 200 }, 1000, 1000, { padding: 0, maxZoom: 2 });
    expect(v.zoom).toBe(2);
    expect(v).toEqual({ x: 100, y: 300, zoom: 2 });
  });

  test('a wide graph stops at the readable zoom and shows its start', () => {
    const v = fitViewport({ x: 100, y: 0, width: 5000, height: 200 }, 500, 400, { padding: 0.1 });
    expect(v.zoom).toBe(READABLE_ZOOM);
    expect(v.x).toBeCloseTo(50 - 100 * READABLE_ZOOM); // the left edge at the padding
    expect(v.y).toBeCloseTo(200 - 100 * READABLE_ZOOM); // vertically centred: it fits that way
  });
});
