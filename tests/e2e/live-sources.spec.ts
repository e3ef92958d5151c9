// Camera and Timer steps (issue 14, items 4–6) against Chromium's fake camera: frames flow through
// the steps below the camera and only those recompute, the newest frame wins while the steps are
// busy (replaced frames closed), results stay out of IndexedDB, the tracks stop when the step is
// deleted or the tab hidden, freeze frame makes an Image step; a timer moves a parameter without
// undo steps and drops ticks while busy.

import { expect, test, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from '../chromium';

test.use({
  launchOptions: { executablePath: chromiumPath(), args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] },
});

const POLL = { timeout: 30_000 };

async function open(page: Page, graph: object) {
  // Every stream the page opens, to see its tracks end.
  await page.addInitScript(() => {
    const w = window as unknown as { __streams: MediaStream[] };
    w.__streams = [];
    const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = async (c) => {
      const s = await gum(c);
      w.__streams.push(s);
      return s;
    };
  });
  await page.goto('/');
  await page.evaluate(() => window.pipette.ready);
  await page.evaluate(() => window.pipette.whenIdle());
  await page.evaluate((g) => window.pipette.loadGraph({ format: 'pipette-graph', version: 1, graph: g }), graph);
}

const camera = (page: Page) => page.evaluate(() => window.pipette.live().cameras[0]!);
const stepOf = async (page: Page, id: string) => (await page.evaluate(() => window.pipette.steps())).find((s) => s.id === id)!;
const liveTracks = (page: Page) =>
  page.evaluate(() => (window as unknown as { __streams: MediaStream[] }).__streams.flatMap((s) => s.getTracks()).filter((t) => t.readyState === 'live').length);

/**
 * cam → invert → grayscale → posterize; apart: fill → threshold. Slow: 720p frames through two
 * radius-15 medians, about 200 ms a frame here against the fake camera's 50 ms between frames — a
 * margin of four that a busier machine only widens (a radius-6 median at 480p once was slow, until
 * the median got fast enough to keep up with the camera and nothing was ever dropped).
 */
const cameraGraph = (extra: { slow?: boolean } = {}) => ({
  nodes: [
    { id: 'cam', op: 'camera', params: { resolution: extra.slow ? '1280x720' : '640x480' }, position: { x: 0, y: 0 } },
    { id: 'inv', op: 'invert', params: {}, position: { x: 240, y: 0 } },
    extra.slow ? { id: 'mid', op: 'median', params: { radius: 15 }, position: { x: 480, y: 0 } } : { id: 'mid', op: 'grayscale', params: {}, position: { x: 480, y: 0 } },
    extra.slow ? { id: 'post', op: 'median', params: { radius: 15 }, position: { x: 720, y: 0 } } : { id: 'post', op: 'posterize', params: {}, position: { x: 720, y: 0 } },
    { id: 'fill', op: 'fill', params: { width: 64, height: 48, color: '#808080' }, position: { x: 0, y: 260 } },
    { id: 'thr', op: 'threshold', params: {}, position: { x: 240, y: 260 } },
  ],
  edges: [
    { from: { node: 'cam', port: 'image' }, to: { node: 'inv', port: 'image' } },
    { from: { node: 'inv', port: 'image' }, to: { node: 'mid', port: 'image' } },
    { from: { node: 'mid', port: 'image' }, to: { node: 'post', port: 'image' } },
    { from: { node: 'fill', port: 'image' }, to: { node: 'thr', port: 'image' } },
  ],
});

test('camera frames flow through the steps below it; only they recompute, and nothing of them reaches IndexedDB', async ({ page }) => {
  await open(page, cameraGraph());
  await expect.poll(async () => (await camera(page)).frames, POLL).toBeGreaterThanOrEqual(3);
  const first = await stepOf(page, 'post');
  const apart = await stepOf(page, 'thr');
  expect(first.size).toEqual({ width: 640, height: 480 });
  await page.evaluate(() => window.pipette.flush());
  const stored = (await page.evaluate(() => window.pipette.cacheStats())).idb.entries;
  const frames = (await camera(page)).frames;
  // New frames give the steps below the camera new keys…
  await expect.poll(async () => (await camera(page)).frames, POLL).toBeGreaterThanOrEqual(frames + 5);
  await expect.poll(async () => (await stepOf(page, 'post')).key, POLL).not.toBe(first.key);
  // …while the other branch keeps its key and result.
  expect(await stepOf(page, 'thr')).toMatchObject({ key: apart.key, state: apart.state });
  await page.evaluate(() => window.pipette.flush());
  expect((await page.evaluate(() => window.pipette.cacheStats())).idb.entries).toBe(stored);
  // The graph saved has no frame in it: frames are not edits.
  expect(JSON.parse(await page.evaluate(() => window.pipette.exportGraph())).graph.nodes[0].params.frame ?? '').toBe('');
  expect((await camera(page)).api).toBe('track-processor');
  // The performance panel shows the camera's rate and dropped frames.
  await expect(page.getByTestId('perf-camera')).toContainText(/fps · \d+ dropped/);
  // Another resolution restarts the camera at that size.
  await page.evaluate(() => window.pipette.setParam('cam', 'resolution', '1280x720'));
  await expect.poll(async () => (await stepOf(page, 'post')).size, POLL).toEqual({ width: 1280, height: 720 });
  expect(await liveTracks(page)).toBe(1);
});

test('while the steps are busy the newest frame wins: frames that wait are replaced and closed', async ({ page }) => {
  test.setTimeout(150_000);
  await open(page, cameraGraph({ slow: true }));
  // Replaced frames show it. The camera's own frames slow down on a busy machine, so the wait is
  // long and the count small.
  await expect.poll(async () => (await camera(page)).dropped, { timeout: 90_000, message: 'frames replaced while busy' }).toBeGreaterThan(5);
  const c = await camera(page);
  expect(c.frames).toBeGreaterThanOrEqual(1);
  // Every frame the camera gave went through or was dropped (closed), bar the one that may wait now.
  expect(c.closed).toBe(c.dropped);
  expect(c.received - c.frames - c.dropped).toBeLessThanOrEqual(2);
});

test('deleting the camera step stops its tracks; a hidden tab stops them until it is visible again', async ({ page }) => {
  await open(page, cameraGraph());
  await expect.poll(async () => (await camera(page)).frames, POLL).toBeGreaterThanOrEqual(1);
  expect(await liveTracks(page)).toBe(1);
  const setVisibility = (state: 'hidden' | 'visible') =>
    page.evaluate((s) => {
      Object.defineProperty(document, 'visibilityState', { value: s, configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    }, state);
  await setVisibility('hidden');
  await expect.poll(() => liveTracks(page), POLL).toBe(0);
  expect((await camera(page)).state).toBe('paused');
  const frames = (await camera(page)).frames;
  await setVisibility('visible');
  // The camera starts again (a new stream: asynchronous), and frames flow from it. (A frame still
  // being processed when the tab was hidden may be counted after `frames` was read: only frames
  // counted once the track is live again show the camera is back.)
  await expect.poll(() => liveTracks(page), POLL).toBe(1);
  const resumed = Math.max(frames, (await camera(page)).frames);
  await expect.poll(async () => (await camera(page)).frames, POLL).toBeGreaterThan(resumed);

  await page.locator('.svelte-flow__node[data-id="cam"]').click();
  await page.keyboard.press('Delete');
  await expect.poll(() => liveTracks(page), POLL).toBe(0);
  expect(await page.evaluate(() => window.pipette.live().cameras)).toEqual([]);
});

test('freeze frame turns the camera step into an Image step with the current frame, and undo brings the camera back', async ({ page }) => {
  await open(page, cameraGraph());
  await expect.poll(async () => (await camera(page)).frames, POLL).toBeGreaterThanOrEqual(1);
  await page.locator('.svelte-flow__node[data-id="cam"]').click();
  await expect(page.getByTestId('camera-status')).toContainText(/Live 640×480/);
  await page.getByRole('button', { name: 'Freeze frame' }).click();
  await expect.poll(async () => (await stepOf(page, 'cam')).op, POLL).toBe('image-source');
  await expect.poll(() => liveTracks(page), POLL).toBe(0);
  await page.evaluate(() => window.pipette.whenIdle());
  expect(await stepOf(page, 'post')).toMatchObject({ state: 'done', size: { width: 640, height: 480 } });
  const frozen = (await stepOf(page, 'post')).key;
  // A normal image step: stored with the graph and steady.
  const saved = JSON.parse(await page.evaluate(() => window.pipette.exportGraph()));
  expect(saved.graph.nodes[0]).toMatchObject({ id: 'cam', op: 'image-source', params: { asset: expect.stringMatching(/^[0-9a-f]{32}$/) } });
  await page.evaluate(() => window.pipette.whenIdle());
  expect((await stepOf(page, 'post')).key).toBe(frozen);
  await page.evaluate(() => window.pipette.undo());
  await expect.poll(async () => (await page.evaluate(() => window.pipette.live().cameras)).length, POLL).toBe(1);
  await expect.poll(() => liveTracks(page), POLL).toBe(1);
});

test('a timer moves a parameter over time without undo steps, drops ticks while busy, and stopping restores the parameter', async ({ page }) => {
  await open(page, {
    nodes: [
      { id: 'src', op: 'gradient', params: { width: 1600, height: 1200 }, position: { x: 0, y: 0 } },
      { id: 'bc', op: 'brightness-contrast', params: { brightness: 0 }, position: { x: 240, y: 0 } },
      { id: 'blur', op: 'gaussian-blur', params: { sigma: 30 }, position: { x: 480, y: 0 } },
      { id: 'tm', op: 'timer', params: { target: 'bc', param: 'brightness', curve: 'ping-pong', from: -50, to: 50, period: 2, rate: 30 }, position: { x: 0, y: 260 } },
    ],
    edges: [
      { from: { node: 'src', port: 'image' }, to: { node: 'bc', port: 'image' } },
      { from: { node: 'bc', port: 'image' }, to: { node: 'blur', port: 'image' } },
    ],
  });
  await page.evaluate(() => window.pipette.whenIdle());
  const still = (await stepOf(page, 'bc')).key;
  await page.locator('.svelte-flow__node[data-id="tm"]').click();
  await expect(page.locator('#p-target')).toHaveValue('bc');
  await expect(page.locator('#p-param')).toHaveValue('brightness');
  await page.getByRole('button', { name: '▶ Play' }).click();
  const seen = new Set<string | null>();
  await expect
    .poll(async () => {
      seen.add((await stepOf(page, 'bc')).key);
      return seen.size;
    }, POLL)
    .toBeGreaterThanOrEqual(4);
  await expect.poll(async () => (await page.evaluate(() => window.pipette.live().timers[0]!)).dropped, POLL).toBeGreaterThan(0);
  // No edit was recorded: the graph as saved still has brightness 0.
  expect(JSON.parse(await page.evaluate(() => window.pipette.exportGraph())).graph.nodes[1].params.brightness).toBe(0);
  // The step it moves says so beside the parameter's own value.
  await page.locator('.svelte-flow__node[data-id="bc"]').click();
  await expect(page.getByTestId('animated-brightness')).toContainText(/Timer moves it: -?\d+\.\d\d \(Stop puts back 0\)/);
  await page.locator('.svelte-flow__node[data-id="tm"]').click();
  await page.getByRole('button', { name: '■ Stop' }).click();
  await page.evaluate(() => window.pipette.whenIdle());
  expect((await stepOf(page, 'bc')).key).toBe(still);
});

test('without MediaStreamTrackProcessor, frames come through requestVideoFrameCallback and flow just the same', async ({ page }) => {
  await page.addInitScript(() => {
    delete (globalThis as { MediaStreamTrackProcessor?: unknown }).MediaStreamTrackProcessor;
  });
  await open(page, cameraGraph());
  await expect.poll(async () => (await camera(page)).frames, POLL).toBeGreaterThanOrEqual(3);
  expect((await camera(page)).api).toBe('video-frame-callback');
  expect(await stepOf(page, 'post')).toMatchObject({ size: { width: 640, height: 480 } });
  await page.locator('.svelte-flow__node[data-id="cam"]').click();
  await page.keyboard.press('Delete');
  await expect.poll(() => liveTracks(page), POLL).toBe(0);
});

test('a camera the browser refuses says how to allow it on the step, and Retry asks again', async ({ page }) => {
  await page.addInitScript(() => {
    const w = window as unknown as { __refuse: boolean; __asked: number };
    w.__refuse = true;
    w.__asked = 0;
    const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = async (c) => {
      w.__asked++;
      if (w.__refuse) throw new DOMException('Permission denied', 'NotAllowedError');
      return gum(c);
    };
  });
  await page.goto('/');
  await page.evaluate(() => window.pipette.ready);
  await page.evaluate((g) => window.pipette.loadGraph({ format: 'pipette-graph', version: 1, graph: g }), cameraGraph());
  await page.locator('.svelte-flow__node[data-id="cam"]').click();
  await expect(page.getByTestId('camera-status')).toContainText('Camera access was refused');
  expect((await camera(page)).state).toBe('failed');
  // The step itself waits for the camera: nothing below it runs on an empty frame.
  await expect.poll(async () => (await stepOf(page, 'cam')).message, POLL).toMatch(/Waiting for the camera/);
  await page.evaluate(() => ((window as unknown as { __refuse: boolean }).__refuse = false));
  await page.getByRole('button', { name: 'Retry camera' }).click();
  await expect.poll(async () => (await camera(page)).frames, POLL).toBeGreaterThanOrEqual(1);
  expect(await page.evaluate(() => (window as unknown as { __asked: number }).__asked)).toBe(2);
});
