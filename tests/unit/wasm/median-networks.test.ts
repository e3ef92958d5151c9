import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';

// The median networks are generated (and checked against brute force by the 0-1 principle and on
// random bytes) by scripts/median-networks.mjs; the file in the repository must be what it writes.
describe('generated median networks', () => {
  test('src/wasm/assembly/median-networks.ts is what scripts/median-networks.mjs writes', () => {
    expect(() => execFileSync(process.execPath, ['scripts/median-networks.mjs', '--check'], { stdio: 'pipe' })).not.toThrow();
  }, 60_000);

  test('names its radii and tile height once, for the kernel to ask', () => {
    const text = readFileSync('src/wasm/assembly/median-networks.ts', 'utf8');
    expect(text).toMatch(/export const MEDIAN_TILE: i32 = 8;/);
    expect(text).toMatch(/export function medianNetHas\(r: i32\): bool \{\n {2}return r == 3 \|\| r == 4 \|\| r == 5 \|\| r == 6;/);
    for (const k of [7, 9, 11, 13]) expect(text).toContain(`export function medianTile${k}(rows: usize, out: usize): void {`);
  });
});
