import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { settled, type Activity } from '../../../src/app/settle';

/** A stand-in for the live graph: `run()` makes it busy, `finish()` idle again. */
class FakeActivity implements Activity {
  busy = false;
  idleSpells = 0;
  #waiters: (() => void)[] = [];
  run(): void {
    this.busy = true;
  }
  finish(): void {
    this.busy = false;
    this.idleSpells++;
    for (const w of this.#waiters.splice(0)) w();
  }
  whenIdle(): Promise<void> {
    return this.busy ? new Promise((r) => this.#waiters.push(r)) : Promise.resolve();
  }
}

const clock = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };

/** Whether the promise has settled after the timers have advanced `ms`. */
async function doneAfter(p: Promise<void>, ms: number): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await vi.advanceTimersByTimeAsync(ms);
  return done;
}

describe('settled', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('resolves once the editor has been idle for the settle time, not before', async () => {
    const a = new FakeActivity();
    const quiet = settled(() => a, 1000, clock);
    const p = quiet();
    expect(await doneAfter(p, 990)).toBe(false);
    expect(await doneAfter(p, 20)).toBe(true);
  });

  it('waits for a run to end, then for the settle time after it', async () => {
    const a = new FakeActivity();
    a.run();
    const p = settled(() => a, 1000, clock)();
    expect(await doneAfter(p, 5000)).toBe(false);
    a.finish();
    expect(await doneAfter(p, 990)).toBe(false);
    expect(await doneAfter(p, 20)).toBe(true);
  });

  it('starts counting again when a run comes and goes during the wait', async () => {
    const a = new FakeActivity();
    const p = settled(() => a, 1000, clock)();
    await vi.advanceTimersByTimeAsync(700);
    // a short run, over before the wait ends: the quiet it ended is not the quiet the wait began in
    a.run();
    await vi.advanceTimersByTimeAsync(50);
    a.finish();
    expect(await doneAfter(p, 900)).toBe(false);
    expect(await doneAfter(p, 120)).toBe(true);
  });

  it('answers at once within a spell that has already lasted, and waits again after the next run', async () => {
    const a = new FakeActivity();
    const quiet = settled(() => a, 1000, clock);
    expect(await doneAfter(quiet(), 1010)).toBe(true);
    expect(await doneAfter(quiet(), 0)).toBe(true);
    // a run between two writes: the next write waits for a new settle time
    a.run();
    a.finish();
    const p = quiet();
    expect(await doneAfter(p, 500)).toBe(false);
    expect(await doneAfter(p, 510)).toBe(true);
  });
});
