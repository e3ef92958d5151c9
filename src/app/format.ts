// How numbers read in the inspection panels: one place, so the viewer, status bar and performance
// panel say "1.2 s", "48 MB" and "45 %" the same way.

export { formatMs } from '../engine';

const MiB = 1024 * 1024;

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < MiB) return `${(bytes / 1024).toFixed(0)} KB`;
  if (bytes < 1024 * MiB) return `${(bytes / MiB).toFixed(bytes < 10 * MiB ? 1 : 0)} MB`;
  return `${(bytes / 1024 / MiB).toFixed(2)} GB`;
}

export function formatPercent(fraction: number): string {
  return `${Math.round(fraction * 100)} %`;
}

export function formatMegapixels(pixels: number): string {
  const mp = pixels / 1e6;
  return `${mp >= 10 ? mp.toFixed(0) : mp >= 0.1 ? mp.toFixed(1) : mp.toFixed(2)} MP`;
}

export function formatZoom(zoom: number): string {
  return zoom >= 1 ? `${Math.round(zoom * 100)} %` : `${(zoom * 100).toFixed(zoom >= 0.1 ? 0 : 1)} %`;
}

/** "4000×3000", or '' for no size. */
export function formatSize(size: { readonly width: number; readonly height: number } | null | undefined): string {
  return size ? `${size.width}×${size.height}` : '';
}

/** "24.5 fps" (frames through the pipeline a second). */
export function formatFps(fps: number): string {
  return `${fps >= 10 ? fps.toFixed(0) : fps.toFixed(1)} fps`;
}
