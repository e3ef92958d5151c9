// Where a new step goes: where it was asked for if that spot is free, else the nearest free spot,
// so a step never lands on top of another. No Svelte here.

import type { Position } from '../engine';

export interface Size {
  readonly width: number;
  readonly height: number;
}

/** Space kept clear between steps. */
const GAP = 24;
/** How far apart the spots tried are. */
const STEP = 40;

/**
 * The free spot nearest `want` for a step of `size`, among steps at `taken` (top-left corners,
 * each of `size`): tried in rings around `want`, nearer first, right and below before left and
 * above. Falls back to `want` when no spot within a long way is free.
 */
export function placeFree(taken: readonly Position[], want: Position, size: Size): Position {
  // Only steps within reach of the spots tried can be in the way (a 2000-step graph checks a few).
  const reach = 41 * STEP + size.width + size.height + GAP;
  const near = taken.filter((t) => Math.abs(t.x - want.x) <= reach && Math.abs(t.y - want.y) <= reach);
  const free = (p: Position) =>
    near.every((t) => p.x + size.width + GAP <= t.x || t.x + size.width + GAP <= p.x || p.y + size.height + GAP <= t.y || t.y + size.height + GAP <= p.y);
  if (free(want)) return want;
  for (let ring = 1; ring <= 40; ring++) {
    const spots: Position[] = [];
    for (let dx = -ring; dx <= ring; dx++) {
      for (let dy = -ring; dy <= ring; dy++) {
        if (Math.max(Math.abs(dx), Math.abs(dy)) !== ring) continue;
        spots.push({ x: want.x + dx * STEP, y: want.y + dy * STEP });
      }
    }
    // Nearer first; among equals, right and below first (where a pipeline grows).
    const cost = (p: Position) => Math.hypot(p.x - want.x, p.y - want.y) - (p.x >= want.x ? 1 : 0) - (p.y >= want.y ? 0.5 : 0);
    spots.sort((a, b) => cost(a) - cost(b));
    const found = spots.find(free);
    if (found) return found;
  }
  return want;
}
