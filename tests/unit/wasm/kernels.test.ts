import { describe, expect, test } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { bandRows, kernelInstantiations, loadKernels } from '../../../src/wasm';
import { copyOut, Passes } from '../../../src/ops/passes';
import { KERNELS_WASM_BASE64 } from '../../../src/wasm/build/kernels';
import { ctx, randomImage, sameBytes } from '../ops/helpers';

describe('wasm kernels loader', () => {
  test('instantiates the module once per thread, however many callers ask', async () => {
    const [a, b] = await Promise.all([loadKernels(), loadKernels()]);
    const c = await loadKernels();
    expect(a).toBe(b);
    expect(a).toBe(c);
    expect(kernelInstantiations()).toBe(1);
  });

  test('the build wrote the module and its base64 twin from the same bytes', () => {
    const wasm = new URL('../../../src/wasm/build/kernels.wasm', import.meta.url);
    expect(existsSync(wasm)).toBe(true);
    expect(Buffer.compare(readFileSync(wasm), Buffer.from(KERNELS_WASM_BASE64, 'base64'))).toBe(0);
  });

  test('the module needs no imports and uses SIMD', () => {
    const bytes = Buffer.from(KERNELS_WASM_BASE64, 'base64');
    const module = new WebAssembly.Module(bytes);
    expect(WebAssembly.Module.imports(module)).toEqual([]);
    expect(WebAssembly.Module.exports(module).map((e) => e.name)).toContain('iirPass1');
    // 0xfd is the SIMD opcode prefix; a scalar build would not validate as the same kernels
    expect(bytes.includes(0xfd)).toBe(true);
  });

  test('an arena grows memory as needed and copies pixels in and out unchanged', async () => {
    const k = await loadKernels();
    const img = randomImage(700, 500, 3);
    const arena = k.arena();
    const before = k.fn.memory.buffer.byteLength;
    const p = arena.copyIn(img.data);
    const q = arena.alloc(img.data.length);
    expect(q).toBeGreaterThanOrEqual(p + img.data.length);
    expect(q % 64).toBe(0);
    expect(k.fn.memory.buffer.byteLength).toBeGreaterThanOrEqual(before);
    expect(k.fn.memory.buffer.byteLength).toBeGreaterThanOrEqual(q + img.data.length);
    expect(sameBytes(copyOut(arena, p, 700, 500).data, img.data)).toBe(true);
  });

  test('tells opaque images from translucent ones', async () => {
    const k = await loadKernels();
    for (const [w, h] of [[1, 1], [5, 3], [64, 64]] as const) {
      const arena = k.arena();
      const img = randomImage(w, h, 1, true);
      expect(k.fn.isOpaque(arena.copyIn(img.data), w * h)).toBe(1);
      img.data[img.data.length - 1] = 254;
      expect(k.fn.isOpaque(k.arena().copyIn(img.data), w * h)).toBe(0);
    }
  });

  test('passes run bands in order or bottom first, reporting progress up to exactly 1', () => {
    const seen: number[] = [];
    const bands: [number, number][] = [];
    const passes = new Passes(ctx(undefined, (p) => seen.push(p)), 20);
    passes.bands(10, 4, (a, b) => bands.push([a, b]));
    passes.bands(10, 4, (a, b) => bands.push([a, b]), true);
    expect(bands).toEqual([[0, 4], [4, 8], [8, 10], [6, 10], [2, 6], [0, 2]]);
    expect(seen).toEqual([0.2, 0.4, 0.5, 0.7, 0.9, 1]);
  });

  test('passes stop at the next band once the signal aborts', () => {
    const ac = new AbortController();
    const passes = new Passes(ctx(ac.signal), 10);
    let ran = 0;
    expect(() =>
      passes.bands(10, 1, () => {
        ran++;
        if (ran === 3) ac.abort();
      }),
    ).toThrow();
    expect(ran).toBe(3);
  });

  test('bands hold about half a megapixel', () => {
    expect(bandRows(4000)).toBe(131);
    expect(bandRows(10_000_000)).toBe(1);
  });
});
