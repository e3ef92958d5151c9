// The batch queue over a fake host (no workers: "decoding" reads a byte, "computing" inverts it)
// and fake-indexeddb: order, pause, cancel, retry, reorder, crash recovery, and a randomised model
// test in which every job ends exactly once with one committed result, crashes included.
import { describe, expect, test } from 'vitest';
import { freshFactory } from '../cache/helpers';
import { applyDelta, BatchQueue, DELTA_MS, outputNames, type BatchHost, type QueueDelta, type QueueView } from '../../../src/batch/batch-queue';
import { BatchStore } from '../../../src/batch/store';
import { eta, nextJob, rankBetween, recover, transition, type BatchJob, type BatchPipeline } from '../../../src/batch/model';
import { createImage } from '../../../src/ops/image';
import { hashText128 } from '../../../src/engine/hash';
import { rng } from '../ops/helpers';

const pipeline: BatchPipeline = { id: 'p1', graph: '{}', source: 'img', outputs: [{ step: 'inv', folder: '' }], type: 'image/png', quality: 0.9, background: '#ffffff' };

interface FakeHost extends BatchHost {
  started: string[];
  /** While set, compute waits until released. */
  hold: boolean;
  release(): void;
  failOn: Set<number>;
}

function fakeHost(): FakeHost {
  let waiters: (() => void)[] = [];
  const host: FakeHost = {
    started: [],
    hold: false,
    failOn: new Set(),
    release() {
      const w = waiters;
      waiters = [];
      w.forEach((f) => f());
    },
    async decode(file) {
      const b = new Uint8Array(await file.arrayBuffer());
      const image = createImage(2, 1);
      image.data[0] = b[0]!;
      return { image, hash: `asset-${b[0]}` };
    },
    async compute(p, asset, image, signal) {
      host.started.push(asset);
      if (host.hold) {
        await new Promise<void>((resolve, reject) => {
          waiters.push(resolve);
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        });
      }
      await new Promise((r) => setTimeout(r, 1)); // a job takes a moment: a crash can cut it off
      signal.throwIfAborted();
      if (host.failOn.has(image.data[0]!)) throw new Error(`cannot do ${image.data[0]}`);
      // One result per written step: the first inverts the byte, the next inverts it and adds its index.
      return p.outputs.map((_, i) => {
        const out = createImage(2, 1);
        out.data[0] = (255 - image.data[0]! + i) & 255;
        return { image: out, key: i === 0 ? `key-${image.data[0]}` : `key-${image.data[0]}.${i}` };
      });
    },
    async encode(image) {
      return new Blob([new Uint8Array([image.data[0]!])]);
    },
    async contentId(file) {
      return hashText128(String(new Uint8Array(await file.arrayBuffer())[0]));
    },
    hash: (t) => hashText128(t),
  };
  return host;
}

/**
 * A store that can die as a crashed page does: once `kill()` is called, nothing it is asked to do
 * ever happens (no write lands, no answer comes back), so the dropped instance freezes mid-step.
 */
function crashable(factory: IDBFactory): { store: BatchStore; kill(): void } {
  let dead = false;
  const real = new BatchStore({ indexedDB: factory });
  const store = new Proxy(real, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => (dead ? new Promise(() => {}) : (v as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
  return { store, kill: () => (dead = true) };
}

const files = (...values: number[]) => values.map((v) => ({ name: `dir/img${v}.png`, file: new Blob([new Uint8Array([v])]) }));
const states = (q: BatchQueue) => q.view.jobs.map((j) => `${j.name.slice(7, -4)}:${j.state}`);
const tick = () => new Promise((r) => setTimeout(r, 0));
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await tick();
  if (!cond()) throw new Error('condition not reached');
}

async function resultsOf(q: BatchQueue): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for await (const r of q.results()) for (const f of r.files) out[f.name] = new Uint8Array(await f.blob.arrayBuffer())[0]!;
  return out;
}

describe('batch model', () => {
  test('transitions follow the rules; a retry starts afresh', () => {
    const j: BatchJob = { id: 'a', pipeline: 'p', input: 'i', name: 'a.png', megapixels: 0, state: 'queued', rank: 1, priority: 0, attempts: 2, suspect: true, addedAt: 0 };
    expect(transition(j, 'running').state).toBe('running');
    expect(() => transition(j, 'done')).toThrow(/A queued job cannot become done/);
    const failed = transition(transition(j, 'running'), 'failed', { error: 'boom' });
    expect(failed.error).toBe('boom');
    expect(transition(failed, 'queued')).toMatchObject({ state: 'queued', attempts: 0, suspect: false });
    expect(transition(failed, 'queued').error).toBeUndefined();
  });

  test('order: priority first, then rank; ranks between neighbours', () => {
    const mk = (id: string, rank: number, priority = 0, state: BatchJob['state'] = 'queued'): BatchJob => ({ id, pipeline: 'p', input: id, name: id, megapixels: 0, state, rank, priority, attempts: 0, addedAt: 0 });
    expect(nextJob([mk('a', 1), mk('b', 0.5), mk('c', 3, 1), mk('d', 0, 5, 'paused')])?.id).toBe('c');
    expect(rankBetween(1, 2)).toBe(1.5);
    expect(rankBetween(undefined, 2)).toBe(1);
    expect(rankBetween(4, undefined)).toBe(5);
  });

  test('a job cut off while running goes back to the queue; the third time it is suspect', () => {
    const mk = (attempts: number): BatchJob => ({ id: `j${attempts}`, pipeline: 'p', input: 'i', name: 'n', megapixels: 0, state: 'running', rank: 1, priority: 0, attempts, addedAt: 0 });
    const { changed, unclean } = recover([mk(1), mk(3)]);
    expect(unclean).toBe(true);
    expect(changed.map((j) => [j.state, j.suspect ?? false])).toEqual([
      ['queued', false],
      ['failed', true],
    ]);
    expect(changed[1]!.error).toMatch(/Stopped 3 times/);
  });

  test('the ETA is the megapixels left at the recent cost per megapixel', () => {
    const mk = (state: BatchJob['state'], megapixels: number, runMs?: number): BatchJob => ({ id: String(Math.random()), pipeline: 'p', input: 'i', name: 'n', megapixels, state, rank: 1, priority: 0, attempts: 0, addedAt: 0, ...(runMs ? { runMs } : {}) });
    expect(eta([mk('queued', 12)])).toBeUndefined();
    // 1 s per 10 MP; left: 12 MP, and one not decoded yet counted as the average of those known (11 MP).
    expect(eta([mk('done', 10, 1000), mk('queued', 12), mk('queued', 0)])).toBeCloseTo((12 + 11) / 10, 5);
    // Before any job finishes: the editor's own cost per megapixel (here 50 ms/MP) stands in.
    expect(eta([mk('queued', 12), mk('queued', 8)], { priorMsPerMp: 50 })).toBeCloseTo((20 * 50) / 1000, 5);
    // Once jobs finish, their throughput wins over the prior.
    expect(eta([mk('done', 10, 1000), mk('queued', 10)], { priorMsPerMp: 50 })).toBeCloseTo(1, 5);
    // The running job counts only what is left of it.
    expect(eta([mk('done', 10, 1000), mk('running', 10), mk('queued', 10)], { progress: 0.75 })).toBeCloseTo(1.25, 5);
    // No size known at all: no guess.
    expect(eta([mk('queued', 0)], { priorMsPerMp: 50 })).toBeUndefined();
  });

  test('a job\'s megapixels are known from its file\'s header when it is queued', async () => {
    const host = fakeHost();
    host.size = async (file) => ({ width: 1000 * new Uint8Array(await file.arrayBuffer())[0]!, height: 1000 });
    const q = await BatchQueue.open(new BatchStore({ indexedDB: freshFactory() }), host);
    await q.pause();
    await q.enqueue(pipeline, files(2, 3));
    expect(q.view.jobs.map((j) => j.megapixels)).toEqual([2, 3]);
    await q.close();
  });

  test('queuing that the browser does not finish in time fails saying why, and queues nothing', async () => {
    const factory = freshFactory();
    const host = fakeHost();
    const q = await BatchQueue.open(new BatchStore({ indexedDB: factory, addTimeoutMs: 100 }), host);
    await q.pause();
    // Another connection keeps a write transaction on the inputs alive: queuing cannot end.
    const raw = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = factory.open('pipette');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    let holding = true;
    const blocker = raw.transaction(['batchInputs'], 'readwrite');
    const spin = () => {
      const r = blocker.objectStore('batchInputs').get('nothing');
      r.onsuccess = () => {
        if (holding) spin();
      };
    };
    spin();
    const ended = new Promise((resolve) => (blocker.oncomplete = resolve));
    await expect(q.enqueue(pipeline, files(1, 2))).rejects.toThrow(/had not finished storing 2 images after 0 s, so they were not queued\. Its storage may be full/);
    holding = false;
    await ended;
    raw.close();
    expect(q.view.jobs).toHaveLength(0);
    expect((await new BatchStore({ indexedDB: factory }).load()).jobs).toHaveLength(0);
    // Once the browser answers again, the same images are queued.
    expect(await q.enqueue(pipeline, files(1, 2))).toBe(2);
    await q.close();
  });

  test('outputs keep the folder and take the format\'s extension', () => {
    const one = [{ step: 's', folder: '' }];
    expect(outputNames('a/b.c/photo.jpeg', { type: 'image/png', outputs: one })).toEqual(['a/b.c/photo.png']);
    expect(outputNames('a.b/noext', { type: 'image/jpeg', outputs: one })).toEqual(['a.b/noext.jpg']);
    // Several written steps: each into its folder.
    const two = [{ step: 's', folder: 'Small' }, { step: 't', folder: 'Levels' }];
    expect(outputNames('a/photo.jpeg', { type: 'image/webp', outputs: two })).toEqual(['Small/a/photo.webp', 'Levels/a/photo.webp']);
  });
});

describe('batch queue', () => {
  test('runs every job in order, commits each result once, and does not queue the same image twice', async () => {
    const host = fakeHost();
    const q = await BatchQueue.open(new BatchStore({ indexedDB: freshFactory() }), host);
    expect(await q.enqueue(pipeline, files(1, 2, 3))).toBe(3);
    expect(await q.enqueue(pipeline, files(2, 4))).toBe(1);
    await q.idle();
    expect(states(q)).toEqual(['1:done', '2:done', '3:done', '4:done']);
    expect(host.started).toEqual(['asset-1', 'asset-2', 'asset-3', 'asset-4']);
    expect(await resultsOf(q)).toEqual({ 'dir/img1.png': 254, 'dir/img2.png': 253, 'dir/img3.png': 252, 'dir/img4.png': 251 });
    expect(q.view.jobs.map((j) => j.keys)).toEqual([['key-1'], ['key-2'], ['key-3'], ['key-4']]);
    expect(q.view.jobs.map((j) => j.outputs)).toEqual([['dir/img1.png'], ['dir/img2.png'], ['dir/img3.png'], ['dir/img4.png']]);
    // A job's output name comes from its own pipeline's format, whatever is queued later.
    await q.enqueue({ ...pipeline, id: 'p2', type: 'image/jpeg' }, files(5));
    await q.idle();
    expect(q.view.jobs.at(-1)!.outputs).toEqual(['dir/img5.jpg']);
    await q.close();
  });

  test('a pipeline that writes several steps commits all their files together, each in its folder', async () => {
    const host = fakeHost();
    const q = await BatchQueue.open(new BatchStore({ indexedDB: freshFactory() }), host);
    const both: BatchPipeline = { ...pipeline, id: 'p3', outputs: [{ step: 'inv', folder: 'Invert' }, { step: 'lv', folder: 'Levels' }] };
    await q.enqueue(both, files(1, 2));
    await q.idle();
    expect(q.view.jobs.map((j) => [j.state, j.outputs, j.keys])).toEqual([
      ['done', ['Invert/dir/img1.png', 'Levels/dir/img1.png'], ['key-1', 'key-1.1']],
      ['done', ['Invert/dir/img2.png', 'Levels/dir/img2.png'], ['key-2', 'key-2.1']],
    ]);
    expect(await resultsOf(q)).toEqual({ 'Invert/dir/img1.png': 254, 'Levels/dir/img1.png': 255, 'Invert/dir/img2.png': 253, 'Levels/dir/img2.png': 254 });
    await q.close();
  });

  test('records stored before pipelines wrote several steps are read in today\'s shape', async () => {
    const factory = freshFactory();
    const store = new BatchStore({ indexedDB: factory });
    const old = { id: 'old', graph: '{}', source: 'img', step: 'inv', type: 'image/png', quality: 0.9, background: '#ffffff' };
    const job: BatchJob = { id: 'j1', pipeline: 'old', input: 'in1', name: 'a.png', megapixels: 1, state: 'running', rank: 1, priority: 0, attempts: 1, addedAt: 0 };
    await store.add(old as unknown as BatchPipeline, [{ job, file: new Blob([new Uint8Array([7])]) }]);
    await store.commit({ ...job, state: 'done', key: 'k1', output: 'a.png' } as unknown as BatchJob, { id: 'j1', blob: new Blob([new Uint8Array([9])]), name: 'a.png' } as unknown as Parameters<BatchStore['commit']>[1]);
    expect((await store.pipeline('old'))!.outputs).toEqual([{ step: 'inv', folder: '' }]);
    expect((await store.load()).jobs[0]).toMatchObject({ state: 'done', outputs: ['a.png'], keys: ['k1'] });
    const r = (await store.result('j1'))!;
    expect(r.files.map((f) => f.name)).toEqual(['a.png']);
    expect(new Uint8Array(await r.files[0]!.blob.arrayBuffer())[0]).toBe(9);
    store.close();
  });

  test('listeners get a whole picture, then only what changed, at most ten times a second; their copy ends equal to the queue', async () => {
    const host = fakeHost();
    const q = await BatchQueue.open(new BatchStore({ indexedDB: freshFactory() }), host);
    await q.pause();
    await q.enqueue(pipeline, files(1, 2, 3, 4, 5, 6, 7, 8));
    const deltas: { at: number; d: QueueDelta }[] = [];
    let copy: QueueView = { jobs: [], paused: false, notice: null, progress: 0 };
    let changedNothing = 0;
    q.subscribe((d) => {
      deltas.push({ at: performance.now(), d });
      if (!d.reset) {
        // A delta names only jobs that differ from the listener's copy, or are new to it.
        for (const j of d.jobs) if (JSON.stringify(copy.jobs.find((c) => c.id === j.id)) === JSON.stringify(j)) changedNothing++;
      }
      copy = applyDelta(copy, d);
    });
    expect(deltas).toHaveLength(1);
    expect(deltas[0]!.d.reset).toBe(true);
    expect(deltas[0]!.d.jobs).toHaveLength(8);
    const id = (n: number) => q.view.jobs.find((j) => j.name === `dir/img${n}.png`)!.id;
    await q.move(id(8), id(1));
    await q.cancel(id(2));
    await q.resume();
    await q.idle();
    await q.clearFinished();
    await q.enqueue(pipeline, files(9));
    await q.idle();
    await new Promise((r) => setTimeout(r, DELTA_MS * 3));
    expect(copy).toEqual(q.view);
    expect(copy.jobs.map((j) => j.name)).toEqual(['dir/img9.png']);
    expect(changedNothing).toBe(0);
    // A timer never fires early by more than rounding: consecutive deltas are DELTA_MS apart.
    const gaps = deltas.slice(1).map((x, i) => x.at - deltas[i]!.at);
    for (const g of gaps.slice(1)) expect(g).toBeGreaterThanOrEqual(DELTA_MS - 2);
    // Many changes (8 jobs through 3 states each, a move, a cancel, a clear) went in few deltas.
    expect(deltas.length).toBeLessThan(20);
    await q.close();
  });

  test('a listener that comes while a delta is pending gets it in its whole picture, never again in a delta; those already there get it first', async () => {
    const q = await BatchQueue.open(new BatchStore({ indexedDB: freshFactory() }), fakeHost());
    await q.pause();
    let early: QueueView = { jobs: [], paused: false, notice: null, progress: 0 };
    const earlyDeltas: QueueDelta[] = [];
    q.subscribe((d) => {
      if (!d.reset) earlyDeltas.push(d);
      early = applyDelta(early, d);
    });
    await new Promise((r) => setTimeout(r, DELTA_MS * 2));
    // Queued, and its delta not yet out (it goes on a timer), when the second listener comes.
    await q.enqueue(pipeline, files(1, 2, 3));
    const late: QueueDelta[] = [];
    q.subscribe((d) => late.push(d));
    expect(late).toHaveLength(1);
    expect(late[0]!.jobs).toHaveLength(3);
    // the first listener had the three jobs before the second one's whole picture was made
    expect(early.jobs).toHaveLength(3);
    await new Promise((r) => setTimeout(r, DELTA_MS * 3));
    expect(late.slice(1).flatMap((d) => d.jobs)).toEqual([]);
    expect(earlyDeltas.flatMap((d) => d.jobs.map((j) => j.name)).sort()).toEqual(['dir/img1.png', 'dir/img2.png', 'dir/img3.png']);
    expect(early).toEqual(q.view);
    await q.close();
  });

  test('pause, reorder, priority, cancel, a failure and its retry', async () => {
    const host = fakeHost();
    host.failOn.add(3);
    const q = await BatchQueue.open(new BatchStore({ indexedDB: freshFactory() }), host);
    await q.pause();
    await q.enqueue(pipeline, files(1, 2, 3, 4, 5));
    const id = (n: number) => q.view.jobs.find((j) => j.name === `dir/img${n}.png`)!.id;
    await q.move(id(5), id(1)); // 5 before 1
    await q.setPriority(id(4), 1); // 4 first of all
    await q.pauseJob(id(2), true);
    await q.cancel(id(1));
    expect(states(q)).toEqual(['4:queued', '5:queued', '1:cancelled', '2:paused', '3:queued']);
    await q.resume();
    await q.idle();
    expect(host.started).toEqual(['asset-4', 'asset-5', 'asset-3']);
    expect(states(q)).toEqual(['4:done', '5:done', '1:cancelled', '2:paused', '3:failed']);
    expect(q.view.jobs.find((j) => j.name === 'dir/img3.png')!.error).toBe('cannot do 3');
    host.failOn.clear();
    await q.retry(id(3));
    await q.retry(id(1));
    await q.pauseJob(id(2), false);
    await q.idle();
    expect(states(q)).toEqual(['4:done', '5:done', '1:done', '2:done', '3:done']);
    await q.clearFinished();
    expect(q.view.jobs).toEqual([]);
    expect(await resultsOf(q)).toEqual({});
    await q.close();
  });

  test('cancelling the running job stops it without a result; pausing the queue puts it back in its place', async () => {
    const host = fakeHost();
    host.hold = true;
    const q = await BatchQueue.open(new BatchStore({ indexedDB: freshFactory() }), host);
    await q.enqueue(pipeline, files(1, 2));
    await until(() => host.started.length === 1);
    await q.pause();
    await until(() => q.view.jobs[0]!.state === 'queued');
    expect(q.view.jobs[0]!.attempts).toBe(0);
    await q.resume();
    await until(() => host.started.length === 2);
    await q.cancel(q.view.jobs[0]!.id);
    await until(() => host.started.length === 3);
    host.hold = false;
    host.release();
    await q.idle();
    expect(states(q)).toEqual(['1:cancelled', '2:done']);
    expect(Object.keys(await resultsOf(q))).toEqual(['dir/img2.png']);
    await q.close();
  });

  test('a crash mid-job: the next start finds it, pauses the queue and says so; resumed, it finishes once', async () => {
    const factory = freshFactory();
    const host = fakeHost();
    host.hold = true;
    const crashed = await BatchQueue.open(new BatchStore({ indexedDB: factory }), host);
    await crashed.enqueue(pipeline, files(7, 8));
    await until(() => host.started.length === 1);
    // The page dies here: nothing is closed or written any more.
    const host2 = fakeHost();
    const q = await BatchQueue.open(new BatchStore({ indexedDB: factory }), host2);
    expect(q.view.paused).toBe(true);
    expect(q.view.notice).toMatch(/ended while a job was running/);
    expect(q.view.jobs.map((j) => [j.state, j.attempts])).toEqual([
      ['queued', 1],
      ['queued', 0],
    ]);
    await q.resume();
    await q.idle();
    expect(states(q)).toEqual(['7:done', '8:done']);
    expect(await resultsOf(q)).toEqual({ 'dir/img7.png': 248, 'dir/img8.png': 247 });
    await q.close();
  });

  test('another tab shows the queue but does not run it', async () => {
    const factory = freshFactory();
    const host = fakeHost();
    const shown = await BatchQueue.open(new BatchStore({ indexedDB: factory }), host, { runsHere: false });
    await shown.enqueue(pipeline, files(1));
    await tick();
    expect(host.started).toEqual([]);
    expect(states(shown)).toEqual(['1:queued']);
  });

  test('randomised: enqueue, reorder, pause, cancel, retry and crashes; every job ends once with one result', async () => {
    let recoveries = 0;
    for (let seq = 0; seq < 25; seq++) {
      const r = rng(500 + seq);
      const factory = freshFactory();
      let host = fakeHost();
      let store = crashable(factory);
      let q = await BatchQueue.open(store.store, host);
      let next = 1;
      for (let step = 0; step < 25; step++) {
        const ids = q.view.jobs.map((j) => j.id);
        const pick = () => ids[Math.floor(r() * ids.length)]!;
        const x = r();
        if (x < 0.3) {
          const n = 1 + Math.floor(r() * 3);
          await q.enqueue(pipeline, files(...Array.from({ length: n }, () => next++)));
        } else if (ids.length && x < 0.4) await q.move(pick(), r() < 0.5 ? pick() : null);
        else if (ids.length && x < 0.5) await q.cancel(pick());
        else if (ids.length && x < 0.6) await q.retry(pick());
        else if (x < 0.7) await (r() < 0.5 ? q.pause() : q.resume());
        else if (ids.length && x < 0.75) await q.setPriority(pick(), Math.floor(r() * 3));
        else if (x < 0.85) {
          // A crash, at whatever point the running job is: this instance stops dead, another opens.
          await tick();
          store.kill();
          host.hold = true;
          host = fakeHost();
          store = crashable(factory);
          q = await BatchQueue.open(store.store, host);
          if (q.view.notice) recoveries++;
        } else await tick();
      }
      // Settle (one more crash first): everything that can run again runs.
      store.kill();
      host.hold = true;
      q = await BatchQueue.open(new BatchStore({ indexedDB: factory }), (host = fakeHost()));
      await q.resume();
      for (const j of q.view.jobs) if (j.state === 'cancelled' || j.state === 'failed') await q.retry(j.id);
      for (const j of q.view.jobs) if (j.state === 'paused') await q.pauseJob(j.id, false);
      await q.idle();
      const jobs = q.view.jobs;
      expect(jobs.every((j) => j.state === 'done')).toBe(true);
      expect(new Set(jobs.map((j) => j.name)).size).toBe(next - 1);
      const results = await resultsOf(q);
      expect(Object.keys(results).sort()).toEqual(jobs.map((j) => outputNames(j.name, pipeline)[0]).sort());
      for (const [name, v] of Object.entries(results)) expect(v).toBe(255 - Number(name.slice(7, -4)));
      await q.close();
    }
    // The crashes did cut jobs off mid-run, and those were found at the next start.
    expect(recoveries).toBeGreaterThan(3);
  }, 60_000);
});
