// Live sources in the engine: the camera's one-slot mailbox (latest wins, replaced items closed
// and counted), the timer's curves and its driver (ticks dropped while busy), and volatility
// (results computed from a camera or under a timer are marked so the store keeps them off disk).
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { addNode, connect, emptyGraph, type Graph } from '../../../src/engine/graph';
import { keyGraph } from '../../../src/engine/keys';
import { registryOf, type OpDecl } from '../../../src/engine/op';
import { Scheduler } from '../../../src/engine/scheduler';
import type { Outputs, PutInfo, ResultStore } from '../../../src/engine/types';
import { Mailbox, TimerDriver, curveAt, freezeCameraEdit, timerSettings, timerValue } from '../../../src/engine/live-sources';
import { testExecutor, testRegistry } from './fixtures';

describe('mailbox', () => {
  test('a busy consumer gets only the newest item; every replaced one is closed and counted as dropped', () => {
    const closed: number[] = [];
    const box = new Mailbox<number>((n) => closed.push(n));
    box.put(1);
    box.put(2);
    box.put(3);
    expect(box.take()).toBe(3);
    expect(box.take()).toBeNull();
    expect(closed).toEqual([1, 2]);
    expect(box.dropped).toBe(2);
    expect(box.received).toBe(3);
  });

  test('clearing closes what waits, without counting it as dropped', () => {
    const closed: number[] = [];
    const box = new Mailbox<number>((n) => closed.push(n));
    box.put(7);
    box.clear();
    expect(closed).toEqual([7]);
    expect(box.waiting).toBe(false);
    expect(box.dropped).toBe(0);
  });
});

describe('timer curves', () => {
  test('linear ramps and restarts, ping-pong and sine go there and back', () => {
    expect(curveAt('linear', 0.25)).toBeCloseTo(0.25);
    expect(curveAt('linear', 1.25)).toBeCloseTo(0.25);
    expect(curveAt('ping-pong', 0.25)).toBeCloseTo(0.5);
    expect(curveAt('ping-pong', 0.5)).toBeCloseTo(1);
    expect(curveAt('ping-pong', 0.75)).toBeCloseTo(0.5);
    expect(curveAt('sine', 0)).toBeCloseTo(0);
    expect(curveAt('sine', 0.5)).toBeCloseTo(1);
  });

  test('values run From → To over the period; without loop the timer ends after one cycle', () => {
    const s = timerSettings({ curve: 'linear', from: 10, to: 20, period: 2, rate: 10, loop: false });
    expect(timerValue(s, 1)).toEqual({ value: 15, ended: false });
    expect(timerValue(s, 2.5)).toEqual({ value: 20, ended: true });
    const looped = timerSettings({ curve: 'linear', from: 10, to: 20, period: 2, rate: 10, loop: true });
    expect(timerValue(looped, 3).value).toBeCloseTo(15);
    expect(timerValue(looped, 3).ended).toBe(false);
  });
});

describe('timer driver', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  test('a tick while the last one is still busy is dropped, not queued', () => {
    let now = 0;
    let busy = false;
    const applied: number[] = [];
    const d = new TimerDriver({
      settings: () => timerSettings({ curve: 'linear', from: 0, to: 100, period: 10, rate: 10, loop: true }),
      busy: () => busy,
      apply: (v) => applied.push(v),
      now: () => now,
    });
    d.start();
    now = 100;
    vi.advanceTimersByTime(100);
    expect(applied).toEqual([1]);
    busy = true;
    for (let i = 0; i < 3; i++) {
      now += 100;
      vi.advanceTimersByTime(100);
    }
    expect(applied).toEqual([1]);
    expect(d.dropped).toBe(3);
    busy = false;
    now += 100;
    vi.advanceTimersByTime(100);
    // The next tick applies the value for the time now, not the ones it missed.
    expect(applied).toEqual([1, 5]);
    expect(d.ticks).toBe(5);
    d.stop();
    vi.advanceTimersByTime(1000);
    expect(d.ticks).toBe(5);
  });

  test('a timer that does not loop applies its last value and stops itself', () => {
    let now = 0;
    const applied: number[] = [];
    let ended = 0;
    const d = new TimerDriver({
      settings: () => timerSettings({ curve: 'linear', from: 0, to: 10, period: 0.2, rate: 10, loop: false }),
      busy: () => true, // even busy, the end is applied
      apply: (v) => applied.push(v),
      onEnd: () => ended++,
      now: () => now,
    });
    d.start();
    for (let i = 0; i < 3; i++) {
      now += 100;
      vi.advanceTimersByTime(100);
    }
    expect(applied).toEqual([10]);
    expect(ended).toBe(1);
    expect(d.playing).toBe(false);
  });
});

// A camera source for the test registry: no inputs, a number out.
const cameraOp: OpDecl = {
  id: 'cam',
  version: 1,
  title: 'Cam',
  category: 'source',
  description: '',
  inputs: [],
  outputs: [{ name: 'out', type: 'number' }],
  params: { frame: { kind: 'string', label: 'Frame', default: '', maxLength: 64 } },
  live: { kind: 'camera' },
};
const reg = registryOf([...testRegistry.all(), cameraOp]);
const edge = (g: Graph, from: string, to: string, port = 'a') => connect(g, reg, { from: { node: from, port: 'out' }, to: { node: to, port } });

/** cam → k1 → k2; x → k3 (apart). */
function graph(): Graph {
  let g = addNode(emptyGraph, reg, { id: 'cam', op: 'cam', params: { frame: 'f1' } });
  g = addNode(g, reg, { id: 'k1', op: 'add', params: { k: 1 } });
  g = addNode(g, reg, { id: 'k2', op: 'add', params: { k: 2 } });
  g = addNode(g, reg, { id: 'x', op: 'num', params: { value: 3 } });
  g = addNode(g, reg, { id: 'k3', op: 'add', params: { k: 3 } });
  g = edge(g, 'cam', 'k1');
  g = edge(g, 'k1', 'k2');
  g = edge(g, 'x', 'k3');
  return g;
}

describe('volatile results', () => {
  test('a camera step and everything below it are volatile; a timer target adds itself and what is below it', () => {
    expect([...keyGraph(graph(), reg).volatile].sort()).toEqual(['cam', 'k1', 'k2']);
    expect([...keyGraph(graph(), reg, { volatile: new Set(['x']) }).volatile].sort()).toEqual(['cam', 'k1', 'k2', 'k3', 'x']);
  });

  test('a new frame changes the keys below the camera only', () => {
    const a = keyGraph(graph(), reg);
    const g2 = { ...graph(), nodes: graph().nodes.map((n) => (n.id === 'cam' ? { ...n, params: { frame: 'f2' } } : n)) };
    const b = keyGraph(g2, reg);
    const key = (k: typeof a, id: string) => (k.steps.get(id) as { key: string }).key;
    for (const id of ['cam', 'k1', 'k2']) expect(key(b, id)).not.toBe(key(a, id));
    for (const id of ['x', 'k3']) expect(key(b, id)).toBe(key(a, id));
  });

  test('the scheduler tells the store which results are volatile', async () => {
    const puts = new Map<string, PutInfo>();
    const store: ResultStore<number> = { get: () => undefined, put: (key: string, _o: Outputs<number>, info: PutInfo) => void puts.set(info.op.id + ':' + key, info) };
    const exec = {
      run: (task: { op: OpDecl; params: Record<string, unknown>; inputs: Record<string, number> }) =>
        Promise.resolve(task.op.id === 'cam' ? { out: 1 } : testExecutor().run(task as never, { signal: new AbortController().signal, started() {}, progress() {} })),
    };
    const sched = new Scheduler({ registry: reg, executor: exec as never, store });
    const keys = keyGraph(graph(), reg);
    await sched.run(graph(), { keys }).done;
    const volatileOf = (id: string) => [...puts].find(([k]) => k.endsWith((keys.steps.get(id) as { key: string }).key))?.[1].volatile ?? false;
    expect(volatileOf('cam')).toBe(true);
    expect(volatileOf('k2')).toBe(true);
    expect(volatileOf('x')).toBe(false);
    expect(volatileOf('k3')).toBe(false);
  });
});

describe('freeze frame', () => {
  test('the camera step becomes an image step in place, keeping its wires and name', () => {
    const image: OpDecl = { id: 'image-source', version: 1, title: 'Image', category: 'source', description: '', inputs: [], outputs: [{ name: 'out', type: 'number' }], params: { asset: { kind: 'string', label: 'Image', default: '', maxLength: 64, asset: true } } };
    const r = registryOf([...reg.all(), image]);
    const g = { ...graph(), nodes: graph().nodes.map((n) => (n.id === 'cam' ? { ...n, label: 'Webcam' } : n)) };
    const frozen = freezeCameraEdit(g, r, 'cam', 'abc');
    const n = frozen.nodes.find((x) => x.id === 'cam')!;
    expect(n).toMatchObject({ op: 'image-source', params: { asset: 'abc' }, label: 'Webcam' });
    expect(frozen.edges).toEqual(g.edges);
    expect(() => freezeCameraEdit(g, r, 'k1', 'abc')).toThrow(/not a Camera step/);
  });
});
