import { describe, expect, test } from 'vitest';
import { segmentCrossesRect, wireAt } from '../../../src/app/canvas-drop';

describe('the wire under a dropped step', () => {
  const box = { x: 0, y: 0, width: 100, height: 50 };
  test('a wire through the box counts, one beside it does not', () => {
    expect(segmentCrossesRect({ x: -50, y: 25 }, { x: 150, y: 25 }, box)).toBe(true);
    expect(segmentCrossesRect({ x: -50, y: 80 }, { x: 150, y: 80 }, box)).toBe(false);
    expect(segmentCrossesRect({ x: 120, y: 0 }, { x: 200, y: 50 }, box)).toBe(false);
  });
  test('of several wires through the box, the one nearest its centre wins; the step’s own do not count', () => {
    const e = (n: string) => ({ from: { node: n, port: 'o' }, to: { node: 'z', port: 'i' } });
    const ends = (w: { from: { node: string } }) =>
      w.from.node === 'far' ? { from: { x: -10, y: 2 }, to: { x: 110, y: 2 } } : w.from.node === 'near' ? { from: { x: -10, y: 24 }, to: { x: 110, y: 24 } } : null;
    expect(wireAt(box, [e('far'), e('near'), e('none')], ends)).toEqual(e('near'));
    expect(wireAt(box, [e('far'), e('near')], ends, 'near')).toEqual(e('far'));
  });
});
