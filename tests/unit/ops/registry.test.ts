import { describe, expect, test } from 'vitest';
import { existsSync } from 'node:fs';
import { ops, registry } from '../../../src/ops/registry';
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
      expect(op.outputs.length).toBeGreaterThan(0);
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
