// The automation API's access to results: `pixels(step)` (a copy of the full-resolution RGBA) and
// `exportStep(step, type, quality)` (an image file), against the built app.

import { expect, test } from '@playwright/test';
import { allAlphaPixels, buildPng, readPng } from '../png-fixture';

const doc = {
  format: 'pipette-graph',
  version: 1,
  graph: {
    nodes: [
      { id: 'src', op: 'gradient', params: { width: 96, height: 64, kind: 'linear', angle: 30 } },
      { id: 'inv', op: 'invert', params: {} },
    ],
    edges: [{ from: { node: 'src', port: 'image' }, to: { node: 'inv', port: 'image' } }],
  },
};

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  await page.evaluate(() => window.pipette.whenIdle());
  await page.evaluate((d) => window.pipette.loadGraph(d), doc);
});

test('pixels() returns each step\'s full-resolution RGBA, a copy that cannot touch the result', async ({ page }) => {
  const r = await page.evaluate(async () => {
    const src = await window.pipette.pixels('src');
    const inv = await window.pipette.pixels('inv');
    let mismatches = 0;
    for (let i = 0; i < src.data.length; i++) {
      const want = i % 4 === 3 ? src.data[i] : 255 - src.data[i]!;
      if (inv.data[i] !== want) mismatches++;
    }
    const distinct = new Set<number>();
    for (let i = 0; i < src.data.length; i += 4) distinct.add(src.data[i]!);
    inv.data.fill(7); // a copy: the stored result must not change
    const again = await window.pipette.pixels('inv');
    return { src: [src.width, src.height, src.data.length], inv: [inv.width, inv.height], mismatches, distinct: distinct.size, untouched: again.data[0] !== 7 || again.data[1] !== 7 };
  });
  expect(r.src).toEqual([96, 64, 96 * 64 * 4]);
  expect(r.inv).toEqual([96, 64]);
  expect(r.distinct).toBeGreaterThan(10); // a real gradient, not a flat image
  expect(r.mismatches).toBe(0);
  expect(r.untouched).toBe(true);
});

test('exportStep() encodes the full-resolution result as PNG, JPEG or WebP', async ({ page }) => {
  const r = await page.evaluate(async () => {
    const out: { type: string; size: number; w: number; h: number }[] = [];
    for (const [type, q] of [['image/png', undefined], ['image/jpeg', 0.8], ['image/webp', 0.5]] as const) {
      const blob = await window.pipette.exportStep('inv', type, q);
      const bmp = await createImageBitmap(blob);
      out.push({ type: blob.type, size: blob.size, w: bmp.width, h: bmp.height });
    }
    // The PNG is lossless: decoding it gives back exactly the step's pixels.
    const png = await createImageBitmap(await window.pipette.exportStep('inv'));
    const ctx = new OffscreenCanvas(png.width, png.height).getContext('2d')!;
    ctx.drawImage(png, 0, 0);
    const decoded = ctx.getImageData(0, 0, png.width, png.height).data;
    const inv = await window.pipette.pixels('inv');
    let mismatches = 0;
    for (let i = 0; i < inv.data.length; i++) if (decoded[i] !== inv.data[i]) mismatches++;
    return { out, mismatches };
  });
  expect(r.out.map((o) => o.type)).toEqual(['image/png', 'image/jpeg', 'image/webp']);
  for (const o of r.out) {
    expect(o.size).toBeGreaterThan(0);
    expect([o.w, o.h]).toEqual([96, 64]);
  }
  expect(r.mismatches).toBe(0);
});

test('pixels() and exportStep() say what is wrong instead of returning something else', async ({ page }) => {
  const errors = await page.evaluate(async () => {
    const fail = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (e instanceof Error ? e.message : String(e)));
    return {
      unknown: await fail(window.pipette.pixels('nope')),
      type: await fail(window.pipette.exportStep('inv', 'image/gif' as never)),
      quality: await fail(window.pipette.exportStep('inv', 'image/jpeg', 3)),
    };
  });
  expect(errors.unknown).toContain('There is no step "nope"');
  expect(errors.type).toContain('Cannot export as "image/gif"');
  expect(errors.quality).toContain('Quality must be between 0 and 1');
});

test('one command surface: a scripted drag is one undo step, and a scripted selection is the editor\'s', async ({ page }) => {
  await page.evaluate(() => window.pipette.whenIdle());
  const angles = await page.evaluate(async () => {
    const angle = () => JSON.parse(window.pipette.exportGraph()).graph.nodes.find((n: { id: string }) => n.id === 'src').params.angle;
    const before = angle();
    for (const a of [40, 50, 60, 70]) window.pipette.setParam('src', 'angle', a, { preview: true });
    window.pipette.endDrag();
    await window.pipette.whenIdle();
    const dragged = angle();
    window.pipette.undo();
    const undone = angle();
    return { before, dragged, undone };
  });
  expect(angles).toEqual({ before: 30, dragged: 70, undone: 30 });

  // Selecting through the API selects in the editor: the viewer follows and the panel edits it.
  await page.evaluate(() => window.pipette.select('src'));
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-node', 'src');
  await expect(page.locator('#p-angle')).toBeVisible();
  await page.evaluate(() => window.pipette.select('inv'));
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-node', 'inv');
  await expect(page.locator('#p-angle')).toHaveCount(0);
});

test('a semi-transparent PNG keeps its exact values from the file through the steps to PNG export', async ({ page }) => {
  // 256 × 16: every alpha value under varied colour, in a file written here (zlib, no filters).
  const width = 256;
  const height = 16;
  const pixels = allAlphaPixels(width, height);
  const file = buildPng({ width, height, colorType: 6, bitDepth: 8, sample: (x, y) => [...pixels.subarray((y * width + x) * 4, (y * width + x) * 4 + 4)] });
  await page.route('**/e2e/alpha.png', (route) => route.fulfill({ body: Buffer.from(file), contentType: 'image/png' }));
  const r = await page.evaluate(async () => {
    const asset = await window.pipette.loadImage('/e2e/alpha.png');
    window.pipette.loadGraph({
      format: 'pipette-graph',
      version: 1,
      graph: {
        nodes: [
          { id: 'img', op: 'image-source', params: { asset } },
          { id: 'red', op: 'channel-extract', params: { channel: 'r' } },
        ],
        edges: [{ from: { node: 'img', port: 'image' }, to: { node: 'red', port: 'image' } }],
      },
    });
    await window.pipette.whenIdle();
    const decoded = await window.pipette.pixels('img');
    const red = await window.pipette.pixels('red');
    const exported = new Uint8Array(await (await window.pipette.exportStep('img', 'image/png')).arrayBuffer());
    return { decoded: [...decoded.data], red: [...red.data], exported: [...exported] };
  });
  let decodeWrong = 0;
  let redWrong = 0;
  for (let i = 0; i < pixels.length; i++) {
    if (r.decoded[i] !== pixels[i]) decodeWrong++;
    // Extract Channel shows the red channel as opaque grey: the colour under every alpha survives.
    if (i % 4 === 0 && (r.red[i] !== pixels[i] || r.red[i + 1] !== pixels[i] || r.red[i + 3] !== 255)) redWrong++;
  }
  expect(decodeWrong).toBe(0);
  expect(redWrong).toBe(0);
  const back = readPng(Uint8Array.from(r.exported));
  expect([back.width, back.height]).toEqual([width, height]);
  expect(Buffer.compare(Buffer.from(back.data), Buffer.from(pixels))).toBe(0);
});

test('JPEG export takes a background colour and refuses one that is not #rrggbb', async ({ page }) => {
  const r = await page.evaluate(async () => {
    const jpeg = await window.pipette.exportStep('inv', 'image/jpeg', 0.9, '#336699');
    const bad = await window.pipette.exportStep('inv', 'image/jpeg', 0.9, 'blue').then(() => 'resolved', (e: Error) => e.message);
    return { type: jpeg.type, size: jpeg.size, bad };
  });
  expect(r.type).toBe('image/jpeg');
  expect(r.size).toBeGreaterThan(0);
  expect(r.bad).toContain('The background must be a colour like #ffffff');
});
