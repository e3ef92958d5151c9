// Finding an operation by what a person types: the palette and the quick-add search both rank
// with this, so Enter adds the same step in either. No Svelte here.

import type { OpCategory, OpDecl } from '../engine';

/** Categories as the palette lists them: where images come from first. */
export const CATEGORY_ORDER: readonly OpCategory[] = ['source', 'adjust', 'filter', 'geometry', 'composite', 'analyze', 'output', 'utility'];

const categoryRank = (c: OpCategory) => {
  const i = CATEGORY_ORDER.indexOf(c);
  return i < 0 ? CATEGORY_ORDER.length : i;
};

/**
 * How well `op` matches the typed words, lower is better; null when a word matches nothing about
 * it. The title counts most (typing "image" finds Image, not an operation whose description says
 * "image"), then its id and keywords, then its description.
 */
export function matchScore(op: OpDecl, query: string): number | null {
  const q = query.trim().toLowerCase();
  const words = q.split(/\s+/).filter(Boolean);
  if (words.length === 0) return 0;
  const title = op.title.toLowerCase();
  const titleWords = title.split(/[^a-z0-9]+/).filter(Boolean);
  const names = `${op.id} ${op.category} ${(op.keywords ?? []).join(' ')}`.toLowerCase();
  const description = op.description.toLowerCase();
  let score = 0;
  for (const w of words) {
    if (titleWords.some((t) => t.startsWith(w))) score += 1;
    else if (title.includes(w)) score += 2;
    else if (names.includes(w)) score += 4;
    else if (description.includes(w)) score += 8;
    else return null;
  }
  if (title === q) return 0;
  if (title.startsWith(q)) return score / 2;
  return score;
}

/**
 * The operations matching `query`, best first (then sources before the rest, then by title).
 * `accepts` narrows them (the quick-add search after a wire is let go offers only steps that can
 * take it).
 */
export function searchOps(all: readonly OpDecl[], query: string, accepts: (op: OpDecl) => boolean = () => true): OpDecl[] {
  const scored: { op: OpDecl; score: number }[] = [];
  for (const op of all) {
    if (!accepts(op)) continue;
    const score = matchScore(op, query);
    if (score !== null) scored.push({ op, score });
  }
  scored.sort((a, b) => a.score - b.score || categoryRank(a.op.category) - categoryRank(b.op.category) || a.op.title.localeCompare(b.op.title));
  return scored.map((s) => s.op);
}

/** Ranked operations grouped by category; a group comes where its best match does (sources first when nothing is typed). */
export function groupOps(ranked: readonly OpDecl[], query: string): { category: OpCategory; items: OpDecl[] }[] {
  const groups = new Map<OpCategory, OpDecl[]>();
  for (const op of ranked) groups.set(op.category, [...(groups.get(op.category) ?? []), op]);
  const list = [...groups].map(([category, items]) => ({ category, items }));
  if (query.trim() === '') list.sort((a, b) => categoryRank(a.category) - categoryRank(b.category));
  return list;
}
