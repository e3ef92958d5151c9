// Fitting the graph in its pane: the zoom and pan that show every step, but never smaller than a
// zoom at which a step's title can be read (a wider graph is then centred on its start). Computed
// from the steps' positions and their declared size, so steps never rendered (off screen) count.

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** The least zoom Fit goes to: a 14 px step title is then about 8 px on screen. */
export const READABLE_ZOOM = 0.6;

export function boundsOf(positions: readonly { x: number; y: number }[], size: { width: number; height: number }): Box | null {
  if (positions.length === 0) return null;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const p of positions) {
    x0 = Math.min(x0, p.x);
    y0 = Math.min(y0, p.y);
    x1 = Math.max(x1, p.x + size.width);
    y1 = Math.max(y1, p.y + size.height);
  }
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * The viewport showing `bounds` in a `width`×`height` pane with `padding` (a share of the pane)
 * around it, zoomed between `minZoom` and `maxZoom`. When the graph is too wide to fit at
 * `minZoom`, its left end (where a pipeline starts) is shown rather than its middle; too tall, its top.
 */
export function fitViewport(bounds: Box, width: number, height: number, opts: { minZoom?: number; maxZoom?: number; padding?: number } = {}): { x: number; y: number; zoom: number } {
  const { minZoom = READABLE_ZOOM, maxZoom = 1.5, padding = 0.08 } = opts;
  const w = Math.max(1, width * (1 - 2 * padding));
  const h = Math.max(1, height * (1 - 2 * padding));
  const fits = Math.min(w / Math.max(1, bounds.width), h / Math.max(1, bounds.height));
  const zoom = Math.min(maxZoom, Math.max(minZoom, fits));
  const place = (pane: number, start: number, size: number) => {
    const inner = pane * (1 - 2 * padding);
    return size * zoom <= inner ? pane / 2 - (start + size / 2) * zoom : pane * padding - start * zoom;
  };
  return { x: place(width, bounds.x, bounds.width), y: place(height, bounds.y, bounds.height), zoom };
}
