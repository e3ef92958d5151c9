import { describe, expect, test } from 'vitest';
import { ops } from '../../../src/ops/registry';
import { groupOps, searchOps } from '../../../src/app/op-search';
import { placeFree } from '../../../src/app/placement';

describe('finding an operation by name', () => {
  test('a title beats a word in a description: "image" finds Image first', () => {
    expect(searchOps(ops, 'image')[0]?.id).toBe('image-source');
  });
  test('typed words pick by title: "blur" ranks the blurs first, "gauss" finds Gaussian blur', () => {
    expect(searchOps(ops, 'blur').slice(0, 2).map((o) => o.title).sort()).toEqual(['Box blur', 'Gaussian blur']);
    expect(searchOps(ops, 'gauss')[0]?.id).toBe('gaussian-blur');
  });
  test('with nothing typed, sources come first', () => {
    expect(groupOps(searchOps(ops, ''), '')[0]?.category).toBe('source');
  });
  test('a filter narrows the list', () => {
    expect(searchOps(ops, '', (o) => o.inputs.length === 0).every((o) => o.category === 'source')).toBe(true);
  });
});

describe('placing a new step', () => {
  const size = { width: 100, height: 80 };
  test('a free spot is kept', () => {
    expect(placeFree([{ x: 500, y: 500 }], { x: 0, y: 0 }, size)).toEqual({ x: 0, y: 0 });
  });
  test('a taken spot gives the nearest free one, which overlaps nothing', () => {
    const taken = [{ x: 0, y: 0 }, { x: 130, y: 0 }];
    const p = placeFree(taken, { x: 10, y: 10 }, size);
    for (const t of taken) {
      const apart = p.x + size.width <= t.x || t.x + size.width <= p.x || p.y + size.height <= t.y || t.y + size.height <= p.y;
      expect(apart).toBe(true);
    }
    expect(Math.hypot(p.x - 10, p.y - 10)).toBeLessThan(200);
  });
});
