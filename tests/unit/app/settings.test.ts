import { describe, expect, test } from 'vitest';
import { clampSetting, parseSettings, type Settings } from '../../../src/app/settings';

const defaults: Settings = { poolSize: 3, timeoutS: 0, proxyMP: 1, memoryMB: 512, idbMB: 2048 };

describe('settings', () => {
  test('stored settings are read field by field, clamped to their ranges', () => {
    expect(parseSettings(JSON.stringify({ poolSize: 12, timeoutS: 30, proxyMP: 0.3, memoryMB: 64 }), defaults)).toEqual({
      poolSize: 8,
      timeoutS: 30,
      proxyMP: 0.25,
      memoryMB: 64,
      idbMB: 2048,
    });
  });

  test('missing, unreadable or non-numeric settings give the defaults', () => {
    expect(parseSettings(null, defaults)).toEqual(defaults);
    expect(parseSettings('{not json', defaults)).toEqual(defaults);
    expect(parseSettings('[1,2]', defaults)).toEqual(defaults);
    expect(parseSettings(JSON.stringify({ poolSize: 'many', memoryMB: null }), defaults)).toEqual(defaults);
  });

  test('a value is brought to its step and range', () => {
    expect(clampSetting('poolSize', 0, 3)).toBe(1);
    expect(clampSetting('poolSize', 2.6, 3)).toBe(3);
    expect(clampSetting('proxyMP', '0.6', 1)).toBe(0.5);
    expect(clampSetting('timeoutS', -4, 0)).toBe(0);
    expect(clampSetting('memoryMB', Number.NaN, 512)).toBe(512);
  });
});
