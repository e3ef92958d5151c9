// Live sources: a camera's frames and a timer's ticks arrive on their own clock, not from an edit.
// What they share is kept here, free of the DOM so Node tests run it: the camera's one-slot
// mailbox (the latest frame wins, a replaced one is closed at once) and the timer's curve and
// tick driver (a tick that comes while the last one's run is still busy is dropped, not queued).
// The app drives them (src/app/live-sources.ts) and the runtime applies what they give to the
// graph the live controller sees, without an undo step (see Runtime.setLive).

import type { NumberParam, OpRegistry, ParamSpec, Params, SelectParam } from './op';
import { EditError, type Graph } from './graph';
import { defaultParams } from './params';

/**
 * One slot: `put` replaces what waits there (closing it: a VideoFrame holds a decoder buffer
 * until closed), `take` empties it. So a busy consumer always gets the newest item and never a
 * queue of old ones.
 */
export class Mailbox<T> {
  #slot: T | null = null;
  readonly #close: (item: T) => void;
  /** Items replaced before anyone took them. */
  dropped = 0;
  /** Items put. */
  received = 0;

  constructor(close: (item: T) => void) {
    this.#close = close;
  }

  put(item: T): void {
    this.received++;
    if (this.#slot !== null) {
      this.dropped++;
      this.#close(this.#slot);
    }
    this.#slot = item;
  }

  take(): T | null {
    const item = this.#slot;
    this.#slot = null;
    return item;
  }

  get waiting(): boolean {
    return this.#slot !== null;
  }

  /** Closes what waits (the source stopped). */
  clear(): void {
    const item = this.take();
    if (item !== null) this.#close(item);
  }
}

/** The parameters every Timer declares (src/ops/timer/meta.ts spreads these). */
export const TIMER_PARAMS = {
  target: {
    kind: 'string',
    label: 'Step',
    description: 'The step whose parameter the timer moves.',
    default: '',
    maxLength: 64,
    choices: { kind: 'step' },
  },
  param: {
    kind: 'string',
    label: 'Parameter',
    description: 'Which of its number parameters.',
    default: '',
    maxLength: 64,
    choices: { kind: 'number-param', of: 'target' },
  },
  curve: {
    kind: 'select',
    label: 'Curve',
    description: 'Linear ramps From → To and starts again; sine and ping-pong go there and back.',
    default: 'sine',
    options: [
      { value: 'linear', label: 'Linear ramp' },
      { value: 'sine', label: 'Sine' },
      { value: 'ping-pong', label: 'Ping-pong' },
    ],
  } satisfies SelectParam,
  from: { kind: 'number', label: 'From', default: 0, min: -1e6, max: 1e6, step: 0.1, softMin: -100, softMax: 100 } satisfies NumberParam,
  to: { kind: 'number', label: 'To', default: 50, min: -1e6, max: 1e6, step: 0.1, softMin: -100, softMax: 100 } satisfies NumberParam,
  period: { kind: 'number', label: 'Period', description: 'Time for one cycle.', default: 4, min: 0.1, max: 600, step: 0.1, softMax: 30, unit: 's' } satisfies NumberParam,
  rate: {
    kind: 'number',
    label: 'Rate',
    description: 'Ticks a second; a tick that comes while the last one is still computing is dropped.',
    default: 10,
    min: 1,
    max: 60,
    integer: true,
    unit: 'per s',
  } satisfies NumberParam,
  loop: { kind: 'boolean', label: 'Loop', description: 'Start the cycle again at its end; otherwise stop after one.', default: true },
} as const satisfies Record<string, ParamSpec>;

export type TimerCurve = 'linear' | 'sine' | 'ping-pong';

/** Where the curve is (0..1 of the way From → To) at `phase` cycles (≥ 0). */
export function curveAt(curve: TimerCurve, phase: number): number {
  const f = phase - Math.floor(phase);
  if (curve === 'linear') return f;
  if (curve === 'ping-pong') return 1 - Math.abs(2 * f - 1);
  return (1 - Math.cos(2 * Math.PI * f)) / 2;
}

export interface TimerSettings {
  readonly curve: TimerCurve;
  readonly from: number;
  readonly to: number;
  /** Seconds per cycle. */
  readonly period: number;
  /** Ticks a second. */
  readonly rate: number;
  readonly loop: boolean;
}

export function timerSettings(params: Params): TimerSettings {
  const num = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) ? v : d);
  const curve = params.curve === 'linear' || params.curve === 'ping-pong' ? params.curve : 'sine';
  return {
    curve,
    from: num(params.from, 0),
    to: num(params.to, 50),
    period: Math.max(0.1, num(params.period, 4)),
    rate: Math.min(60, Math.max(1, num(params.rate, 10))),
    loop: params.loop !== false,
  };
}

/**
 * The value at `seconds` since the timer started, and whether a timer that does not loop has
 * ended (it then rests at its cycle's end: To for a ramp, From for the others).
 */
export function timerValue(s: TimerSettings, seconds: number): { value: number; ended: boolean } {
  const phase = Math.max(0, seconds) / s.period;
  const ended = !s.loop && phase >= 1;
  const u = ended ? (s.curve === 'linear' ? 1 : 0) : curveAt(s.curve, phase);
  return { value: s.from + (s.to - s.from) * u, ended };
}

export interface TimerDriverOptions {
  readonly settings: () => TimerSettings;
  /** True while the last tick's run is still going: the tick is dropped. */
  readonly busy: () => boolean;
  /** Applies a tick's value. */
  readonly apply: (value: number) => void;
  /** The timer ended (no loop): called once, after the last value was applied. */
  readonly onEnd?: () => void;
  readonly now?: () => number;
}

/** Ticks at the timer's rate; each tick applies the curve's value unless the pipeline is still busy. */
export class TimerDriver {
  readonly #o: TimerDriverOptions;
  #start = 0;
  #handle: unknown = null;
  ticks = 0;
  applied = 0;
  dropped = 0;

  constructor(opts: TimerDriverOptions) {
    this.#o = opts;
  }

  get playing(): boolean {
    return this.#handle !== null;
  }

  #now(): number {
    return this.#o.now ? this.#o.now() : performance.now();
  }

  start(): void {
    if (this.#handle !== null) return;
    this.#start = this.#now();
    this.#schedule();
  }

  stop(): void {
    if (this.#handle !== null) clearTimeout(this.#handle);
    this.#handle = null;
  }

  #schedule(): void {
    this.#handle = setTimeout(() => this.tick(), 1000 / this.#o.settings().rate);
  }

  /** One tick (the driver's own clock calls it; tests may too). */
  tick(): void {
    if (this.#handle === null) return;
    this.ticks++;
    const s = this.#o.settings();
    const { value, ended } = timerValue(s, (this.#now() - this.#start) / 1000);
    if (ended) {
      // The last value is never dropped: the step must rest where the cycle ends.
      this.applied++;
      this.#o.apply(value);
      this.stop();
      this.#o.onEnd?.();
      return;
    }
    if (this.#o.busy()) this.dropped++;
    else {
      this.applied++;
      this.#o.apply(value);
    }
    this.#schedule();
  }
}

/**
 * Freeze frame: the camera step `node` becomes an Image step showing the asset `asset` (its
 * frame, stored as an image), in the same place, with the same name and wires (both give their
 * result at the output `image`). One edit, so an undo brings the camera back.
 */
export function freezeCameraEdit(graph: Graph, registry: OpRegistry, node: string, asset: string): Graph {
  const n = graph.nodes.find((x) => x.id === node);
  if (!n || registry.get(n.op)?.live?.kind !== 'camera') throw new EditError(`"${node}" is not a Camera step`);
  const image = registry.get('image-source');
  if (!image) throw new EditError('Image steps are not available');
  const outputs = new Set(image.outputs.map((o) => o.name));
  return {
    nodes: graph.nodes.map((x) => (x.id === node ? { ...x, op: image.id, params: { ...defaultParams(image), asset }, bypass: false } : x)),
    edges: graph.edges.filter((e) => e.from.node !== node || outputs.has(e.from.port)),
  };
}
