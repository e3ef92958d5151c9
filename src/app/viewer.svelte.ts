// The viewer's state: which step it shows, its published image and the one to compare it with, the
// pictures (display bitmaps made in a worker; a proxy's own pixels), and the pixel under the
// pointer. The component only renders this. Zoom and pan live in `Viewport`, apart, so that
// panning re-renders nothing else.
//
// Results come from `live.result(node)`, which only ever holds a result under the step's current
// key; a bitmap is shown only while the image it was made from is still the published one.

import { isImage } from '../ops/image';
import { isProxy } from '../ops/proxy';
import type { Image } from '../ops/types';
import type { WorkerPool } from '../workers/pool';
import { firstImage, isStored, type ImageResult, type PixelRect } from '../workers/protocol';
import { DISPLAY_MAX_SIDE, scaledSize } from '../workers/preview-rows';
import { untrack } from 'svelte';
import type { EditorState, NodeView } from './editor.svelte';
import { Viewport } from './viewport.svelte';
import type { Picture } from './picture';
import type { Graph } from '../engine';

/** What the compare select can hold besides a step id. */
export const COMPARE_INPUT = 'input';
export const COMPARE_NONE = 'none';
/** Quiet time after a zoom or pan before the sharp region is asked for. */
const DETAIL_DELAY_MS = 120;

export interface Shown {
  /** The step whose result this is. */
  readonly node: string;
  readonly title: string;
  readonly image: Image;
  /**
   * The size the image stands for, in which the stage, zoom and pixel coordinates are measured:
   * its own size, or for a proxy the full-resolution size it previews (so the view does not jump
   * when the full result replaces it).
   */
  readonly width: number;
  readonly height: number;
  /** A proxy preview, shown until the full-resolution result arrives. */
  readonly proxy: boolean;
  /** The step's result from before the last edit, kept up (marked "updating") until the new one arrives. */
  readonly updating: boolean;
}

/** What an image stands for: itself, or for a proxy the full-resolution size. */
function shownOf(node: string, title: string, image: Image, updating = false): Shown {
  const proxy = isProxy(image);
  const s = image.scale ?? 1;
  return {
    node,
    title,
    image,
    width: proxy ? Math.max(1, Math.round(image.width / s)) : image.width,
    height: proxy ? Math.max(1, Math.round(image.height / s)) : image.height,
    proxy,
    updating,
  };
}

export interface Readout {
  readonly x: number;
  readonly y: number;
  /** RGBA of the step's result at (x, y). */
  readonly after: readonly [number, number, number, number];
  /** RGBA of the compared image at the same place (scaled when its size differs), when comparing. */
  readonly before: readonly [number, number, number, number] | null;
  /** The pixel was picked from the keyboard (the centre of the view), not the pointer. */
  readonly keyboard: boolean;
}

export interface CompareOption {
  readonly id: string;
  readonly title: string;
}

/**
 * Long side of the whole-image bitmap. Putting a bitmap on screen costs the main thread time in
 * proportion to its pixels (a 12 MP one 50–100 ms): the whole image goes at about a pane's
 * resolution, and zooming in past it adds the visible region at screen resolution.
 */
export const BASE_MAX_SIDE = DISPLAY_MAX_SIDE;

export interface BitmapWant {
  readonly image: Image;
  /** Part of the image, at full resolution. */
  readonly region?: PixelRect;
  readonly maxSide?: number;
}

/**
 * What a slot asks for to show a whole image: a proxy (at most about a megapixel) as it is, from its
 * pixels (see BitmapSlot); a full result at most BASE_MAX_SIDE px.
 */
export function wholeWant(image: Image | undefined): BitmapWant | undefined {
  return image ? (isProxy(image) ? { image } : { image, maxSide: BASE_MAX_SIDE }) : undefined;
}

/**
 * A picture that follows a request: a display bitmap it asks the pool for whenever the request
 * changes (aborting the one no longer wanted), the one that came with the result, or for a whole
 * proxy its own pixels. A picture of another image is dropped at once, never left up; a picture of
 * another region of the same image stays until the new one arrives.
 */
export class BitmapSlot {
  picture = $state.raw<Picture | null>(null);
  /** The image the picture was made from. */
  source = $state.raw<Image | null>(null);
  /** The part of `source` the picture shows, in its pixels. */
  region = $state.raw<PixelRect | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  /** Time the last bitmap asked of a worker took, request to arrival, in ms. */
  lastMs = $state<number | null>(null);
  /**
   * Where the picture shown came from: the bitmap that came with the result ('result'), the
   * image's own pixels ('pixels', a proxy), or a bitmap asked of a worker ('worker').
   */
  made = $state<'result' | 'pixels' | 'worker' | null>(null);

  /** What the bitmap shown or on its way was asked for, and how to stop asking. */
  #asked: { readonly want: BitmapWant; readonly ctl: AbortController } | null = null;

  /** `takesResult`: may show the display bitmap a result came with (one slot per result: it is consumed). */
  constructor(pool: WorkerPool, want: () => BitmapWant | undefined, opts: { readonly takesResult?: boolean } = {}) {
    $effect(() => {
      const w = want();
      // The same request again (a redraw re-derived it): keep what is shown or on its way. Asking
      // anew would make a worker redo a full-size bitmap on every redraw of the editor.
      if (w && this.#asked && sameWant(this.#asked.want, w) && untrack(() => this.error) === null) return;
      this.#asked?.ctl.abort();
      this.#asked = null;
      if (!w || untrack(() => this.source) !== w.image) this.#set(null, null, null);
      this.error = null;
      if (!w) {
        this.loading = false;
        return;
      }
      const { image, region, maxSide } = w;
      const ctl = new AbortController();
      this.#asked = { want: w, ctl };
      const whole = { x: 0, y: 0, width: image.width, height: image.height };
      // A whole proxy (about a megapixel) is drawn from its own pixels on this thread (see
      // picture.ts): no worker makes a bitmap for it, and none is waited for.
      if (!region && isProxy(image)) {
        this.made = 'pixels';
        this.loading = false;
        this.#set(image, image, whole);
        return;
      }
      // The focused step at full resolution came with its display bitmap, made by the worker that
      // computed it: shown at once, without queueing for a worker behind the next step's work. Only
      // the viewer's own slot takes it (the canvas it goes to consumes it); another showing the same
      // result (the pinned viewer on the step selected) asks for its own.
      const ready = opts.takesResult ? (image as ImageResult).display : undefined;
      const size = maxSide ? scaledSize(image.width, image.height, maxSide) : image;
      if (ready && !region && ready.width === size.width && ready.height === size.height) {
        this.made = 'result';
        this.loading = false;
        this.#set(ready, image, whole);
        return;
      }
      const t0 = performance.now();
      this.loading = true;
      pool.bitmap(pixelsOnly(image), { signal: ctl.signal, ...(region ? { region } : {}), ...(maxSide ? { maxSide } : {}) }).then(
        (bmp) => {
          if (ctl.signal.aborted) {
            bmp.close();
            return;
          }
          this.lastMs = performance.now() - t0;
          this.made = 'worker';
          this.loading = false;
          this.#set(bmp, image, clampRect(region ?? { x: 0, y: 0, width: image.width, height: image.height }, image));
        },
        (e: unknown) => {
          if (ctl.signal.aborted) return;
          this.loading = false;
          this.error = `The preview could not be drawn: ${e instanceof Error ? e.message : String(e)}`;
        },
      );
    });
    // The slot's owner going away stops what it asked for.
    $effect(() => () => this.#asked?.ctl.abort());
  }

  #set(picture: Picture | null, source: Image | null, region: PixelRect | null): void {
    this.picture = picture;
    this.source = source;
    this.region = region;
  }
}

function sameWant(a: BitmapWant, b: BitmapWant): boolean {
  const r = a.region;
  const q = b.region;
  const sameRegion = r === q || (!!r && !!q && r.x === q.x && r.y === q.y && r.width === q.width && r.height === q.height);
  return a.image === b.image && a.maxSide === b.maxSide && sameRegion;
}

/** The same clamping as the worker's, so a region is placed where its pixels came from. */
function clampRect(r: PixelRect, img: Image): PixelRect {
  const x = Math.max(0, Math.min(img.width - 1, Math.floor(r.x)));
  const y = Math.max(0, Math.min(img.height - 1, Math.floor(r.y)));
  return { x, y, width: Math.max(1, Math.min(img.width - x, Math.ceil(r.width))), height: Math.max(1, Math.min(img.height - y, Math.ceil(r.height))) };
}

/** The pool needs the pixels only: the node's thumbnail stays here. */
function pixelsOnly(img: Image): Image {
  return { width: img.width, height: img.height, data: img.data };
}

export class ViewerState {
  readonly viewport = new Viewport();
  /** `COMPARE_INPUT` (the step's first image input), `COMPARE_NONE`, or a step id. */
  compareWith = $state<string>(COMPARE_INPUT);
  /** Where the compare divider is, 0..1 of the view's width: before on the left, after on the right. */
  split = $state(0.5);
  readout = $state.raw<Readout | null>(null);
  /** The whole result, at most BASE_MAX_SIDE px; and, zoomed in past that, the visible part at full resolution. */
  readonly after: BitmapSlot;
  readonly afterDetail: BitmapSlot;
  readonly before: BitmapSlot;
  readonly beforeDetail: BitmapSlot;
  /** The visible part of the shown image that needs full resolution, settled after zoom and pan rest. */
  #detail = $state.raw<{ readonly region: PixelRect; readonly maxSide: number } | null>(null);
  readonly #editor: EditorState;

  constructor(editor: EditorState) {
    this.#editor = editor;
    const pool = editor.runtime.pool;
    // What the viewer reads is read in full: a stored result is otherwise only peeked at (its preview).
    $effect(() => {
      const nodes = this.reads;
      untrack(() => editor.runtime.live.need(nodes));
    });
    this.after = new BitmapSlot(pool, () => wholeWant(this.shown?.image), { takesResult: true });
    this.before = new BitmapSlot(pool, () => wholeWant(this.compared?.image));
    // The detail region is in stage pixels; each image is asked for the same place in its own pixels.
    const detailOf = (shown: Shown | null | undefined, image: Image | undefined): BitmapWant | undefined => {
      const d = this.#detail;
      if (!shown || !image || !d) return undefined;
      const sx = image.width / shown.width;
      const sy = image.height / shown.height;
      const r = d.region;
      return { image, region: { x: r.x * sx, y: r.y * sy, width: r.width * sx, height: r.height * sy }, maxSide: d.maxSide };
    };
    this.afterDetail = new BitmapSlot(pool, () => detailOf(this.shown, this.shown?.image));
    this.beforeDetail = new BitmapSlot(pool, () => detailOf(this.shown, this.comparing ? this.compared?.image : undefined));
    // Zoomed in past the whole-image bitmap's resolution: ask for the visible part once the view rests.
    $effect(() => {
      const shown = this.shown;
      const vp = this.viewport;
      const zoom = vp.zoom;
      const rect = shown ? vp.visibleRect(64) : null;
      if (!shown || !rect || zoom <= Math.min(1, BASE_MAX_SIDE / Math.max(shown.width, shown.height))) {
        this.#detail = null;
        return;
      }
      // No more pixels than the screen shows: full resolution from 1:1 on, fewer below.
      const maxSide = Math.ceil(Math.max(rect.width, rect.height) * Math.min(1, zoom * (globalThis.devicePixelRatio || 1)));
      const timer = setTimeout(() => (this.#detail = { region: rect, maxSide }), DETAIL_DELAY_MS);
      return () => clearTimeout(timer);
    });
    // A different image size starts fitted; the same size keeps zoom and pan (tuning a parameter).
    $effect(() => {
      const shown = this.shown;
      if (shown) this.viewport.setContent(shown.width, shown.height);
    });
  }

  /** The step the viewer follows: the selected one, else the last step of the graph. */
  readonly node = $derived.by((): string | null => {
    const g = this.#editor.graph;
    // The selection is the runtime's focus, whoever set it (the editor follows its focus events).
    const wanted = this.#editor.selected;
    if (wanted && g.nodes.some((n) => n.id === wanted)) return wanted;
    const fed = new Set(g.edges.map((e) => e.from.node));
    const sinks = g.nodes.filter((n) => !fed.has(n.id));
    return (sinks.at(-1) ?? g.nodes.at(-1))?.id ?? null;
  });

  readonly view = $derived.by((): NodeView | undefined => (this.node ? this.#editor.views.get(this.node) : undefined));

  readonly title = $derived.by(() => this.#title(this.node));

  /**
   * The step's published outputs, else (marked `updating`) what it showed before the last edit,
   * until its new result comes. Read again whenever the graph changes (a withdrawn result goes at
   * once) or the views are redrawn (a new result was published).
   */
  readonly #published = $derived.by(() => {
    void this.#editor.graph;
    void this.#editor.views;
    const live = this.#editor.runtime.live;
    const node = this.node;
    if (!node) return undefined;
    const now = live.result(node);
    if (now) return { outputs: now.outputs, updating: false };
    const before = live.previous(node);
    return before ? { outputs: before.outputs, updating: true } : undefined;
  });

  readonly shown = $derived.by((): Shown | null => {
    const node = this.node;
    const image = firstImage(this.#published?.outputs);
    // A light result (pixels still in storage) is read in full for the viewer first (see `need`).
    return node && image && !isStored(image) ? shownOf(node, this.title, image, this.#published?.updating) : null;
  });

  /** Where the step's first image input comes from, if it is wired. */
  readonly inputSource = $derived.by((): { node: string; port: string } | null => {
    const node = this.node;
    if (!node) return null;
    const g = this.#editor.graph;
    const n = g.nodes.find((x) => x.id === node);
    const op = n ? this.#editor.ops.get(n.op) : undefined;
    const port = op?.inputs.find((p) => p.type === 'image');
    const into = (edges: Graph['edges']) => port && edges.find((e) => e.to.node === node && e.to.port === port.name);
    // Inside a subgraph, an inner step fed through the subgraph's input: the step outside that feeds it.
    const edge = into(g.edges) ?? (this.#editor.inside ? into(this.#editor.runtime.flat.graph.edges) : undefined);
    return edge ? { node: edge.from.node, port: edge.from.port } : null;
  });

  /** The image to compare with, or null (not comparing, or nothing to compare with yet). */
  readonly compared = $derived.by((): Shown | null => {
    void this.#editor.graph;
    void this.#editor.views;
    const live = this.#editor.runtime.live;
    if (this.compareWith === COMPARE_NONE) return null;
    let node: string;
    let image: Image | undefined;
    if (this.compareWith === COMPARE_INPUT) {
      const src = this.inputSource;
      if (!src) return null;
      node = src.node;
      const v = live.result(node)?.outputs[src.port];
      image = isImage(v) ? v : undefined;
    } else {
      node = this.compareWith;
      if (node === this.node) return null;
      image = firstImage(live.result(node)?.outputs);
    }
    return image && !isStored(image) ? shownOf(node, this.#title(node), image) : null;
  });

  /** The steps whose pixels the viewer reads: the one shown and the one compared with. */
  readonly reads = $derived.by((): string[] => {
    const nodes = this.node ? [this.node] : [];
    if (this.compareWith === COMPARE_INPUT) {
      const src = this.inputSource;
      if (src) nodes.push(src.node);
    } else if (this.compareWith !== COMPARE_NONE) nodes.push(this.compareWith);
    return nodes;
  });

  /** Whether the compare divider is up: comparing, and both images are there. */
  readonly comparing = $derived(this.shown !== null && this.compared !== null);

  /** Why the compare view is not up although one is asked for, to say so. */
  readonly compareNote = $derived.by((): string | null => {
    if (this.compareWith === COMPARE_NONE || !this.shown || this.comparing) return null;
    if (this.compareWith === COMPARE_INPUT && !this.inputSource) return 'This step has no image input to compare with';
    return 'The image to compare with has no result yet';
  });

  /** Steps with an image result, other than the one shown, for the compare select. */
  readonly compareOptions = $derived.by((): CompareOption[] => {
    const views = this.#editor.views;
    return this.#editor.graph.nodes
      .filter((n) => n.id !== this.node && views.get(n.id)?.size)
      .map((n) => ({ id: n.id, title: this.#title(n.id) }));
  });

  /** The pixel under an area point; null leaves the readout empty. Reads 4 bytes, never the canvas. */
  inspect(px: number, py: number, keyboard = false): void {
    const shown = this.shown;
    const p = shown ? this.viewport.pixelAt(px, py) : null;
    if (!shown || !p) {
      this.readout = null;
      return;
    }
    const cmp = this.comparing ? this.compared : null;
    // Coordinates are the stage's (full resolution); each image is read where that point is shown,
    // which for a compared image of another size, or a proxy, is a scaled place.
    const at = (img: Image) =>
      rgbaAt(img, Math.min(img.width - 1, Math.floor(((p.x + 0.5) * img.width) / shown.width)), Math.min(img.height - 1, Math.floor(((p.y + 0.5) * img.height) / shown.height)));
    this.readout = { x: p.x, y: p.y, after: at(shown.image), before: cmp ? at(cmp.image) : null, keyboard };
  }

  /** The readout at the centre of the view, for keyboard users. */
  inspectCentre(): void {
    this.inspect(this.viewport.width / 2, this.viewport.height / 2, true);
  }

  clearReadout(): void {
    this.readout = null;
  }

  /**
   * Where a slot's picture goes on the stage (whose pixels are the shown image's), or null when it
   * has nothing of the image that is wanted there now.
   */
  placement(slot: BitmapSlot, image: Image | undefined): PixelRect | null {
    const shown = this.shown;
    const r = slot.region;
    if (!shown || !image || !slot.picture || slot.source !== image || !r) return null;
    const sx = shown.width / image.width;
    const sy = shown.height / image.height;
    return { x: r.x * sx, y: r.y * sy, width: r.width * sx, height: r.height * sy };
  }

  setSplit(fraction: number): void {
    this.split = Math.min(1, Math.max(0, fraction));
  }

  #title(node: string | null): string {
    if (!node) return '';
    const v = this.#editor.views.get(node);
    if (v) return v.title;
    const n = this.#editor.graph.nodes.find((x) => x.id === node);
    return n ? (n.label ?? this.#editor.ops.get(n.op)?.title ?? n.op) : node;
  }
}

function rgbaAt(img: Image, x: number, y: number): [number, number, number, number] {
  const i = (y * img.width + x) * 4;
  const d = img.data;
  return [d[i]!, d[i + 1]!, d[i + 2]!, d[i + 3]!];
}
