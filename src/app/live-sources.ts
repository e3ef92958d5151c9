// The live sources in the page: each Camera step's stream and each Timer step's clock. They feed
// the runtime through `Runtime.setLive` (parameters laid over the graph, never an undo step or a
// save), so only what lies below a camera or a timer's target recomputes, and what is computed
// there is volatile (memory only). The mailbox and the timer's curve are the engine's
// (engine/live-sources.ts); this file holds what needs the DOM: getUserMedia, the frame readers,
// the page's visibility.
//
// Camera: frames come from a MediaStreamTrackProcessor where the browser has one (VideoFrames),
// else from requestVideoFrameCallback on a <video> (ImageBitmaps). Each frame goes to a one-slot
// mailbox; one frame at a time is read into pixels in a worker (the frame is transferred there,
// never copied) and becomes the step's frame asset, keyed by a sequence number, and the next waits
// until the pipeline is idle: frames that come meanwhile replace each other, the replaced ones
// closed and counted as dropped. Tracks stop when the step is deleted or the tab hidden, and start
// again when it is visible.

import { Mailbox, TimerDriver, resolveParams, timerSettings, type Graph, type GraphNode, type TimerSettings } from '../engine';
import { registry } from '../ops/registry';
import type { Runtime } from './runtime';

export type CameraState = 'starting' | 'running' | 'paused' | 'failed';

export interface CameraStats {
  readonly node: string;
  readonly state: CameraState;
  readonly message: string | null;
  /** How frames are read: 'track-processor' (MediaStreamTrackProcessor) or 'video-frame-callback'. */
  readonly api: 'track-processor' | 'video-frame-callback' | null;
  readonly width: number;
  readonly height: number;
  /** Frames through the pipeline a second, over the last few seconds. */
  readonly fps: number;
  /** Frames taken through the pipeline. */
  readonly frames: number;
  /** Frames the camera gave. */
  readonly received: number;
  /** Frames replaced in the mailbox before the pipeline was free (each closed at once). */
  readonly dropped: number;
  /** Frames closed without going through the pipeline. */
  readonly closed: number;
}

export interface TimerStats {
  readonly node: string;
  readonly playing: boolean;
  readonly ticks: number;
  readonly applied: number;
  /** Ticks that came while the last tick's run was still busy. */
  readonly dropped: number;
  /** The value last given to the target parameter, or null. */
  readonly value: number | null;
  /** Why the timer cannot play, or null. */
  readonly problem: string | null;
  /** The step and number parameter it moves (while it plays they show its value), or null. */
  readonly target: { readonly node: string; readonly param: string } | null;
}

export interface LiveStats {
  readonly cameras: readonly CameraStats[];
  readonly timers: readonly TimerStats[];
}

/** Tells frame ids of this page apart from another session's: a frame id is only ever one frame. */
const NONCE = Math.floor(Math.random() * 36 ** 8).toString(36);
/** The fps is measured over this many most recent frames. */
const FPS_WINDOW = 30;

type Frame = VideoFrame | ImageBitmap;

interface TrackProcessor {
  readonly readable: ReadableStream<VideoFrame>;
}
type TrackProcessorCtor = new (init: { track: MediaStreamTrack }) => TrackProcessor;

class Camera {
  readonly node: string;
  state: CameraState = 'starting';
  message: string | null = null;
  api: CameraStats['api'] = null;
  resolution: string;
  width = 0;
  height = 0;
  frames = 0;
  closed = 0;
  readonly #host: LiveSources;
  readonly #mailbox = new Mailbox<Frame>((f) => {
    f.close();
    this.closed++;
  });
  /** Bumped by every start and stop: a reader of an older start lets go of what it gets. */
  #gen = 0;
  #stream: MediaStream | null = null;
  #reader: ReadableStreamDefaultReader<VideoFrame> | null = null;
  #video: HTMLVideoElement | null = null;
  #pumping = false;
  #frameId: string | null = null;
  #times: number[] = [];

  constructor(host: LiveSources, node: string, resolution: string) {
    this.#host = host;
    this.node = node;
    this.resolution = resolution;
  }

  get source(): string {
    return `camera:${this.node}`;
  }

  /** The current frame's pixels, or null. */
  get frame(): string | null {
    return this.#frameId;
  }

  stats(): CameraStats {
    const t = this.#times;
    const fps = t.length >= 2 ? ((t.length - 1) * 1000) / (t[t.length - 1]! - t[0]!) : 0;
    return {
      node: this.node,
      state: this.state,
      message: this.message,
      api: this.api,
      width: this.width,
      height: this.height,
      fps,
      frames: this.frames,
      received: this.#mailbox.received,
      dropped: this.#mailbox.dropped,
      closed: this.closed,
    };
  }

  async start(): Promise<void> {
    const gen = ++this.#gen;
    this.state = 'starting';
    this.message = null;
    this.#times = [];
    this.#host.changed();
    const [w, h] = this.resolution.split('x').map(Number);
    let stream: MediaStream;
    try {
      if (!navigator.mediaDevices?.getUserMedia) throw new Error('This browser gives pages no camera (or the page is not served over HTTPS)');
      stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: w }, height: { ideal: h } }, audio: false });
    } catch (e) {
      if (gen !== this.#gen) return;
      this.state = 'failed';
      this.message = cameraProblem(e);
      this.#host.changed();
      return;
    }
    if (gen !== this.#gen) {
      for (const t of stream.getTracks()) t.stop();
      return;
    }
    this.#stream = stream;
    const track = stream.getVideoTracks()[0]!;
    this.state = 'running';
    const Processor = (globalThis as { MediaStreamTrackProcessor?: TrackProcessorCtor }).MediaStreamTrackProcessor;
    if (Processor) {
      this.api = 'track-processor';
      void this.#readFrames(gen, new Processor({ track }));
    } else {
      this.api = 'video-frame-callback';
      this.#watchVideo(gen, stream);
    }
    this.#host.changed();
  }

  /** Stops the tracks and closes the waiting frame; the last frame stays on the step until it is deleted. */
  stop(state: CameraState = 'paused'): void {
    this.#gen++;
    this.#reader?.cancel().catch(() => {});
    this.#reader = null;
    for (const t of this.#stream?.getTracks() ?? []) t.stop();
    this.#stream = null;
    if (this.#video) {
      this.#video.srcObject = null;
      this.#video = null;
    }
    this.#mailbox.clear();
    this.state = state;
    this.#host.changed();
  }

  /** Deleted: tracks stopped, the frame let go. */
  dispose(): void {
    this.stop();
    this.#host.runtime.setLive(this.source, null);
    if (this.#frameId) this.#host.runtime.assets.delete(this.#frameId);
    this.#frameId = null;
  }

  async #readFrames(gen: number, processor: TrackProcessor): Promise<void> {
    const reader = processor.readable.getReader();
    this.#reader = reader;
    for (;;) {
      let got: ReadableStreamReadResult<VideoFrame>;
      try {
        got = await reader.read();
      } catch {
        break;
      }
      if (got.done) break;
      if (gen !== this.#gen) {
        got.value.close();
        break;
      }
      this.#mailbox.put(got.value);
      void this.#pump();
    }
  }

  #watchVideo(gen: number, stream: MediaStream): void {
    const video = document.createElement('video');
    video.muted = true;
    video.playsInline = true;
    video.srcObject = stream;
    this.#video = video;
    const onFrame = () => {
      if (gen !== this.#gen) return;
      createImageBitmap(video).then(
        (bmp) => {
          if (gen !== this.#gen) bmp.close();
          else {
            this.#mailbox.put(bmp);
            void this.#pump();
          }
        },
        () => {},
      );
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
    void video.play().catch((e: unknown) => {
      if (gen !== this.#gen) return;
      this.state = 'failed';
      this.message = `The camera stream could not be played: ${e instanceof Error ? e.message : String(e)}`;
      this.#host.changed();
    });
  }

  /** Takes the newest frame through the pipeline, then the next newest once it is idle, and so on. */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    const runtime = this.#host.runtime;
    try {
      for (let frame = this.#mailbox.take(); frame; frame = this.#mailbox.take()) {
        const gen = this.#gen;
        let image;
        try {
          image = await runtime.pool.frame(frame);
        } catch (e) {
          if (gen !== this.#gen) break;
          this.message = `A frame could not be read: ${e instanceof Error ? e.message : String(e)}`;
          this.#host.changed();
          continue;
        }
        if (gen !== this.#gen) break;
        const id = `cam-${NONCE}-${this.#host.nextFrame()}`;
        runtime.assets.add(id, image);
        runtime.setLive(this.source, { node: this.node, params: { frame: id } });
        if (this.#frameId) runtime.assets.delete(this.#frameId);
        this.#frameId = id;
        this.width = image.width;
        this.height = image.height;
        // Busy until the frame's run ends: frames that come meanwhile replace each other.
        await runtime.live.whenIdle();
        this.frames++;
        this.#times.push(performance.now());
        if (this.#times.length > FPS_WINDOW) this.#times.shift();
        this.#host.changed();
      }
    } finally {
      this.#pumping = false;
    }
  }
}

class Timer {
  readonly node: string;
  value: number | null = null;
  problem: string | null = null;
  readonly driver: TimerDriver;
  readonly #host: LiveSources;

  constructor(host: LiveSources, node: string) {
    this.#host = host;
    this.node = node;
    this.driver = new TimerDriver({
      settings: () => this.settings(),
      busy: () => host.runtime.live.busy,
      apply: (v) => this.#apply(v),
      onEnd: () => this.stop(),
    });
  }

  get source(): string {
    return `timer:${this.node}`;
  }

  #params() {
    const n = this.#host.runtime.graph.nodes.find((x) => x.id === this.node);
    const op = registry.get('timer')!;
    return resolveParams(op, n?.params ?? {});
  }

  settings(): TimerSettings {
    return timerSettings(this.#params());
  }

  /** The step and parameter the timer moves, or why it cannot. */
  target(): { node: string; param: string } | { problem: string } {
    const p = this.#params();
    const target = typeof p.target === 'string' ? p.target : '';
    const param = typeof p.param === 'string' ? p.param : '';
    const n = this.#host.runtime.graph.nodes.find((x) => x.id === target);
    if (!target || !n) return { problem: 'Pick the step to animate' };
    const spec = registry.get(n.op)?.params[param];
    if (!spec || spec.kind !== 'number') return { problem: `Pick one of the number parameters of "${n.label ?? registry.get(n.op)?.title ?? n.op}"` };
    return { node: target, param };
  }

  play(): void {
    const t = this.target();
    this.problem = 'problem' in t ? t.problem : null;
    if (this.problem === null) this.driver.start();
    this.#host.changed();
  }

  stop(): void {
    this.driver.stop();
    this.#host.runtime.setLive(this.source, null);
    this.#host.changed();
  }

  #apply(v: number): void {
    const t = this.target();
    if ('problem' in t) {
      this.problem = t.problem;
      this.stop();
      return;
    }
    this.value = v;
    this.#host.runtime.setLive(this.source, { node: t.node, params: { [t.param]: v }, volatile: true });
    this.#host.changed();
  }

  stats(): TimerStats {
    const d = this.driver;
    const t = this.target();
    return {
      node: this.node,
      playing: d.playing,
      ticks: d.ticks,
      applied: d.applied,
      dropped: d.dropped,
      value: this.value,
      problem: this.problem,
      target: 'problem' in t ? null : t,
    };
  }
}

export class LiveSources {
  readonly runtime: Runtime;
  readonly #cameras = new Map<string, Camera>();
  readonly #timers = new Map<string, Timer>();
  readonly #listeners = new Set<() => void>();
  #seq = 0;
  #hidden = typeof document !== 'undefined' && document.visibilityState === 'hidden';

  constructor(runtime: Runtime) {
    this.runtime = runtime;
    if (typeof document !== 'undefined') document.addEventListener('visibilitychange', () => this.#visibility());
  }

  /** @internal A new frame number (never reused in this page). */
  nextFrame(): number {
    return ++this.#seq;
  }

  /** Called on every change of the graph: starts cameras for new Camera steps, stops those of deleted ones (and their timers). */
  sync(graph: Graph): void {
    const cams = new Map<string, GraphNode>();
    const timers = new Set<string>();
    for (const n of graph.nodes) {
      const live = registry.get(n.op)?.live?.kind;
      if (live === 'camera' && !n.bypass) cams.set(n.id, n);
      else if (live === 'timer') timers.add(n.id);
    }
    for (const [id, cam] of this.#cameras) {
      const n = cams.get(id);
      if (!n) {
        cam.dispose();
        this.#cameras.delete(id);
      } else {
        const res = String(n.params.resolution ?? '1280x720');
        if (res !== cam.resolution) {
          cam.resolution = res;
          cam.stop();
          if (!this.#hidden) void cam.start();
        }
      }
    }
    for (const [id, n] of cams) {
      if (this.#cameras.has(id)) continue;
      const cam = new Camera(this, id, String(n.params.resolution ?? '1280x720'));
      this.#cameras.set(id, cam);
      if (this.#hidden) cam.state = 'paused';
      else void cam.start();
    }
    for (const [id, t] of this.#timers) {
      if (!timers.has(id)) {
        t.stop();
        this.#timers.delete(id);
      } else if (t.driver.playing && 'problem' in t.target()) t.stop(); // its target went away
    }
    for (const id of timers) if (!this.#timers.has(id)) this.#timers.set(id, new Timer(this, id));
    this.changed();
  }

  #visibility(): void {
    const hidden = document.visibilityState === 'hidden';
    if (hidden === this.#hidden) return;
    this.#hidden = hidden;
    for (const cam of this.#cameras.values()) {
      if (hidden) cam.stop('paused');
      else void cam.start();
    }
  }

  /** @internal Something to show changed. */
  changed(): void {
    for (const l of this.#listeners) l();
  }

  /** Called when stats or states change (often: every frame). */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  stats(): LiveStats {
    return { cameras: [...this.#cameras.values()].map((c) => c.stats()), timers: [...this.#timers.values()].map((t) => t.stats()) };
  }

  camera(node: string): CameraStats | null {
    return this.#cameras.get(node)?.stats() ?? null;
  }

  timer(node: string): TimerStats | null {
    return this.#timers.get(node)?.stats() ?? null;
  }

  /** Restarts a camera that failed (permission refused, device busy). */
  retryCamera(node: string): void {
    const cam = this.#cameras.get(node);
    if (cam && !this.#hidden) void cam.start();
  }

  playTimer(node: string): void {
    const t = this.#timers.get(node);
    if (!t) throw new Error(`There is no Timer step "${node}"`);
    t.play();
  }

  stopTimer(node: string): void {
    this.#timers.get(node)?.stop();
  }

  /** The asset id of a camera step's current frame, or null when it has none yet. */
  currentFrame(node: string): string | null {
    return this.#cameras.get(node)?.frame ?? null;
  }
}

function cameraProblem(e: unknown): string {
  const name = e instanceof Error ? e.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'Camera access was refused: allow it in the browser (the icon in the address bar), then Retry camera';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'No camera was found: connect one, then Retry camera';
  if (name === 'NotReadableError' || name === 'AbortError') return 'The camera is in use by another app or could not start: close that app, then Retry camera';
  return `The camera could not start: ${e instanceof Error ? e.message : String(e)}`;
}
