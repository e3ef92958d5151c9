import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Throttle } from '../../../src/app/throttle';

describe('Throttle', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs at once after a quiet spell, in a task of its own', () => {
    const fn = vi.fn();
    const t = new Throttle(fn, 100);
    t.request();
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(0);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('turns a burst into at most one run per interval, the last request included', () => {
    const fn = vi.fn();
    const t = new Throttle(fn, 100);
    t.request();
    vi.advanceTimersByTime(0);
    for (let i = 0; i < 30; i++) {
      t.request();
      vi.advanceTimersByTime(10);
    }
    // 300 ms of requests after the first run: three more runs, not thirty.
    expect(fn.mock.calls.length).toBeGreaterThanOrEqual(3);
    expect(fn.mock.calls.length).toBeLessThanOrEqual(4);
    const before = fn.mock.calls.length;
    t.request();
    vi.advanceTimersByTime(100);
    expect(fn).toHaveBeenCalledTimes(before + 1);
    vi.advanceTimersByTime(1000);
    expect(fn).toHaveBeenCalledTimes(before + 1);
  });

  it('skips the wait for news that must not wait', () => {
    const fn = vi.fn();
    const t = new Throttle(fn, 100);
    t.request();
    vi.advanceTimersByTime(0);
    t.request();
    vi.advanceTimersByTime(10);
    expect(fn).toHaveBeenCalledTimes(1);
    t.request(true);
    vi.advanceTimersByTime(0);
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('runs nothing after stop, not even a run already asked for', () => {
    const fn = vi.fn();
    const t = new Throttle(fn, 100);
    t.request();
    t.stop();
    t.request();
    vi.advanceTimersByTime(500);
    expect(fn).not.toHaveBeenCalled();
  });
});
