// What lies under a step dropped on the canvas: the wire it lands on (to insert it there). No
// Svelte here; App hands in where the wires' ends are.

import type { GraphEdge, Position } from '../engine';

/** The drag-and-drop type of a palette entry (its operation id) dragged onto the canvas. */
export const OP_DRAG_TYPE = 'application/x-pipette-op';

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Distance from `p` to the segment a–b. */
export function distanceToSegment(p: Position, a: Position, b: Position): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2));
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

/** Whether the segment a–b passes through the rectangle (Liang–Barsky clipping). */
export function segmentCrossesRect(a: Position, b: Position, r: Rect): boolean {
  let t0 = 0;
  let t1 = 1;
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const edges: [number, number][] = [
    [-dx, a.x - r.x],
    [dx, r.x + r.width - a.x],
    [-dy, a.y - r.y],
    [dy, r.y + r.height - a.y],
  ];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return false;
    } else {
      const t = q / p;
      if (p < 0) t0 = Math.max(t0, t);
      else t1 = Math.min(t1, t);
      if (t0 > t1) return false;
    }
  }
  return true;
}

/**
 * The wire a step's box was dropped on: one that passes through the box, the one nearest its
 * centre when several do; wires touching `exclude` (the step itself) do not count. `ends` gives a
 * wire's two ends (drawn as a curve between them; the straight line is near enough inside a step's
 * box), or null when unknown.
 */
export function wireAt(box: Rect, edges: readonly GraphEdge[], ends: (e: GraphEdge) => { from: Position; to: Position } | null, exclude?: string): GraphEdge | null {
  const centre = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  let best: GraphEdge | null = null;
  let bestD = Infinity;
  for (const e of edges) {
    if (e.from.node === exclude || e.to.node === exclude) continue;
    const at = ends(e);
    if (!at || !segmentCrossesRect(at.from, at.to, box)) continue;
    const d = distanceToSegment(centre, at.from, at.to);
    if (d < bestD) [best, bestD] = [e, d];
  }
  return best;
}
