import { describe, expect, test } from 'vitest';
import { ColourMemo, MEMO_MIN_PIXELS } from '../../../src/ops/colour-memo';

describe('ColourMemo', () => {
  test('is worth it only when a large pass repeats the mapping of the call before', () => {
    const memo = new ColourMemo();
    expect(memo.worth('a', MEMO_MIN_PIXELS)).toBe(false); // first sight of a
    expect(memo.worth('a', MEMO_MIN_PIXELS)).toBe(true);
    expect(memo.worth('a', MEMO_MIN_PIXELS - 1)).toBe(false); // too small
    expect(memo.worth('a', MEMO_MIN_PIXELS)).toBe(true);
    expect(memo.worth('b', MEMO_MIN_PIXELS)).toBe(false); // a drag on the step's own slider
    expect(memo.worth('a', MEMO_MIN_PIXELS)).toBe(false);
    expect(memo.worth('a', 10 * MEMO_MIN_PIXELS)).toBe(true);
    const small = new ColourMemo(1);
    small.worth('x', 1);
    expect(small.worth('x', 1)).toBe(true);
  });

  test('keeps one tag a mapping and clears the table once every 255 mappings', () => {
    const memo = new ColourMemo();
    const a = memo.open('a')!;
    expect(a.table.length).toBe(1 << 24);
    expect(memo.open('a')!.tag).toBe(a.tag);
    a.table[0x123456] = (a.tag << 24) | 0xabcdef;
    const b = memo.open('b')!;
    expect(b.tag).not.toBe(a.tag);
    expect(b.table).toBe(a.table);
    // a's entry is not b's
    expect(b.table[0x123456]! >>> 24).not.toBe(b.tag);
    const tags = new Set([a.tag, b.tag]);
    let last = b;
    for (let i = 0; i < 253; i++) {
      last = memo.open(`k${i}`)!;
      tags.add(last.tag);
    }
    expect(last.tag).toBe(255);
    expect(tags.size).toBe(255);
    last.table[7] = (255 << 24) | 1;
    const again = memo.open('a')!; // the 256th mapping: tags start over on a cleared table
    expect(again.tag).toBe(1);
    expect(again.table[0x123456]).toBe(0);
    expect(again.table[7]).toBe(0);
  });
});
