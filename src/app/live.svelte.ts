// The live sources as the panels show them: each camera's state, size, fps and dropped frames,
// each timer's ticks, at the UI's one redraw pace; and the actions on them (freeze frame, retry,
// play, stop), which go to the command surface.

import { EditError } from '../engine';
import type { EditorState } from './editor.svelte';
import type { CameraStats, LiveStats, TimerStats } from './live-sources';
import { Throttle } from './throttle';

const NONE: LiveStats = { cameras: [], timers: [] };

export class LiveState {
  stats = $state.raw<LiveStats>(NONE);
  readonly #editor: EditorState;

  constructor(editor: EditorState) {
    this.#editor = editor;
    const sources = editor.commands.live;
    if (!sources) return;
    const redraw = new Throttle(() => (this.stats = sources.stats()), 250);
    sources.subscribe(() => redraw.request());
  }

  camera(node: string): CameraStats | null {
    return this.stats.cameras.find((c) => c.node === node) ?? null;
  }

  timer(node: string): TimerStats | null {
    return this.stats.timers.find((t) => t.node === node) ?? null;
  }

  /** The playing timer moving this step's parameter, if any. */
  animating(node: string, param: string): TimerStats | null {
    return this.stats.timers.find((t) => t.playing && t.target?.node === node && t.target.param === param) ?? null;
  }

  async freeze(node: string): Promise<void> {
    try {
      await this.#editor.commands.freezeFrame(node);
    } catch (e) {
      this.#editor.say(e instanceof EditError ? e.message : `The frame could not be frozen: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  retry(node: string): void {
    this.#editor.commands.live?.retryCamera(node);
  }

  play(node: string): void {
    try {
      this.#editor.commands.playTimer(node);
    } catch (e) {
      this.#editor.say(e instanceof Error ? e.message : String(e));
    }
  }

  stop(node: string): void {
    this.#editor.commands.stopTimer(node);
  }
}
