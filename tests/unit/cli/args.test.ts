import { describe, expect, test } from 'vitest';
import { parseArgs, UsageError } from '../../../src/cli/args';

describe('pipette run arguments', () => {
  test('the defaults, and every option read back', () => {
    const a = parseArgs(['run', 'g.json', '--in', 'in', '--out', 'out']);
    expect(a).toMatchObject({ graph: 'g.json', input: 'in', output: 'out', steps: [], source: null, format: 'png', quality: 0.9, background: '#ffffff', shard: { index: 0, count: 1 }, cache: null, json: null });
    expect(a.workers).toBeGreaterThanOrEqual(1);
    const b = parseArgs(['run', '--in=x', 'g.json', '--out', 'y', '--step', 'a, b', '--source', 's', '--format', 'JPG', '--quality', '75', '--background', '#00FF00', '--workers', '3', '--shard', '2/4', '--cache', 'c', '--json']);
    expect(b).toMatchObject({ input: 'x', output: 'y', steps: ['a', 'b'], source: 's', format: 'jpeg', quality: 0.75, background: '#00ff00', workers: 3, shard: { index: 1, count: 4 }, cache: 'c', json: true });
  });

  test.each([
    [[], /Say what to run/],
    [['go'], /Unknown command "go"/],
    [['run', '--in', 'a', '--out', 'b'], /Which graph file/],
    [['run', 'g', '--out', 'b'], /--in DIR is needed/],
    [['run', 'g', '--in', 'a'], /--out DIR is needed/],
    [['run', 'g', '--in', 'a', '--out', 'b', '--format', 'gif'], /--format must be png, jpeg or webp, not "gif"/],
    [['run', 'g', '--in', 'a', '--out', 'b', '--quality', '101'], /--quality must be a number from 0 to 100/],
    [['run', 'g', '--in', 'a', '--out', 'b', '--workers', '0'], /--workers must be a whole number from 1 to 64/],
    [['run', 'g', '--in', 'a', '--out', 'b', '--shard', '0/3'], /--shard must be I\/N with 1 ≤ I ≤ N/],
    [['run', 'g', '--in', 'a', '--out', 'b', '--shard', '4/3'], /--shard must be I\/N/],
    [['run', 'g', '--in', 'a', '--out', 'b', '--background', 'red'], /--background must be a colour like #ffffff/],
    [['run', 'g', '--in', 'a', '--out', 'b', '--nope'], /Unknown option --nope/],
    [['run', 'g', '--in', 'a', '--in', 'c', '--out', 'b'], /--in is given twice/],
    [['run', 'g', '--in', '--out', 'b'], /--in needs a value/],
    [['run', 'g', 'h', '--in', 'a', '--out', 'b'], /Only one graph file/],
  ])('%j is refused: %s', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});
