// What an operation declares about itself. Each operation is declared once (in src/ops/<id>/);
// the engine validates graphs and computes keys from these declarations, and the UI derives the
// palette and parameter panel from them.

/** The kinds of value that flow along edges. An output connects only to an input of the same type. */
export type PortType = 'image' | 'number' | 'histogram';
/** Every port type, for checks and lists. */
export const PORT_TYPES: readonly PortType[] = ['image', 'number', 'histogram'];

export interface PortSpec {
  readonly name: string;
  readonly type: PortType;
  readonly label?: string;
  /** An optional input may be left unconnected; a required one makes the step invalid until wired. */
  readonly optional?: boolean;
}

interface ParamBase {
  readonly label: string;
  readonly description?: string;
}

export interface NumberParam extends ParamBase {
  readonly kind: 'number';
  readonly default: number;
  /** Hard bounds: values outside are clamped. */
  readonly min: number;
  readonly max: number;
  readonly step?: number;
  /** Whole numbers only: values are rounded. */
  readonly integer?: boolean;
  /** Soft range: what a slider spans by default; numeric entry can go up to the hard bounds. */
  readonly softMin?: number;
  readonly softMax?: number;
  readonly unit?: string;
}

export interface SelectParam extends ParamBase {
  readonly kind: 'select';
  readonly default: string;
  readonly options: readonly { readonly value: string; readonly label: string }[];
}

export interface BooleanParam extends ParamBase {
  readonly kind: 'boolean';
  readonly default: boolean;
}

export interface ColorParam extends ParamBase {
  readonly kind: 'color';
  /** `#rrggbb` or `#rrggbbaa`, lower case. */
  readonly default: string;
}

export interface MatrixParam extends ParamBase {
  readonly kind: 'matrix';
  /** Row-major, `size × size` entries. */
  readonly default: readonly number[];
  /** Allowed odd sizes, e.g. [3, 5, 7]. */
  readonly sizes: readonly number[];
  readonly min: number;
  readonly max: number;
}

export interface StringParam extends ParamBase {
  readonly kind: 'string';
  readonly default: string;
  readonly maxLength: number;
  /** Optional pattern a value must match (for asset ids and similar). */
  readonly pattern?: RegExp;
  /**
   * The value names an asset (a decoded image held by the app, keyed by the hash of its pixels).
   * Executors hand the asset to the kernel through its context; the hash makes the step's key a
   * hash of the pixels.
   */
  readonly asset?: boolean;
  /**
   * The value names something in the graph, chosen from a list rather than typed: `step` another
   * step's id, `number-param` one of the number parameters of the step named by the parameter
   * `of` (a Timer's target). The parameter panel builds the list from the graph and declarations.
   */
  readonly choices?: { readonly kind: 'step' } | { readonly kind: 'number-param'; readonly of: string };
}

export type ParamSpec = NumberParam | SelectParam | BooleanParam | ColorParam | MatrixParam | StringParam;

export type ParamValue = number | string | boolean | readonly number[];
export type Params = Readonly<Record<string, ParamValue>>;

/** The value a parameter resolves to: a select's declared option values, a colour's `#rrggbb…` text. */
export type ParamValueOf<S extends ParamSpec> = S extends NumberParam
  ? number
  : S extends SelectParam
    ? S['options'][number]['value']
    : S extends BooleanParam
      ? boolean
      : S extends MatrixParam
        ? readonly number[]
        : string;

/**
 * The resolved parameters of a declaration (what a kernel receives), derived from its `params`:
 * `ParamsOf<typeof meta>` for an operation declared with `declareOp` (see ops/types.ts).
 */
export type ParamsOf<D extends Pick<OpDecl, 'params'>> = { readonly [K in keyof D['params']]: ParamValueOf<D['params'][K]> };

export type OpCategory = 'source' | 'adjust' | 'filter' | 'geometry' | 'composite' | 'analyze' | 'output' | 'utility';

export interface OpDecl {
  /** Stable identifier, kebab-case; part of every content key. */
  readonly id: string;
  /** Bump whenever the output for the same inputs and parameters could change. */
  readonly version: number;
  readonly title: string;
  readonly category: OpCategory;
  readonly description: string;
  readonly inputs: readonly PortSpec[];
  readonly outputs: readonly PortSpec[];
  readonly params: Readonly<Record<string, ParamSpec>>;
  /** Extra search words for the palette. */
  readonly keywords?: readonly string[];
  /** Declared when the operation can run in row bands, possibly on several workers at once. */
  readonly tile?: TileDecl;
  /**
   * A control-flow step (engine/control.ts): the scheduler carries it out and no worker kernel
   * exists for it. `metric` names the operation a Repeat measures its change with (two images in,
   * a number out: mean |Δ|).
   */
  readonly control?: ControlDecl;
  /**
   * A live source (engine/live-sources in the app): its result changes over time without an edit
   * (a camera's frames). Its results and everything computed from them are volatile: kept in
   * memory, never written to IndexedDB (see GraphKeys.volatile).
   */
  readonly live?: LiveDecl;
}

export type LiveDecl = { readonly kind: 'camera' } | { readonly kind: 'timer' };

export type ControlDecl = { readonly kind: 'switch' } | { readonly kind: 'repeat'; readonly metric: string };

/**
 * Tile safety. Declaring it promises that a band of whole output rows [y0, y1) is exactly what
 * the kernel produces for those rows when it is run on input rows [y0 − halo, y1 + halo) alone
 * (clamped to the image; for operations whose edges extend, a band that reaches the image's edge
 * sees the same edge): output size equals input size (but see `resample`), outputs are images only, and nothing
 * depends on the image as a whole (no histogram, no statistics, no size-dependent maths). With
 * several image inputs it holds when they all have the first one's size; executors tile only then.
 *
 * Row-local operations (pointwise adjustments) declare a halo of 0; neighbourhood filters the rows
 * their window reaches. A recursive filter has an infinite support: its halo is where the rest of
 * its response is below what the output's rounding can show (see gaussian-blur), and the tiled
 * result is then within that operation's stated tolerance rather than byte-identical.
 */
export interface TileDecl {
  /** Rows of context needed above and below a band, for these resolved parameters (≥ 0). */
  readonly halo: (params: Params) => number;
  /**
   * Largest difference, in levels, between a tiled and an untiled result for these parameters.
   * Absent or 0: byte-identical, which is what every exact (non-recursive) kernel must give.
   */
  readonly tolerance?: (params: Params) => number;
  /**
   * For an operation whose output is not its input's size (a resize): the output's size for an
   * input of `width`×`height`, and the input rows each run of output rows reads. A band is then a
   * run of output rows, its kernel sees only those input rows and learns where it lies from
   * `ctx.tile.rows`; `halo` is not used. Undefined for parameters or sizes not split: the step then
   * runs whole.
   */
  readonly resample?: (params: Params, width: number, height: number) => ResampledRows | undefined;
}

/** See TileDecl.resample. */
export interface ResampledRows {
  readonly width: number;
  readonly height: number;
  /** The input rows [in0, in1) that output rows [y0, y1) read. */
  rows(y0: number, y1: number): readonly [in0: number, in1: number];
}

/** Looks operations up by id. The engine never imports the operations themselves. */
export interface OpRegistry {
  get(id: string): OpDecl | undefined;
  all(): readonly OpDecl[];
}

export function registryOf(decls: Iterable<OpDecl>): OpRegistry {
  const byId = new Map<string, OpDecl>();
  for (const d of decls) {
    if (byId.has(d.id)) throw new Error(`Operation "${d.id}" is declared twice`);
    byId.set(d.id, d);
  }
  const list = [...byId.values()];
  return { get: (id) => byId.get(id), all: () => list };
}
