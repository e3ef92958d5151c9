import { describe, expect, test } from 'vitest';
import { History } from '../../../src/engine/history';
import { addNode, emptyGraph, setParam } from '../../../src/engine/graph';
import { testRegistry as reg } from './fixtures';

const g0 = addNode(emptyGraph, reg, { id: 'n', op: 'num' });
const withValue = (v: number) => setParam(g0, reg, 'n', 'value', v);

describe('undo history', () => {
  test('undo and redo walk back and forth through edits', () => {
    const h = new History(g0);
    const g1 = withValue(1);
    const g2 = withValue(2);
    h.push(g1);
    h.push(g2);
    expect(h.undo()).toBe(g1);
    expect(h.undo()).toBe(g0);
    expect(h.undo()).toBeNull();
    expect(h.redo()).toBe(g1);
    expect(h.redo()).toBe(g2);
    expect(h.redo()).toBeNull();
  });

  test('a new edit after undo drops the redo branch', () => {
    const h = new History(g0);
    h.push(withValue(1));
    h.undo();
    h.push(withValue(5));
    expect(h.canRedo).toBe(false);
  });

  test('a whole slider drag is one undo step', () => {
    const h = new History(g0);
    for (let v = 1; v <= 20; v++) h.push(withValue(v), 'drag:n.value');
    h.seal();
    expect(h.present.nodes[0]!.params.value).toBe(20);
    expect(h.undo()).toBe(g0);
    expect(h.canUndo).toBe(false);
  });

  test('two drags of the same slider are two undo steps once the first is sealed', () => {
    const h = new History(g0);
    h.push(withValue(1), 'drag:n.value');
    h.push(withValue(2), 'drag:n.value');
    h.seal();
    h.push(withValue(3), 'drag:n.value');
    expect(h.undo()!.nodes[0]!.params.value).toBe(2);
    expect(h.undo()).toBe(g0);
  });

  test('pushing the same graph records nothing', () => {
    const h = new History(g0);
    expect(h.push(g0)).toBe(false);
    expect(h.canUndo).toBe(false);
  });

  test('the history keeps at most its limit of steps', () => {
    const h = new History(g0, { limit: 3 });
    for (let v = 1; v <= 10; v++) h.push(withValue(v));
    let n = 0;
    while (h.undo()) n++;
    expect(n).toBe(3);
  });

  test('reset starts over from a graph that is not itself an undo step', () => {
    const h = new History(g0);
    h.push(withValue(1));
    const restored = withValue(7);
    h.reset(restored);
    expect(h.present).toBe(restored);
    expect(h.canUndo).toBe(false);
    expect(h.undo()).toBeNull();
    expect(h.present).toBe(restored);
  });

  test('reset brings back a known history, keeping only the newest entries within the limit', () => {
    const h = new History(g0, { limit: 2 });
    const past = [withValue(1), withValue(2), withValue(3)];
    const future = [withValue(9)];
    h.reset(withValue(4), past, future);
    expect(h.undo()).toBe(past[2]);
    expect(h.undo()).toBe(past[1]);
    expect(h.undo()).toBeNull();
    h.redo();
    h.redo();
    expect(h.redo()).toBe(future[0]);
  });
});
