// The libraries we measure ourselves against, loaded at run time from /anchors/ (bench/node_modules
// as shipped; run.mjs serves it). Each anchor works on data already in its own form (an OpenCV
// Mat, a vips image in wasm memory, a PhotonImage, a canvas): getting pixels in and out is left
// out of its time, as in shared/MEASURED.md. Our kernels are timed end to end from an RGBA buffer.

/* eslint-disable @typescript-eslint/no-explicit-any */
import type { Rgba } from './image';
import { SHARPEN } from './reference';

export interface Output {
  readonly width: number;
  readonly height: number;
  readonly data: ArrayLike<number>;
  /** 4 for RGBA, 1 for a single grey channel. */
  readonly channels: number;
}

/** One implementation of one operation. `prepare` and `read` are not timed; `run` is. */
export interface Impl {
  readonly library: string;
  /** What exactly runs, for the notes. */
  readonly how: string;
  prepare(): unknown;
  run(state: any): unknown;
  read(state: any): Output;
  dispose?(state: any): void;
}

export type OpId = 'gauss5' | 'gauss20' | 'resize' | 'bc' | 'gray' | 'levels' | 'invert' | 'hsl' | 'sharpen' | 'median2' | 'median5' | 'box2' | 'box5';

/** Levels' parameters in the kernel table (input 10..240, gamma 1.2, output 0..255). */
export const LEVELS = { inBlack: 10, inWhite: 240, gamma: 1.2 } as const;

/** The parameters every implementation uses. Brightness below 0 is a pure scale, which every library can express. */
export const BRIGHTNESS = -20;
export const CONTRAST = 30;
/** brightness −20, contrast +30 as one affine map on 0..255: v·A + B. */
export const SLANT = Math.tan(((CONTRAST / 100 + 1) * Math.PI) / 4);
export const AFFINE_A = (1 + BRIGHTNESS / 200) * SLANT;
export const AFFINE_B = (0.5 - 0.5 * SLANT) * 255;

export interface Anchors {
  readonly status: Record<string, { ok: boolean; ms: number; detail: string }>;
  impls(op: OpId, src: Rgba): Impl[];
}

async function timed<T>(f: () => Promise<T>): Promise<{ value?: T; ms: number; error?: string }> {
  const t0 = performance.now();
  try {
    const value = await f();
    return { value, ms: performance.now() - t0 };
  } catch (e) {
    return { ms: performance.now() - t0, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}

function loadScript(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = url;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error(`could not load ${url}`));
    document.head.append(s);
  });
}

// The OpenCV module object has a `then` in some builds: never return it from an async function.
const holder: { cv?: any; vips?: any; photon?: any } = {};

async function loadOpenCv(): Promise<string> {
  await loadScript('/anchors/@techstark/opencv-js/dist/opencv.js');
  const cv = (window as any).cv;
  await new Promise<void>((resolve) => {
    if (cv.Mat) resolve();
    else cv.onRuntimeInitialized = () => resolve();
  });
  holder.cv = cv;
  const info = String(cv.getBuildInformation?.() ?? '');
  const version = /General configuration for OpenCV ([^\s=]+)/.exec(info)?.[1] ?? '?';
  const simd = /CPU\/HW features:[\s\S]*?Baseline:\s*([^\n]*)/.exec(info)?.[1]?.trim() ?? '';
  const threads = /Parallel framework:\s*([^\n]*)/.exec(info)?.[1]?.trim() ?? '';
  return `OpenCV ${version}; baseline: ${simd || 'none'}; parallel: ${threads || 'none'}`;
}

async function loadVips(): Promise<string> {
  const mod = await import(/* @vite-ignore */ '/anchors/wasm-vips/lib/vips-es6.js');
  // No optional codecs: only the core module is needed for these operations.
  const vips = await mod.default({ dynamicLibraries: [] });
  // libvips caches operations: the same call on the same image would be answered from the cache.
  vips.Cache.max(0);
  holder.vips = vips;
  return `libvips ${vips.version(0)}.${vips.version(1)}.${vips.version(2)}; default concurrency ${vips.concurrency()}`;
}

async function loadPhoton(): Promise<string> {
  const mod = await import(/* @vite-ignore */ '/anchors/@silvia-odwyer/photon/photon_rs.js');
  await mod.default({ module_or_path: '/anchors/@silvia-odwyer/photon/photon_rs_bg.wasm' });
  holder.photon = mod;
  return 'photon (wasm-bindgen)';
}

export async function loadAnchors(): Promise<Anchors> {
  const status: Anchors['status'] = {};
  for (const [name, load] of [
    ['opencv', loadOpenCv],
    ['vips', loadVips],
    ['photon', loadPhoton],
  ] as const) {
    const r = await timed(load);
    status[name] = { ok: !r.error, ms: r.ms, detail: r.error ?? r.value ?? '' };
  }
  status['canvas'] = { ok: true, ms: 0, detail: 'Canvas2D, software (--disable-gpu)' };
  return { status, impls: (op, src) => impls(op, src, status) };
}

// ---- OpenCV.js ----------------------------------------------------------------------------------

let cvSource: any;
function cvSrc(src: Rgba): any {
  const cv = holder.cv;
  if (!cvSource) {
    cvSource = new cv.Mat(src.height, src.width, cv.CV_8UC4);
    cvSource.data.set(src.data);
  }
  return cvSource;
}

function cvImpl(how: string, src: Rgba, call: (cv: any, s: any, d: any) => void, channels = 4): Impl {
  return {
    library: 'OpenCV.js',
    how,
    prepare: () => ({ s: cvSrc(src), d: new holder.cv.Mat() }),
    run: ({ s, d }) => call(holder.cv, s, d),
    read: ({ d }) => ({ width: d.cols, height: d.rows, data: d.data.slice(), channels }),
    dispose: ({ d }) => d.delete(),
  };
}

function openCv(op: OpId, src: Rgba): Impl | null {
  switch (op) {
    case 'gauss5':
    case 'gauss20': {
      const sigma = op === 'gauss5' ? 5 : 20;
      return cvImpl(`GaussianBlur(σ ${sigma}, ksize from σ, BORDER_REPLICATE)`, src, (cv, s, d) =>
        cv.GaussianBlur(s, d, new cv.Size(0, 0), sigma, sigma, cv.BORDER_REPLICATE),
      );
    }
    case 'resize':
      return cvImpl('resize(INTER_LANCZOS4: OpenCV has no Lanczos-3)', src, (cv, s, d) =>
        cv.resize(s, d, new cv.Size(src.width / 2, src.height / 2), 0, 0, cv.INTER_LANCZOS4),
      );
    case 'bc':
      // convertTo also maps alpha; with these parameters 255 stays 255.
      return cvImpl('Mat.convertTo(alpha, beta): the same affine map', src, (_cv, s, d) => s.convertTo(d, -1, AFFINE_A, AFFINE_B));
    case 'gray':
      return cvImpl('cvtColor(RGBA2GRAY): Rec. 601 weights, one channel out', src, (cv, s, d) => cv.cvtColor(s, d, cv.COLOR_RGBA2GRAY), 1);
    case 'sharpen': {
      return cvImpl('filter2D(3×3, BORDER_REPLICATE)', src, (cv, s, d) => {
        const k = cv.matFromArray(3, 3, cv.CV_32F, [...SHARPEN]);
        cv.filter2D(s, d, -1, k, new cv.Point(-1, -1), 0, cv.BORDER_REPLICATE);
        k.delete();
      });
    }
    case 'invert':
      return cvImpl('bitwise_not (alpha inverted too)', src, (cv, s, d) => cv.bitwise_not(s, d));
    case 'median2':
    case 'median5': {
      const size = op === 'median2' ? 5 : 11;
      return cvImpl(`medianBlur(${size}) (edges replicated)`, src, (cv, s, d) => cv.medianBlur(s, d, size));
    }
    case 'box2':
    case 'box5': {
      const size = op === 'box2' ? 5 : 11;
      return cvImpl(`blur(${size}×${size}, BORDER_REPLICATE): alpha averaged too`, src, (cv, s, d) =>
        cv.blur(s, d, new cv.Size(size, size), new cv.Point(-1, -1), cv.BORDER_REPLICATE),
      );
    }
    default:
      return null;
  }
}

// ---- wasm-vips -----------------------------------------------------------------------------------

let vipsSource: any;
function vipsSrc(src: Rgba): any {
  const vips = holder.vips;
  if (!vipsSource) vipsSource = vips.Image.newFromMemory(src.data, src.width, src.height, 4, 'uchar').copyMemory();
  return vipsSource;
}

function vipsImpl(threads: number, how: string, src: Rgba, call: (vips: any, s: any) => any): Impl {
  return {
    library: `wasm-vips, ${threads} thread${threads > 1 ? 's' : ''}`,
    how,
    prepare: () => {
      holder.vips.concurrency(threads);
      return { s: vipsSrc(src), out: null as any };
    },
    run: (st) => {
      // copyMemory evaluates the lazy pipeline into an image in wasm memory.
      const lazy = call(holder.vips, st.s);
      st.out = lazy.copyMemory();
      lazy.delete();
    },
    read: (st) => {
      const o = st.out;
      return { width: o.width, height: o.height, data: o.writeToMemory(), channels: o.bands };
    },
    dispose: (st) => st.out?.delete(),
  };
}

function vips(op: OpId, src: Rgba, threads: number): Impl | null {
  switch (op) {
    case 'gauss5':
    case 'gauss20': {
      const sigma = op === 'gauss5' ? 5 : 20;
      return vipsImpl(threads, `gaussblur(${sigma}) (min_ampl 0.2, integer precision)`, src, (_v, s) => s.gaussblur(sigma));
    }
    case 'resize':
      return vipsImpl(threads, "resize(0.5, kernel 'lanczos3')", src, (_v, s) => s.resize(0.5, { kernel: 'lanczos3' }));
    case 'bc':
      return vipsImpl(threads, 'linear(a, b, uchar): the same affine map', src, (_v, s) =>
        s.linear([AFFINE_A, AFFINE_A, AFFINE_A, 1], [AFFINE_B, AFFINE_B, AFFINE_B, 0], { uchar: true }),
      );
    case 'gray':
      return vipsImpl(threads, "colourspace('b-w'): via CIE Y, grey + alpha out", src, (_v, s) => s.colourspace('b-w'));
    case 'sharpen':
      return vipsImpl(threads, 'conv(3×3, integer precision)', src, (v, s) => {
        const mask = v.Image.newFromArray([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], 1, 0);
        const out = s.conv(mask, { precision: 'integer' }).cast('uchar');
        mask.delete();
        return out;
      });
    case 'invert':
      return vipsImpl(threads, 'invert (alpha kept: colour bands only)', src, (_v, s) => {
        const colour = s.extractBand(0, { n: 3 });
        const alpha = s.extractBand(3);
        const out = colour.invert().bandjoin(alpha);
        colour.delete();
        alpha.delete();
        return out;
      });
    default:
      return null;
  }
}

// ---- photon ---------------------------------------------------------------------------------------

function photonImpl(how: string, src: Rgba, call: (p: any, img: any) => any): Impl {
  return {
    library: 'photon',
    how,
    // photon edits in place: every repetition needs a fresh image (its copy into wasm is not timed)
    prepare: () => ({ img: new holder.photon.PhotonImage(new Uint8Array(src.data.buffer, src.data.byteOffset, src.data.length), src.width, src.height), out: null as any }),
    run: (st) => {
      st.out = call(holder.photon, st.img) ?? st.img;
    },
    read: (st) => ({ width: st.out.get_width(), height: st.out.get_height(), data: st.out.get_raw_pixels(), channels: 4 }),
    dispose: (st) => {
      if (st.out && st.out !== st.img) st.out.free();
      st.img.free();
    },
  };
}

function photon(op: OpId, src: Rgba): Impl | null {
  switch (op) {
    case 'gauss5':
    case 'gauss20': {
      const sigma = op === 'gauss5' ? 5 : 20;
      return photonImpl(`gaussian_blur(radius ${sigma}): a box-blur approximation`, src, (p, img) => p.gaussian_blur(img, sigma));
    }
    case 'resize':
      return photonImpl('resize(Lanczos3)', src, (p, img) => p.resize(img, src.width / 2, src.height / 2, p.SamplingFilter.Lanczos3));
    case 'bc':
      // photon's brightness adds and its contrast has its own curve: the closest pair to the same map.
      return photonImpl('adjust_brightness(−14) + adjust_contrast(48.9): its own formulas, closest match', src, (p, img) => {
        p.adjust_brightness(img, -14);
        p.adjust_contrast(img, 48.9);
      });
    case 'gray':
      return photonImpl('grayscale_human_corrected (0.3/0.59/0.11)', src, (p, img) => p.grayscale_human_corrected(img));
    case 'sharpen':
      return photonImpl('sharpen (3×3)', src, (p, img) => p.sharpen(img));
    case 'invert':
      return photonImpl('invert', src, (p, img) => p.invert(img));
    case 'hsl':
      // photon's HSL conversions are its own (f32, through its palette crate): the same idea, not the same bytes.
      return photonImpl('hue_rotate_hsl(15) + saturate_hsl(0.2): two passes, its own HSL', src, (p, img) => {
        p.hue_rotate_hsl(img, 15);
        p.saturate_hsl(img, 0.2);
      });
    default:
      return null;
  }
}

// ---- Canvas2D ----------------------------------------------------------------------------------

let canvasSource: HTMLCanvasElement | undefined;
function canvasSrc(src: Rgba): HTMLCanvasElement {
  if (!canvasSource) {
    canvasSource = document.createElement('canvas');
    canvasSource.width = src.width;
    canvasSource.height = src.height;
    canvasSource.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(src.data), src.width, src.height), 0, 0);
  }
  return canvasSource;
}

function canvasImpl(how: string, src: Rgba, ow: number, oh: number, setup: (ctx: CanvasRenderingContext2D) => void): Impl {
  return {
    library: 'Canvas2D',
    how,
    prepare: () => {
      const c = document.createElement('canvas');
      c.width = ow;
      c.height = oh;
      const ctx = c.getContext('2d')!;
      setup(ctx);
      return { ctx, s: canvasSrc(src) };
    },
    run: ({ ctx, s }) => {
      ctx.drawImage(s, 0, 0, ow, oh);
      // Canvas work is deferred: reading one pixel makes it happen now.
      ctx.getImageData(0, 0, 1, 1);
    },
    read: ({ ctx }) => ({ width: ow, height: oh, data: ctx.getImageData(0, 0, ow, oh).data, channels: 4 }),
  };
}

function canvas(op: OpId, src: Rgba): Impl | null {
  const { width: w, height: h } = src;
  switch (op) {
    case 'gauss5':
    case 'gauss20': {
      const sigma = op === 'gauss5' ? 5 : 20;
      return canvasImpl(`filter = 'blur(${sigma}px)' (edges fade to transparent)`, src, w, h, (ctx) => (ctx.filter = `blur(${sigma}px)`));
    }
    case 'resize':
      return canvasImpl("drawImage scaled, imageSmoothingQuality 'high' (not Lanczos)", src, w / 2, h / 2, (ctx) => {
        ctx.imageSmoothingEnabled = true;
        ctx.imageSmoothingQuality = 'high';
      });
    case 'bc':
      return canvasImpl(`filter = 'brightness(0.9) contrast(${SLANT.toFixed(3)})': the same map`, src, w, h, (ctx) => (ctx.filter = `brightness(0.9) contrast(${SLANT})`));
    case 'gray':
      return canvasImpl("filter = 'grayscale(1)' (Rec. 709 weights)", src, w, h, (ctx) => (ctx.filter = 'grayscale(1)'));
    case 'sharpen':
      return canvasImpl("filter = 'url(#sharpen)': SVG feConvolveMatrix 3×3", src, w, h, (ctx) => (ctx.filter = 'url(#sharpen)'));
    case 'invert':
      return canvasImpl("filter = 'invert(1)'", src, w, h, (ctx) => (ctx.filter = 'invert(1)'));
    case 'hsl':
      return canvasImpl("filter = 'hue-rotate(15deg) saturate(1.2)': CSS's linear RGB matrices, not HSL", src, w, h, (ctx) => (ctx.filter = 'hue-rotate(15deg) saturate(1.2)'));
    default:
      return null;
  }
}

function impls(op: OpId, src: Rgba, status: Anchors['status']): Impl[] {
  const out: (Impl | null)[] = [];
  if (status['opencv']?.ok) out.push(openCv(op, src));
  if (status['vips']?.ok) out.push(vips(op, src, 1), vips(op, src, navigator.hardwareConcurrency || 2));
  if (status['photon']?.ok) out.push(photon(op, src));
  out.push(canvas(op, src));
  return out.filter((x): x is Impl => x !== null);
}
