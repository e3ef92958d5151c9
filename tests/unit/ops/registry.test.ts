import { describe, expect, test } from 'vitest';
import { existsSync } from 'node:fs';
import { ops, registry } from '../../../src/ops/registry';
import { ops as kernelOps, pairKernels } from '../../../src/ops/kernels';
import { defaultParams } from '../../../src/engine/params';

describe('the operation registry', () => {
  test('holds at least 30 operations, each id once', () => {
    expect(ops.length).toBeGreaterThanOrEqual(30);
    expect(new Set(ops.map((o) => o.id)).size).toBe(ops.length);
    for (const o of ops) expect(registry.get(o.id)).toBe(o);
  });

  test('every operation has a test file of its own', () => {
    const missing = ops.filter((o) => !existsSync(new URL(`./${o.id}.test.ts`, import.meta.url)));
    expect(missing.map((o) => o.id)).toEqual([]);
  });

  for (const op of ops) {
    test(`${op.id}: its declaration is complete and its defaults are valid`, () => {
      expect(op.id).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(Number.isInteger(op.version) && op.version >= 1).toBe(true);
      expect(op.title.length).toBeGreaterThan(0);
      expect(op.description.length).toBeGreaterThan(10);
      // Every step gives something, but a Timer: it moves another step's parameter instead.
      if (op.live?.kind !== 'timer') expect(op.outputs.length).toBeGreaterThan(0);
      else expect([...op.inputs, ...op.outputs]).toEqual([]);
      const ports = [...op.inputs, ...op.outputs].map((p) => p.name);
      expect(new Set(op.inputs.map((p) => p.name)).size).toBe(op.inputs.length);
      expect(ports.every((p) => /^[a-z][a-zA-Z0-9]*$/.test(p))).toBe(true);
      for (const [name, spec] of Object.entries(op.params)) {
        if (spec.kind === 'number') {
          expect(spec.min, name).toBeLessThanOrEqual(spec.default);
          expect(spec.default, name).toBeLessThanOrEqual(spec.max);
          if (spec.softMin !== undefined) expect(spec.softMin, name).toBeGreaterThanOrEqual(spec.min);
          if (spec.softMax !== undefined) expect(spec.softMax, name).toBeLessThanOrEqual(spec.max);
        }
        if (spec.kind === 'select') expect(spec.options.map((o) => o.value), name).toContain(spec.default);
      }
      // Defaults resolve to themselves: nothing is clamped or refused.
      expect(defaultParams(op)).toEqual(Object.fromEntries(Object.entries(op.params).map(([k, s]) => [k, s.default])));
    });
  }
});

describe('the kernels of the operations (workers)', () => {
  test('pair every declaration but the control steps with its kernel, in the registry order', () => {
    expect(kernelOps.map((o) => o.id)).toEqual(ops.filter((o) => !o.control).map((o) => o.id));
    expect(ops.filter((o) => o.control).map((o) => o.id).sort()).toEqual(['repeat', 'switch']);
    for (const o of kernelOps) {
      expect(typeof o.kernel).toBe('function');
      expect(o.params).toBe(registry.get(o.id)!.params);
    }
  });

  test('refuse a declaration without a kernel, a kernel without a declaration, and a kernel made from another declaration', () => {
    const [a, b] = [ops[0]!, ops[1]!];
    const ka = { default: kernelOps.find((o) => o.id === a.id)! };
    const kb = { default: kernelOps.find((o) => o.id === b.id)! };
    expect(pairKernels([a, b], { './a/kernel.ts': ka, './b/kernel.ts': kb }).map((o) => o.id)).toEqual([a.id, b.id]);
    expect(() => pairKernels([a, b], { './a/kernel.ts': ka })).toThrow(/declared but has no kernel/);
    expect(() => pairKernels([a], { './a/kernel.ts': ka, './b/kernel.ts': kb })).toThrow(/without a declaration/);
    expect(() => pairKernels([{ ...a, params: { ...a.params } }], { './a/kernel.ts': ka })).toThrow(/not defined with its meta/);
  });
});
