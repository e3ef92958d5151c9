import { describe, expect, test } from 'vitest';
import { formatNumber, histogramOf, histogramPaths, numbersOf } from '../../../src/app/analysis';
import { registry } from '../../../src/ops/registry';
import type { Histogram } from '../../../src/ops/types';

function histogram(fill: (bins: { r: Uint32Array; g: Uint32Array; b: Uint32Array; luma: Uint32Array }) => void): Histogram {
  const h = { kind: 'histogram' as const, r: new Uint32Array(256), g: new Uint32Array(256), b: new Uint32Array(256), a: new Uint32Array(256), luma: new Uint32Array(256), pixels: 100 };
  fill(h);
  return h;
}

describe('analysis readouts', () => {
  test('number outputs come labelled and in the order the operation declares them', () => {
    const found = numbersOf(registry.get('statistics'), { stddev: 2.5, image: {} as never, mean: 10, max: 20, min: 1 });
    expect(found.map((n) => [n.label, n.value])).toEqual([
      ['Mean', 10],
      ['Min', 1],
      ['Max', 20],
      ['Std. dev.', 2.5],
    ]);
    expect(numbersOf(registry.get('statistics'), null)).toEqual([]);
  });

  test('numbers read as integers or to three decimals', () => {
    expect(formatNumber(51)).toBe('51');
    expect(formatNumber(73.61589)).toBe('73.616');
  });

  test('a histogram output is found among the outputs', () => {
    const h = histogram(() => {});
    expect(histogramOf({ image: {} as never, histogram: h })).toBe(h);
    expect(histogramOf({ mean: 3 })).toBeNull();
  });

  test('the fullest bin reaches the top, an empty one stays on the floor, on a square-root scale', () => {
    const h = histogram((b) => {
      b.r[0] = 100;
      b.r[255] = 25;
    });
    const d = histogramPaths(h, 256, 100).r;
    expect(d).toContain('L0.5 0.0');
    expect(d).toContain('L255.5 50.0'); // sqrt(25/100) = half height
    expect(d).toContain('L1.5 100.0');
    expect(d.startsWith('M0 100')).toBe(true);
    expect(d.endsWith('Z')).toBe(true);
  });
});
