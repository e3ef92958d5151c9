// Source images in memory: a session that loads image after image (as a script driving
// window.pipette over a folder does) holds only the images its graph uses and a spare few; one let
// go is decoded again from its stored file when a step needs it.
import { expect, test } from '@playwright/test';
import { buildPng } from '../png-fixture';
import { chainGraph } from './graphs';

const SIDE = 2000; // 16 MB decoded: twenty of them are more than the spare budget (256 MB)
const colour = (i: number): [number, number, number] => [i * 12, 255 - i * 12, (i * 37) & 255];

test('loading twenty 4 MP images one after another keeps a bounded few decoded; an image let go comes back when used again', async ({ page }) => {
  test.setTimeout(180_000);
  const files = Array.from({ length: 20 }, (_, i) => Buffer.from(buildPng({ width: SIDE, height: SIDE, colorType: 2, bitDepth: 8, sample: () => colour(i) })));
  await page.route('**/e2e/assets/*.png', (route) => route.fulfill({ body: files[Number(/(\d+)\.png$/.exec(route.request().url())![1])]!, contentType: 'image/png' }));
  await page.goto('/');
  await page.evaluate(() => window.pipette.ready);
  const doc = (asset: string) => chainGraph(undefined, asset);
  const assets: string[] = [];
  for (let i = 0; i < files.length; i++) {
    const asset = await page.evaluate(async ({ i, doc }) => {
      const asset = await window.pipette.loadImage(`/e2e/assets/${i}.png`);
      (doc.graph.nodes[0]!.params as { asset?: string }).asset = asset;
      window.pipette.loadGraph(doc);
      await window.pipette.whenIdle();
      return asset;
    }, { i, doc: doc('') });
    assets.push(asset);
  }
  const held = await page.evaluate(() => window.pipette.assetStats());
  expect(held.count).toBeLessThan(files.length);
  expect(held.bytes).toBeLessThanOrEqual(256 * 1024 * 1024 + SIDE * SIDE * 4);
  // The first image was let go; a graph that uses it again gets it back from its stored file.
  const first = await page.evaluate(async (d) => {
    window.pipette.loadGraph(d);
    const px = await window.pipette.pixels('inv');
    return [px.width, px.data[0], px.data[1], px.data[2], px.data[3]];
  }, doc(assets[0]!));
  const [r, g, b] = colour(0);
  expect(first).toEqual([SIDE, 255 - r, 255 - g, 255 - b, 255]);
  expect((await page.evaluate(() => window.pipette.steps())).every((s) => s.state !== 'failed' && s.state !== 'blocked')).toBe(true);
});
