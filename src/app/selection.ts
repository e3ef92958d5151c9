// The one selection: the runtime's focus (the step the panel, the viewer and the keys act on) is
// always among the nodes Svelte Flow highlights, and Svelte Flow's highlight follows the focus.
// These helpers keep the two together; App wires them to Svelte Flow's events. No Svelte here.

import type { Node } from '@xyflow/svelte';
import type { Graph, Position } from '../engine';

/**
 * `nodes` with exactly `ids` selected. Nodes whose flag is already right keep their object (Svelte
 * Flow re-renders only the changed ones); with nothing to change, the same array comes back.
 */
export function withSelection(nodes: Node[], ids: ReadonlySet<string>): Node[] {
  let changed = false;
  const next = nodes.map((n) => {
    const want = ids.has(n.id);
    if (!!n.selected === want) return n;
    changed = true;
    return { ...n, selected: want };
  });
  return changed ? next : nodes;
}

/** The ids Svelte Flow highlights. */
export function highlighted(nodes: readonly Node[]): Set<string> {
  return new Set(nodes.filter((n) => n.selected).map((n) => n.id));
}

/**
 * What the focus becomes when Svelte Flow's highlight changes (a click, Enter on a node, a box
 * selection, Escape): unchanged while it is still highlighted, else the last highlighted step, or
 * none when nothing is. `undefined`: leave the focus as it is.
 */
export function focusAfterHighlight(focus: string | null, ids: readonly string[], exists: (id: string) => boolean): string | null | undefined {
  if (ids.length === 0) return focus !== null && exists(focus) ? null : undefined;
  if (focus !== null && ids.includes(focus)) return undefined;
  return ids[ids.length - 1]!;
}

export type Direction = 'left' | 'right' | 'up' | 'down';

/** Alt+Arrow keys as directions. */
export const NAV_KEYS: Readonly<Record<string, Direction>> = { ArrowLeft: 'left', ArrowRight: 'right', ArrowUp: 'up', ArrowDown: 'down' };

/**
 * The step to move the selection to from `from`, for keyboard users: right goes down the wires (to
 * a step this one feeds), left up them (to a step feeding this one), up and down to the nearest
 * step above or below. Where no wire leads that way, the nearest step on that side. With nothing
 * selected, the first step. Null when there is none that way.
 */
export function neighbour(graph: Graph, from: string | null, dir: Direction): string | null {
  const nodes = graph.nodes;
  const start = from === null ? undefined : nodes.find((n) => n.id === from);
  if (!start) return nodes[0]?.id ?? null;
  const at = (id: string): Position => nodes.find((n) => n.id === id)?.position ?? { x: 0, y: 0 };
  const p = start.position ?? { x: 0, y: 0 };
  const closest = (ids: Iterable<string>, score: (q: Position) => number): string | null => {
    let best: string | null = null;
    let bestScore = Infinity;
    for (const id of ids) {
      if (id === start.id) continue;
      const s = score(at(id));
      if (s < bestScore) [best, bestScore] = [id, s];
    }
    return best;
  };
  if (dir === 'right' || dir === 'left') {
    const wired = new Set(
      graph.edges.filter((e) => (dir === 'right' ? e.from.node === start.id : e.to.node === start.id)).map((e) => (dir === 'right' ? e.to.node : e.from.node)),
    );
    if (wired.size) return closest(wired, (q) => Math.abs(q.y - p.y) + Math.abs(q.x - p.x) / 10);
    const side = nodes.filter((n) => (dir === 'right' ? (n.position?.x ?? 0) > p.x : (n.position?.x ?? 0) < p.x)).map((n) => n.id);
    return closest(side, (q) => Math.abs(q.x - p.x) + 2 * Math.abs(q.y - p.y));
  }
  const side = nodes.filter((n) => (dir === 'down' ? (n.position?.y ?? 0) > p.y : (n.position?.y ?? 0) < p.y)).map((n) => n.id);
  return closest(side, (q) => Math.abs(q.y - p.y) + 2 * Math.abs(q.x - p.x));
}
