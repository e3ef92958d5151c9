import { describe, expect, test } from 'vitest';
import { graphNeedsProxy, isProxy, proxyParams, proxySize, scaleOf, workingScale } from '../../../src/ops/proxy';
import type { Graph } from '../../../src/engine/graph';
import { registry } from '../../../src/ops/registry';
import { resolveParams } from '../../../src/engine/params';
import { randomImage } from './helpers';

const op = (id: string) => registry.get(id)!;

describe('proxy size', () => {
  test('a 12 MP image becomes at most a megapixel with its aspect kept; small images need no proxy', () => {
    const p = proxySize(4000, 3000, 1 << 20)!;
    expect(p.width * p.height).toBeLessThanOrEqual(1 << 20);
    expect(p.width * p.height).toBeGreaterThan(0.99 * (1 << 20));
    expect(Math.abs(p.width / p.height - 4 / 3)).toBeLessThan(0.01);
    expect(p).toEqual({ width: 1180, height: 885, scale: 0.295 }); // the same exact factor on both sides
    const odd = proxySize(4001, 2999, 1 << 20)!; // no small common ratio: each side rounded down
    expect(odd.width * odd.height).toBeLessThanOrEqual(1 << 20);
    expect(odd.scale).toBe(Math.min(odd.width / 4001, odd.height / 2999));
    expect(proxySize(1024, 1024, 1 << 20)).toBeNull();
    expect(proxySize(5000, 1, 100)).toEqual({ width: 100, height: 1, scale: 0.02 }); // never below one row
    expect(proxySize(1, 5000, 100)).toEqual({ width: 1, height: 100, scale: 0.02 });
    expect(proxySize(100, 100, 0)).toBeNull();
  });
});

describe('parameters at proxy scale', () => {
  test('pixel-sized parameters follow the scale, others do not', () => {
    const blur = proxyParams(op('gaussian-blur'), resolveParams(op('gaussian-blur'), { sigma: 20 }), 0.25);
    expect(blur.sigma).toBe(5);
    const bc = resolveParams(op('brightness-contrast'), { brightness: 30 });
    expect(proxyParams(op('brightness-contrast'), bc, 0.25)).toBe(bc);
    const resize = proxyParams(op('resize'), resolveParams(op('resize'), { mode: 'scale', scale: 50 }), 0.25);
    expect(resize.scale).toBe(50);
  });

  test('whole-pixel parameters are rounded and kept within their bounds', () => {
    const crop = proxyParams(op('crop'), resolveParams(op('crop'), { x: 1001, y: 3, width: 2000, height: 1 }), 0.29);
    expect(crop).toMatchObject({ x: 290, y: 1, width: 580, height: 1 });
    const median = proxyParams(op('median'), resolveParams(op('median'), { radius: 1 }), 0.1);
    expect(median.radius).toBe(1); // the least radius there is
  });

  test('at full scale the parameters are the same object', () => {
    const p = resolveParams(op('gaussian-blur'), { sigma: 3 });
    expect(proxyParams(op('gaussian-blur'), p, 1)).toBe(p);
  });

  test("a step's scale is its first image input's", () => {
    expect(scaleOf({})).toBe(1);
    expect(scaleOf({ n: 3, image: randomImage(2, 2) })).toBe(1);
    expect(scaleOf({ image: { ...randomImage(2, 2), scale: 0.3 }, mask: randomImage(2, 2) })).toBe(0.3);
  });
});

describe('the scale a step works at', () => {
  test('a generator makes its image at proxy size in a proxy run, and at its own size otherwise', () => {
    const g = op('gradient');
    const p = resolveParams(g, { width: 4000, height: 3000 });
    const s = workingScale(g, p, {}, 1 << 20);
    expect(s).toBe(proxySize(4000, 3000, 1 << 20)!.scale);
    const scaled = proxyParams(g, p, s);
    expect((scaled.width as number) * (scaled.height as number)).toBeLessThanOrEqual(1 << 20);
    expect(workingScale(g, p, {}, 0)).toBe(1);
    expect(workingScale(g, resolveParams(g, { width: 500, height: 300 }), {}, 1 << 20)).toBe(1);
  });

  test("a step with an image input works at its image's scale, whatever the proxy level", () => {
    const blur = op('gaussian-blur');
    expect(workingScale(blur, resolveParams(blur, {}), { image: { ...randomImage(2, 2), scale: 0.5 } }, 1 << 20)).toBe(0.5);
    expect(workingScale(blur, resolveParams(blur, {}), { image: randomImage(2, 2) }, 1 << 20)).toBe(1);
  });
});

describe('whether a graph needs proxies', () => {
  const graph = (nodes: Graph['nodes']): Graph => ({ nodes, edges: [] });
  const sizes = new Map([['a'.repeat(32), { width: 4000, height: 3000 }], ['b'.repeat(32), { width: 600, height: 400 }]]);
  const size = (id: string) => sizes.get(id);

  test('a loaded image or a generated one larger than the proxy size needs them; small ones do not', () => {
    expect(graphNeedsProxy(graph([{ id: 's', op: 'image-source', params: { asset: 'a'.repeat(32) } }]), registry, 1 << 20, size)).toBe(true);
    expect(graphNeedsProxy(graph([{ id: 's', op: 'image-source', params: { asset: 'b'.repeat(32) } }]), registry, 1 << 20, size)).toBe(false);
    expect(graphNeedsProxy(graph([{ id: 's', op: 'image-source', params: { asset: 'c'.repeat(32) } }]), registry, 1 << 20, size)).toBe(false);
    expect(graphNeedsProxy(graph([{ id: 'g', op: 'gradient', params: { width: 4000, height: 3000 } }]), registry, 1 << 20, size)).toBe(true);
    expect(graphNeedsProxy(graph([{ id: 'g', op: 'gradient', params: {} }]), registry, 1 << 20, size)).toBe(false);
    expect(graphNeedsProxy(graph([{ id: 'g', op: 'gradient', params: { width: 4000, height: 3000 } }]), registry, 0, size)).toBe(false);
    expect(graphNeedsProxy(graph([{ id: 'x', op: 'no-such-op', params: {} }]), registry, 1 << 20, size)).toBe(false);
  });

  test('only reduced images count as proxies', () => {
    expect(isProxy(undefined)).toBe(false);
    expect(isProxy(randomImage(2, 2))).toBe(false);
    expect(isProxy({ ...randomImage(2, 2), scale: 1 })).toBe(false);
    expect(isProxy({ ...randomImage(2, 2), scale: 0.5 })).toBe(true);
  });
});
