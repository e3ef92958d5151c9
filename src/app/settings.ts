// The editor's settings: what each one is, its range and default, and how they are read back from
// storage. Pure (no Svelte, no DOM): `settings.svelte.ts` keeps them in localStorage and applies
// them to the pool, the live controller and the cache.

export interface Settings {
  /** Workers in the pool. */
  readonly poolSize: number;
  /** Per-step time limit in seconds; 0: none. */
  readonly timeoutS: number;
  /** Most pixels of a proxy source while a slider is dragged, in megapixels; 0 turns proxies off. */
  readonly proxyMP: number;
  /** Memory cache budget in MB. */
  readonly memoryMB: number;
  /** IndexedDB cache budget in MB. */
  readonly idbMB: number;
}

export interface SettingSpec {
  readonly label: string;
  readonly description: string;
  readonly min: number;
  readonly max: number;
  readonly step: number;
  readonly unit: string;
}

export const SETTING_SPECS: { readonly [K in keyof Settings]: SettingSpec } = {
  poolSize: { label: 'Workers', description: 'Steps computed at once, each on its own thread. The default is one per core, up to 4; more than the machine has cores only adds waiting, fewer leaves a core to other programs.', min: 1, max: 8, step: 1, unit: '' },
  timeoutS: { label: 'Step time limit', description: 'A step running longer is stopped and marked timed out; 0: no limit.', min: 0, max: 3600, step: 1, unit: 's' },
  proxyMP: { label: 'Proxy size', description: 'While a slider is dragged, steps run first on sources reduced to this many megapixels; 0: no proxies.', min: 0, max: 16, step: 0.25, unit: 'MP' },
  memoryMB: { label: 'Memory cache', description: 'Results kept in memory for instant reuse.', min: 0, max: 16384, step: 1, unit: 'MB' },
  idbMB: { label: 'IndexedDB cache', description: 'Results kept on disk across reloads (capped by the browser’s quota).', min: 0, max: 65536, step: 1, unit: 'MB' },
};

export const SETTINGS_KEY = 'pipette-settings';

/** A value brought into its setting's range and step; a value that is not a number gives the default. */
export function clampSetting<K extends keyof Settings>(key: K, value: unknown, fallback: number): number {
  const spec = SETTING_SPECS[key];
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) return fallback;
  const stepped = Math.round(n / spec.step) * spec.step;
  return Math.min(spec.max, Math.max(spec.min, Number(stepped.toFixed(6))));
}

/**
 * Settings from stored text: each field that is there and valid is taken (clamped to its range),
 * anything else falls back to the defaults. Stored text that is not JSON gives the defaults.
 */
export function parseSettings(text: string | null, defaults: Settings): Settings {
  let raw: unknown = null;
  try {
    raw = text === null ? null : JSON.parse(text);
  } catch {
    raw = null;
  }
  const obj = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const out = { ...defaults } as Record<keyof Settings, number>;
  for (const k of Object.keys(SETTING_SPECS) as (keyof Settings)[]) {
    if (k in obj) out[k] = clampSetting(k, obj[k], defaults[k]);
  }
  return out;
}
