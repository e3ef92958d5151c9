// The undo history survives a reload of the tab: it is written to sessionStorage (this tab only,
// gone when the tab closes) as the page goes away, and read back after the autosaved graph is
// restored, only if that graph is the one the history led to. Bounded in entries and size, so
// writing it stays cheap; each graph read back is validated like a graph file.

import { parseGraphDocument, serializeGraph, type Graph } from '../engine';
import { registry } from '../ops/registry';
import type { Runtime } from './runtime';

const KEY = 'pipette-history';
/** Undo (and redo) steps kept across a reload, each way. */
export const KEPT_STEPS = 50;
/** Characters of history kept; the oldest steps go first beyond it. */
const MAX_CHARS = 1_500_000;

interface Stored {
  readonly present: string;
  /** Oldest first, as History keeps them. */
  readonly past: readonly string[];
  readonly future: readonly string[];
}

/** Writes the runtime's history for the next load of this tab. */
export function saveHistory(runtime: Runtime, storage: Storage = sessionStorage): void {
  try {
    const present = serializeGraph(runtime.graph);
    let budget = MAX_CHARS - present.length;
    // The newest steps each way first: they are the ones an undo reaches.
    const newest = (graphs: readonly Graph[]): string[] => {
      const out: string[] = [];
      for (let i = graphs.length - 1; i >= 0 && out.length < KEPT_STEPS; i--) {
        const text = serializeGraph(graphs[i]!);
        if (text.length > budget) break;
        budget -= text.length;
        out.unshift(text);
      }
      return out;
    };
    const future = newest(runtime.history.future);
    const past = newest(runtime.history.past);
    if (past.length === 0 && future.length === 0) storage.removeItem(KEY);
    else storage.setItem(KEY, JSON.stringify({ present, past, future } satisfies Stored));
  } catch (e) {
    // Storage full or off: the history is a convenience, the graph itself is autosaved apart.
    console.warn('Pipette: the undo history could not be kept for the next load', e);
  }
}

/**
 * Gives the runtime back the history saved by this tab, when its graph is the one that history
 * ended at (a graph changed in another tab, or not saved in time, starts a fresh history).
 */
export function restoreHistory(runtime: Runtime, storage: Storage = sessionStorage): void {
  let raw: string | null;
  try {
    raw = storage.getItem(KEY);
    storage.removeItem(KEY);
  } catch {
    return;
  }
  if (!raw) return;
  try {
    const stored = JSON.parse(raw) as Stored;
    if (stored.present !== serializeGraph(runtime.graph)) return;
    const read = (texts: readonly string[]) => texts.map((t) => parseGraphDocument(t, registry).graph);
    runtime.history.reset(runtime.graph, read(stored.past), read(stored.future));
  } catch (e) {
    console.warn('Pipette: the undo history kept from the last load could not be read; starting a fresh one', e);
  }
}
