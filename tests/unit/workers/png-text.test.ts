import { describe, expect, test } from 'vitest';
import { readTextChunk, withTextChunk } from '../../../src/workers/png-text';
import { buildPng, readPng } from '../../png-fixture';

const png = () => buildPng({ width: 3, height: 2, colorType: 6, bitDepth: 8, sample: (x, y) => [x * 80, y * 100, 7, 255] });

describe('PNG text chunks', () => {
  test('text written in an iTXt chunk reads back, and the pixels are untouched', () => {
    const text = JSON.stringify({ format: 'pipette-graph', label: 'café ☕' });
    const out = withTextChunk(png(), 'pipette-graph', text);
    expect(readTextChunk(out, 'pipette-graph')).toBe(text);
    expect(readTextChunk(out, 'other')).toBeNull();
    expect(readPng(out)).toEqual(readPng(png()));
  });

  test('a chunk whose CRC is wrong, or a file that is not a PNG, gives nothing', () => {
    const out = withTextChunk(png(), 'pipette-graph', 'hello');
    const bad = out.slice();
    const at = bad.length - 12 - 4 - 5; // inside the text, before the CRC and IEND
    bad[at] = bad[at]! ^ 0xff;
    expect(readTextChunk(bad, 'pipette-graph')).toBeNull();
    expect(readTextChunk(new TextEncoder().encode('not a png at all'), 'pipette-graph')).toBeNull();
    expect(readTextChunk(png(), 'pipette-graph')).toBeNull();
  });
});
