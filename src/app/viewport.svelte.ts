// Zoom and pan of the viewer: fast-changing state kept apart from graph data, so that a pan or a
// wheel turn re-renders the viewer's stage and nothing else.

export const MIN_ZOOM = 1 / 64;
export const MAX_ZOOM = 64;
/** One wheel notch or one button press. */
export const ZOOM_STEP = 1.25;

export interface Point {
  readonly x: number;
  readonly y: number;
}

export class Viewport {
  /** Size of the visible area in CSS px (bound to the element). */
  width = $state(0);
  height = $state(0);
  /** Size of the image shown, in pixels. */
  #contentWidth = $state(0);
  #contentHeight = $state(0);
  /** While true the image follows the area's size (resizing the pane keeps it fitted). */
  #fitted = $state(true);
  #zoom = $state(1);
  #x = $state(0);
  #y = $state(0);

  get contentWidth(): number {
    return this.#contentWidth;
  }

  get contentHeight(): number {
    return this.#contentHeight;
  }

  get fitted(): boolean {
    return this.#fitted;
  }

  /** The zoom that shows the whole image in the area, with a small margin. */
  get fitZoom(): number {
    if (this.#contentWidth <= 0 || this.#contentHeight <= 0 || this.width <= 0 || this.height <= 0) return 1;
    const z = Math.min((this.width - 16) / this.#contentWidth, (this.height - 16) / this.#contentHeight);
    return clamp(z, MIN_ZOOM, MAX_ZOOM);
  }

  /** Screen px per image pixel. */
  get zoom(): number {
    return this.#fitted ? this.fitZoom : this.#zoom;
  }

  /** Where the image's top-left corner is, in area px. */
  get x(): number {
    return this.#fitted ? Math.round((this.width - this.#contentWidth * this.zoom) / 2) : this.#x;
  }

  get y(): number {
    return this.#fitted ? Math.round((this.height - this.#contentHeight * this.zoom) / 2) : this.#y;
  }

  /** Image pixels are drawn as crisp squares once they are larger than screen pixels. */
  get pixelated(): boolean {
    return this.zoom > 1;
  }

  /** A new image size: a different size starts fitted again (its old zoom would make no sense). */
  /**
   * The content's size in stage pixels. A different size starts fitted; the same size, or one
   * within a pixel in a hundred (a proxy's size rounded back to full resolution), keeps zoom and pan.
   */
  setContent(width: number, height: number): void {
    if (width === this.#contentWidth && height === this.#contentHeight) return;
    const near = (a: number, b: number) => Math.abs(a - b) <= Math.max(1, b / 100);
    const same = near(width, this.#contentWidth) && near(height, this.#contentHeight);
    this.#contentWidth = width;
    this.#contentHeight = height;
    if (!same) this.#fitted = true;
  }

  fit(): void {
    this.#fitted = true;
  }

  /** Multiplies the zoom, keeping the image point under (px, py) in place; the centre by default. */
  zoomBy(factor: number, px = this.width / 2, py = this.height / 2): void {
    this.zoomTo(this.zoom * factor, px, py);
  }

  zoomTo(zoom: number, px = this.width / 2, py = this.height / 2): void {
    const z0 = this.zoom;
    const x0 = this.x;
    const y0 = this.y;
    const z1 = clamp(zoom, MIN_ZOOM, MAX_ZOOM);
    this.#zoom = z1;
    // Whole screen pixels at 1:1 and above, so image pixels line up with screen pixels.
    const snap = z1 >= 1 ? Math.round : (v: number) => v;
    this.#x = snap(px - ((px - x0) * z1) / z0);
    this.#y = snap(py - ((py - y0) * z1) / z0);
    this.#fitted = false;
  }

  /** One image pixel per screen pixel, around the centre. */
  actualPixels(): void {
    this.zoomTo(1);
  }

  panBy(dx: number, dy: number): void {
    const x = this.x;
    const y = this.y;
    this.#zoom = this.zoom;
    this.#x = Math.round(x + dx);
    this.#y = Math.round(y + dy);
    this.#fitted = false;
  }

  /** The part of the image in view (plus `margin` image px around it), clamped to the image; null if none is. */
  visibleRect(margin = 0): { x: number; y: number; width: number; height: number } | null {
    const z = this.zoom;
    const x0 = Math.max(0, Math.floor(-this.x / z) - margin);
    const y0 = Math.max(0, Math.floor(-this.y / z) - margin);
    const x1 = Math.min(this.#contentWidth, Math.ceil((this.width - this.x) / z) + margin);
    const y1 = Math.min(this.#contentHeight, Math.ceil((this.height - this.y) / z) + margin);
    if (x1 <= x0 || y1 <= y0) return null;
    return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  }

  /** The image pixel under an area point, or null outside the image. */
  pixelAt(px: number, py: number): Point | null {
    const x = Math.floor((px - this.x) / this.zoom);
    const y = Math.floor((py - this.y) / this.zoom);
    if (x < 0 || y < 0 || x >= this.#contentWidth || y >= this.#contentHeight) return null;
    return { x, y };
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
