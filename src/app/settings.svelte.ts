// The settings as the editor holds them: read from localStorage at start, written back on every
// change, and applied at once to what they govern (the worker pool's size, the live controller's
// time limit and proxy size, the cache budgets). The Settings dialog and the Performance drawer's
// budget fields both change them here, so the two never disagree.

import { DEFAULT_IDB_BUDGET, DEFAULT_MEMORY_BUDGET } from '../cache';
import { DEFAULT_PROXY_PIXELS } from '../engine';
import { defaultPoolSize } from '../workers/pool';
import type { EditorState } from './editor.svelte';
import { clampSetting, parseSettings, SETTING_SPECS, SETTINGS_KEY, type Settings } from './settings';

const MiB = 1024 * 1024;
/** A proxy "megapixel" is 2^20 pixels, so the default (1 MP) keeps the proxy keys results are cached under. */
const PROXY_UNIT = 1 << 20;

export class SettingsState {
  values = $state.raw<Settings>(null!);
  readonly defaults: Settings;
  /** The settings dialog is open. */
  open = $state(false);
  /** Why the settings could not be stored (they still apply to this page). */
  problem = $state<string | null>(null);
  readonly #editor: EditorState;

  constructor(editor: EditorState) {
    this.#editor = editor;
    this.defaults = {
      poolSize: clampSetting('poolSize', defaultPoolSize(), 1),
      timeoutS: Math.round(editor.runtime.live.timeoutMs / 1000),
      proxyMP: DEFAULT_PROXY_PIXELS / PROXY_UNIT,
      memoryMB: Math.round(DEFAULT_MEMORY_BUDGET / MiB),
      idbMB: Math.round(DEFAULT_IDB_BUDGET / MiB),
    };
    let stored: string | null = null;
    try {
      stored = localStorage.getItem(SETTINGS_KEY);
    } catch {
      // storage blocked: the defaults apply
    }
    this.values = parseSettings(stored, this.defaults);
    this.#apply(this.values, this.defaults);
  }

  /** Changes some settings: each is clamped to its range, stored, and applied now. */
  update(patch: Partial<Settings>): void {
    const before = this.values;
    const next = { ...before } as Record<keyof Settings, number>;
    for (const k of Object.keys(patch) as (keyof Settings)[]) next[k] = clampSetting(k, patch[k], before[k]);
    this.values = next;
    this.#store();
    this.#apply(next, before);
  }

  reset(): void {
    this.update(this.defaults);
  }

  #store(): void {
    try {
      localStorage.setItem(SETTINGS_KEY, JSON.stringify(this.values));
      this.problem = null;
    } catch (e) {
      this.problem = `The settings apply to this page but could not be stored: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  /** Applies the settings; budgets only where they differ from `before` (at start: the defaults, which are what is running). */
  #apply(s: Settings, before: Settings): void {
    const runtime = this.#editor.runtime;
    if (s.poolSize !== runtime.pool.size) runtime.pool.resize(s.poolSize);
    runtime.live.timeoutMs = s.timeoutS * 1000;
    runtime.live.proxyPixels = Math.round(s.proxyMP * PROXY_UNIT);
    // Budgets only when changed: setting one makes the IndexedDB tier check its size.
    const budgets: { memoryBytes?: number; idbBytes?: number } = {};
    if (s.memoryMB !== before.memoryMB) budgets.memoryBytes = s.memoryMB * MiB;
    if (s.idbMB !== before.idbMB) budgets.idbBytes = s.idbMB * MiB;
    if (budgets.memoryBytes !== undefined || budgets.idbBytes !== undefined) {
      this.#editor.cache.setBudgets(budgets).catch((e: unknown) => {
        this.problem = `The cache budget could not be applied: ${e instanceof Error ? e.message : String(e)}`;
      });
    }
  }
}

export { SETTING_SPECS };
