// The widths of the editor's panes (palette, viewer, parameter panel; the graph takes the rest),
// set by dragging or keying the splitters between them and remembered in localStorage. Also
// whether the graph's minimap is shown.

export type PaneId = 'left' | 'viewer' | 'right';

export const PANE_LIMITS: { readonly [K in PaneId]: { readonly min: number; readonly max: number } } = {
  left: { min: 140, max: 420 },
  viewer: { min: 240, max: 1600 },
  right: { min: 220, max: 560 },
};

const KEY = 'pipette-panes';

interface Stored {
  left?: number;
  viewer?: number;
  right?: number;
  minimap?: boolean;
}

function read(): Stored {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(KEY) ?? '{}');
    return typeof v === 'object' && v !== null ? (v as Stored) : {};
  } catch {
    return {};
  }
}

const clampTo = (id: PaneId, v: unknown): number | null =>
  typeof v === 'number' && Number.isFinite(v) ? Math.round(Math.min(PANE_LIMITS[id].max, Math.max(PANE_LIMITS[id].min, v))) : null;

export class PaneSizes {
  left = $state(200);
  /** null: the default share of the window. */
  viewer = $state<number | null>(null);
  right = $state(280);
  minimap = $state(true);

  constructor() {
    const s = read();
    this.left = clampTo('left', s.left) ?? this.left;
    this.viewer = clampTo('viewer', s.viewer);
    this.right = clampTo('right', s.right) ?? this.right;
    this.minimap = s.minimap ?? true;
  }

  /** The body grid's columns: palette, splitter, graph, splitter, viewer, splitter, panel. The graph keeps at least 240 px. */
  readonly columns = $derived(
    `${this.left}px 5px minmax(240px, 1fr) 5px ${this.viewer === null ? 'minmax(300px, 34%)' : `minmax(0, ${this.viewer}px)`} 5px ${this.right}px`,
  );

  set(id: PaneId, width: number): void {
    const v = clampTo(id, width);
    if (v === null) return;
    this[id] = v;
    this.#save();
  }

  toggleMinimap(): void {
    this.minimap = !this.minimap;
    this.#save();
  }

  #save(): void {
    try {
      localStorage.setItem(KEY, JSON.stringify({ left: this.left, viewer: this.viewer, right: this.right, minimap: this.minimap }));
    } catch {
      // not stored: the sizes still apply to this page
    }
  }
}
