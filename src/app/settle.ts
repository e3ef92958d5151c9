// When the cache may write: after the editor has been idle for a while. Storing a 12 MP result
// (its Blob, the browser's IPC and disk work) takes a core for ~100 ms; begun in a short pause of
// someone editing, it slows their next update. Asked again before every write, so a run that came
// and went during one write makes the next wait for a fresh spell of quiet.

/** What `settled` watches: the live graph. */
export interface Activity {
  readonly busy: boolean;
  /** Changes each time the graph goes from busy to idle. */
  readonly idleSpells: number;
  whenIdle(): Promise<void>;
}

export interface SettleClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: SettleClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

/**
 * A `quiet` for TieredCache: resolves once the activity has been idle for `ms`. A spell is counted
 * from when this first sees it, never before it began: within a quarter of `ms` while a wait is
 * looking (it looks that often), and at the next ask when it began during a write or with nothing
 * waiting to be written, so a write may come up to `ms` later than it had to, never sooner.
 */
export function settled(activity: () => Activity, ms: number, clock: SettleClock = realClock): () => Promise<void> {
  let spell = -1;
  let seenAt = 0;
  return async () => {
    for (;;) {
      const a = activity();
      if (a.busy) {
        await a.whenIdle();
        continue;
      }
      if (a.idleSpells !== spell) {
        spell = a.idleSpells;
        seenAt = clock.now();
      }
      const left = seenAt + ms - clock.now();
      if (left <= 0) return;
      await clock.sleep(Math.min(left, ms / 4));
    }
  };
}
