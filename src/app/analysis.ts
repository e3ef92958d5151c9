// What an analysis step (Statistics, Histogram) found, in the form the node and the viewers show:
// its number outputs labelled as its operation declares them, and its histogram as chart paths.
// Pure functions, no Svelte: the components only render what these return.

import type { OpDecl } from '../engine';
import type { Histogram } from '../ops/types';

export interface NumberOutput {
  readonly name: string;
  /** The port's label from the operation's declaration. */
  readonly label: string;
  readonly value: number;
}

/** The step's number outputs, in the order its operation declares them. */
export function numbersOf(op: OpDecl | undefined, outputs: Readonly<Record<string, unknown>> | null | undefined): NumberOutput[] {
  if (!outputs) return [];
  const ports = op?.outputs ?? Object.keys(outputs).map((name) => ({ name, label: name }));
  const found: NumberOutput[] = [];
  for (const p of ports) {
    const v = outputs[p.name];
    if (typeof v === 'number') found.push({ name: p.name, label: p.label ?? p.name, value: v });
  }
  return found;
}

export function isHistogram(v: unknown): v is Histogram {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'histogram';
}

/** The step's first histogram output, if any. */
export function histogramOf(outputs: Readonly<Record<string, unknown>> | null | undefined): Histogram | null {
  for (const v of Object.values(outputs ?? {})) if (isHistogram(v)) return v;
  return null;
}

/** A number as the panels show it: integers as they are, others to 3 decimals. */
export function formatNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(3);
}

export const HISTOGRAM_CHANNELS = ['r', 'g', 'b', 'luma'] as const;
export type HistogramChannel = (typeof HISTOGRAM_CHANNELS)[number];

/**
 * Closed SVG area paths, one per channel, in a `width`×`height` box: level 0 on the left, 255 on
 * the right, counts scaled so the fullest bin of any drawn channel reaches the top. One huge bin (a
 * flat background) would flatten the rest, so the scale is the square root of the counts.
 */
export function histogramPaths(h: Histogram, width: number, height: number): Record<HistogramChannel, string> {
  let max = 0;
  for (const c of HISTOGRAM_CHANNELS) for (const n of h[c]) if (n > max) max = n;
  const top = Math.sqrt(max) || 1;
  const path = (bins: Uint32Array): string => {
    const parts = [`M0 ${height}`];
    for (let i = 0; i < 256; i++) {
      const x = ((i + 0.5) / 256) * width;
      const y = height - (Math.sqrt(bins[i] ?? 0) / top) * height;
      parts.push(`L${x.toFixed(1)} ${y.toFixed(1)}`);
    }
    parts.push(`L${width} ${height}Z`);
    return parts.join('');
  };
  return { r: path(h.r), g: path(h.g), b: path(h.b), luma: path(h.luma) };
}
