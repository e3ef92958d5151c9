// The word and colour a step's badge shows (on its node and in the viewers), from its snapshot.
// The run state alone can mislead: a step previewing a proxy is "idle" to the scheduler, a step
// showing its last result while the new one comes is "updating", and a step nobody has wired yet
// has not failed, it needs an input.

import type { StepSnapshot } from './runtime';

export type BadgeTone = 'idle' | 'queued' | 'running' | 'done' | 'cached' | 'failed' | 'timedout' | 'blocked' | 'cancelled' | 'skipped' | 'preview' | 'updating' | 'needs-input';

export interface Badge {
  readonly label: string;
  /** A CSS class for its colour. */
  readonly tone: BadgeTone;
  /** The step has a problem of its own to show in red (failed, timed out). */
  readonly problem: boolean;
}

export function badgeOf(view: Pick<StepSnapshot, 'state' | 'proxy' | 'updating' | 'needsInput' | 'thumbnail' | 'size'> | undefined): Badge {
  const state = view?.state ?? 'idle';
  if (view?.needsInput && (state === 'failed' || state === 'idle')) return { label: 'needs an input', tone: 'needs-input', problem: false };
  if (state === 'idle' || state === 'queued') {
    if (view?.updating) return { label: 'updating', tone: 'updating', problem: false };
    if (view?.proxy) return { label: 'preview', tone: 'preview', problem: false };
  }
  if (state === 'running' && view?.updating) return { label: 'updating', tone: 'running', problem: false };
  return { label: state, tone: state, problem: state === 'failed' || state === 'timedout' };
}
