// Proxy previews: while a parameter is dragged the app computes on proxies, sources reduced to
// about a megapixel, and shows those at once (the full-resolution run follows at rest, under other
// keys). A proxy image carries its `scale`; a step working on one sees its pixel-sized parameters
// (`unit: 'px'`: blur radii, crop boxes, offsets, target sizes) multiplied by that scale, so the
// proxy looks like a small copy of the full result.

import type { OpDecl, OpRegistry, Params } from '../engine/op';
import type { Graph } from '../engine/graph';
import { resolveParams } from '../engine/params';
import { isImage } from './image';
import type { Image } from './types';

/**
 * The size of a proxy of a w×h image with at most `maxPixels`, or null when the image is that
 * small already. `scale` is the reduction (the smaller of the two sides' when rounding differs).
 */
export function proxySize(width: number, height: number, maxPixels: number): { width: number; height: number; scale: number } | null {
  if (!(maxPixels > 0) || width * height <= maxPixels) return null;
  // Both sides by the same exact factor where the aspect ratio allows it without giving up more
  // than a fifth of the pixels (4000×3000 → 1180×885, ×0.295), so a proxy maps back to exactly
  // the full size; else each side rounded down.
  const g = gcd(width, height);
  const a = width / g;
  const b = height / g;
  const k = Math.floor(Math.sqrt(maxPixels / (a * b)));
  if (k >= 1 && k * k * a * b >= 0.8 * maxPixels) return { width: a * k, height: b * k, scale: k / g };
  const s = Math.sqrt(maxPixels / (width * height));
  let w = Math.floor(width * s);
  let h = Math.floor(height * s);
  // a very thin image keeps its one row (or column) and is reduced along the other side only
  if (w < 1) [w, h] = [1, Math.min(height, Math.floor(maxPixels))];
  else if (h < 1) [w, h] = [Math.min(width, Math.floor(maxPixels)), 1];
  return { width: w, height: h, scale: Math.min(w / width, h / height) };
}

/** Whether an image is a reduced proxy (a proxy run's image that is not reduced is a full one). */
export function isProxy(image: Image | undefined): boolean {
  const s = image?.scale;
  return s !== undefined && s > 0 && s < 1;
}

/** The scale a step works at: its first image input's (1 for full resolution or no image input). */
export function scaleOf(inputs: Readonly<Record<string, unknown>>): number {
  for (const v of Object.values(inputs)) if (isImage(v)) return (v as Image).scale ?? 1;
  return 1;
}

/** Parameters for a step working at `scale`: `px` parameters scaled, rounded if whole, kept within bounds. */
export function proxyParams(op: OpDecl, params: Params, scale: number): Params {
  if (!(scale > 0) || scale === 1) return params;
  let out: Record<string, Params[string]> | null = null;
  for (const [name, spec] of Object.entries(op.params)) {
    const v = params[name];
    if (spec.kind !== 'number' || spec.unit !== 'px' || typeof v !== 'number') continue;
    let x = v * scale;
    if (spec.integer) x = Math.round(x);
    x = Math.min(spec.max, Math.max(spec.min, x));
    out ??= { ...params };
    out[name] = x;
  }
  return out ?? params;
}

/**
 * The scale a step works at. A step with image inputs works at its first image's scale; in a proxy
 * run, a generator (no image input) whose `width` and `height` are pixel sizes makes its image at
 * proxy size too, so that a pipeline fed by a generated image previews as fast as a loaded one.
 */
export function workingScale(op: OpDecl, params: Params, inputs: Readonly<Record<string, unknown>>, proxy: number): number {
  if (op.inputs.some((p) => p.type === 'image')) return scaleOf(inputs);
  const w = params.width;
  const h = params.height;
  const px = (name: string) => {
    const spec = op.params[name];
    return spec?.kind === 'number' && spec.unit === 'px';
  };
  if (!(proxy > 0) || typeof w !== 'number' || typeof h !== 'number' || !px('width') || !px('height')) return 1;
  return proxySize(w, h, proxy)?.scale ?? 1;
}

/**
 * Whether proxies would be smaller than the graph's own images: some source gives more than
 * `maxPixels` (a loaded image, looked up with `assetSize`, or a generator's width × height). When
 * none does, a proxy run would only compute the full result twice, so the app does not ask for one.
 */
export function graphNeedsProxy(
  graph: Graph,
  registry: OpRegistry,
  maxPixels: number,
  assetSize: (id: string) => { readonly width: number; readonly height: number } | undefined,
): boolean {
  if (!(maxPixels > 0)) return false;
  for (const node of graph.nodes) {
    const op = registry.get(node.op);
    if (!op || op.inputs.some((p) => p.type === 'image')) continue;
    let params: Params;
    try {
      params = resolveParams(op, node.params);
    } catch {
      continue; // an invalid step does not run at all
    }
    for (const [name, spec] of Object.entries(op.params)) {
      const id = params[name];
      if (spec.kind !== 'string' || !spec.asset || typeof id !== 'string' || !id) continue;
      const size = assetSize(id);
      if (size && size.width * size.height > maxPixels) return true;
    }
    if (workingScale(op, params, {}, maxPixels) < 1) return true;
  }
  return false;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
