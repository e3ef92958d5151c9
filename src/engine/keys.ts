// Merkle content keys. A step's key is a hash of its operation id and version, its canonical
// parameters and the keys of its inputs; a source's parameters carry the hash of its pixels, so
// every key is a pure function of the graph. Equal keys mean equal results, which is what lets the
// cache serve results across edits, undo and reloads, and what makes stale results impossible to
// show: a result is displayed only under the key the step has now.

import type { Graph, GraphIndex, PortRef } from './graph';
import { ancestorsOf, bypassPort, descendantsOf, indexGraph, nodeIssues, stepTitle, topoOrder } from './graph';
import type { OpDecl, OpRegistry, Params } from './op';
import { REPEAT_PORTS, SWITCH_PORTS, switchChoice, switchWarning } from './control';
import { canonicalParams, resolveParams } from './params';
import { hashText128 } from './hash';
import { withSubgraphs } from './subgraph-decl';

/** Bump if the key recipe itself changes: every persisted key becomes unreachable (and is evicted). */
export const KEY_SCHEME = 1;

export interface KeyedInput {
  readonly port: string;
  readonly from: PortRef;
  /** The key of the value arriving at this input. */
  readonly key: string;
}

export interface KeyedStep {
  readonly ok: true;
  readonly id: string;
  readonly op: OpDecl;
  /** Resolved (defaults filled, clamped) parameters. */
  readonly params: Params;
  readonly key: string;
  readonly inputs: readonly KeyedInput[];
  /** Key of each output port's value. */
  readonly outputs: ReadonlyMap<string, string>;
  /** Set when the step is bypassed, or is a switch: that input passes to its output and nothing runs. */
  readonly passThrough: { readonly input: string; readonly output: string } | null;
  /** A switch's decision: the condition value and the input it picks (its only input besides the condition). */
  readonly choice?: { readonly value: number; readonly port: 'a' | 'b'; readonly warning?: string };
  /** A repeat's body and limits, for the scheduler to run iteration by iteration. */
  readonly repeat?: RepeatPlan;
}

/** One step of a repeat's body, with where each of its inputs comes from. */
export interface BodyStep {
  readonly id: string;
  readonly op: OpDecl;
  readonly params: Params;
  readonly bypass: boolean;
  /** Per declared input port: the carried image, another body step's output, a fixed key from outside the body, or unwired. */
  readonly inputs: readonly BodyInput[];
}

export type BodyInput =
  | { readonly port: string; readonly kind: 'carried' }
  | { readonly port: string; readonly kind: 'body'; readonly from: PortRef }
  | { readonly port: string; readonly kind: 'fixed'; readonly from: PortRef; readonly key: string }
  | { readonly port: string; readonly kind: 'none' };

export interface RepeatPlan {
  readonly mode: 'count' | 'converge';
  readonly count: number;
  readonly epsilon: number;
  readonly maxIterations: number;
  /** The body's steps in dependency order; the last gives the body's result at `output`. */
  readonly body: readonly BodyStep[];
  readonly output: PortRef;
  /** The operation measuring mean |Δ| between iterations (converge mode). */
  readonly metric: OpDecl | null;
  /** Key of the image carried into the first iteration. */
  readonly initialKey: string;
}

export interface UnkeyedStep {
  readonly ok: false;
  readonly id: string;
  /** Why this step cannot run. */
  readonly message: string;
  /** When the problem is upstream: the step that has it. */
  readonly blockedBy?: string;
  /** Not a problem: this step waits for the switch with this id to know its condition (see GraphKeys.conditions). */
  readonly pending?: string;
}

export type StepKey = KeyedStep | UnkeyedStep;

export interface GraphKeys {
  readonly steps: ReadonlyMap<string, StepKey>;
  /** The proxy level these keys are for (most pixels of a proxy source), or 0 for full resolution. */
  readonly proxy: number;
  /** Keyed steps in dependency order. */
  readonly order: readonly string[];
  readonly index: GraphIndex;
  /**
   * Switches whose condition comes from a step whose value is not known yet, with that value's
   * full-resolution output key: the scheduler computes it, records it (`KeyOptions.conditions`) and
   * keys the graph again.
   */
  readonly conditions: ReadonlyMap<string, { readonly from: PortRef; readonly key: string }>;
  /** Steps that only feed switch inputs not picked: they are not run. */
  readonly skipped: ReadonlySet<string>;
  /** Steps that cannot be planned until a switch's condition is known, with that switch's id. */
  readonly waitsOn: ReadonlyMap<string, string>;
  /**
   * Steps whose results come from a live source (a step declared `live`, `KeyOptions.volatile`) and all below
   * them: their keys change with every frame or tick, so their results are kept in memory only.
   */
  readonly volatile: ReadonlySet<string>;
}

export function outputKey(stepKey: string, port: string): string {
  return `${stepKey}.${port}`;
}

/**
 * A step's content key. `proxy` (most pixels of a proxy source; 0 for full resolution) is part of
 * the recipe, so a proxy result and a full one never share a key: a proxy can never be served as,
 * or mistaken for, the full-resolution result. Full-resolution keys are the same as before proxies
 * existed, so persisted caches stay valid.
 */
export function stepKey(op: OpDecl, params: Params, inputKeys: readonly string[], proxy = 0): string {
  const level = proxy > 0 ? `\u0000proxy=${proxy}` : '';
  const text = `pipette/${KEY_SCHEME}\u0000${op.id}\u0000${op.version}\u0000${canonicalParams(params)}\u0000${inputKeys.join('\u0000')}${level}`;
  return hashText128(text);
}

export interface KeyOptions {
  /** Key for a proxy run whose sources are reduced to at most this many pixels (0: full resolution). */
  readonly proxy?: number;
  readonly index?: GraphIndex;
  /**
   * Known condition values by the full-resolution output key they come from (a value is a pure
   * function of its key, so entries never go stale). A switch whose condition is not here waits.
   * Proxy keys read the full-resolution values too, so a proxy picks the branch the full run picks.
   */
  readonly conditions?: ReadonlyMap<string, number>;
  /** Steps a live source drives (a timer's target), volatile with everything below them; live steps (Camera, Timer) are so by declaration. */
  readonly volatile?: ReadonlySet<string>;
}

/** A step's key and output keys from its inputs' keys (one per declared input, '-' when unwired). */
function keyStep(op: OpDecl, params: Params, bypass: boolean, inputKeys: ReadonlyMap<string, string>, proxy: number): { key: string; outputs: Map<string, string> } | null {
  const outputs = new Map<string, string>();
  if (bypass) {
    const through = bypassPort(op);
    const passed = through ? inputKeys.get(through.input) : undefined;
    if (!through || passed === undefined) return null;
    outputs.set(through.output, passed);
    return { key: passed, outputs };
  }
  // Optional inputs that are not wired still occupy their slot, so adding one changes the key.
  const key = stepKey(op, params, op.inputs.map((p) => inputKeys.get(p.name) ?? '-'), proxy);
  for (const out of op.outputs) outputs.set(out.name, outputKey(key, out.name));
  return { key, outputs };
}

/**
 * The key of a repeat body's result when `carried` is the key of the image carried in: the body's
 * Merkle keys with the carried image's key in place of the initial one. So an iteration's key is a
 * function of (the body, the carried key), and iteration 1's keys are the body steps' own keys.
 */
export function iterationKeys(plan: RepeatPlan, carried: string, proxy: number): { readonly steps: ReadonlyMap<string, string>; readonly output: string } {
  const outs = new Map<string, ReadonlyMap<string, string>>();
  const steps = new Map<string, string>();
  for (const b of plan.body) {
    const inputKeys = new Map<string, string>();
    for (const i of b.inputs) {
      if (i.kind === 'carried') inputKeys.set(i.port, carried);
      else if (i.kind === 'fixed') inputKeys.set(i.port, i.key);
      else if (i.kind === 'body') inputKeys.set(i.port, outs.get(i.from.node)!.get(i.from.port)!);
    }
    const k = keyStep(b.op, b.params, b.bypass, inputKeys, proxy)!;
    steps.set(b.id, k.key);
    outs.set(b.id, k.outputs);
  }
  return { steps, output: outs.get(plan.output.node)!.get(plan.output.port)! };
}

/** Keys every step of a graph, in dependency order. Steps that cannot run say why. */
export function keyGraph(graph: Graph, registry: OpRegistry, opts: KeyOptions = {}): GraphKeys {
  // A flattened graph's instance steps (subgraph.ts) are known to every registry; an instance not
  // flattened is an unknown step.
  registry = withSubgraphs(registry, []);
  const index = opts.index ?? indexGraph(graph);
  const proxy = opts.proxy !== undefined && opts.proxy > 0 ? Math.floor(opts.proxy) : 0;
  const known = opts.conditions ?? new Map<string, number>();
  const steps = new Map<string, StepKey>();
  const conditions = new Map<string, { from: PortRef; key: string }>();
  /** Per switch (not bypassed, wired): the input it picks, or null while its condition is unknown or cannot be computed. */
  const decisions = new Map<string, 'a' | 'b' | null>();
  const { order, cyclic } = topoOrder(graph, index);
  for (const id of cyclic) steps.set(id, { ok: false, id, message: 'This step is part of a cycle' });
  // A proxy switch reads its condition at full resolution, so it needs the full keys of what feeds it.
  let full: GraphKeys | null = null;
  const fullKeys = (): GraphKeys => (full ??= keyGraph(graph, registry, { index, conditions: known }));

  /** The key arriving from `from`, or why there is none (blocked upstream, or waiting on a switch). */
  const arriving = (id: string, from: PortRef): { key: string } | UnkeyedStep => {
    const up = steps.get(from.node);
    const title = (node: string) => stepTitle(index.nodes.get(node), registry, node);
    if (up && !up.ok && up.pending !== undefined) {
      return { ok: false, id, message: `Waiting for "${title(up.pending)}" to pick an input`, pending: up.pending };
    }
    if (!up || !up.ok) {
      return { ok: false, id, message: `Waiting on "${title(from.node)}", which cannot run`, blockedBy: up?.ok === false ? (up.blockedBy ?? up.id) : from.node };
    }
    const key = up.outputs.get(from.port);
    if (key === undefined) return { ok: false, id, message: `"${title(from.node)}" gives no output "${from.port}" while bypassed`, blockedBy: from.node };
    return { key };
  };

  for (const id of order) {
    const node = index.nodes.get(id)!;
    const own = nodeIssues(node, registry, index);
    if (own.length > 0) {
      steps.set(id, { ok: false, id, message: own[0]!.message });
      continue;
    }
    const op = registry.get(node.op)!;
    const wired = index.inputs.get(id)!;
    const params = resolveParams(op, node.params);

    if (op.control?.kind === 'switch' && !node.bypass) {
      steps.set(id, keySwitch(id, op, params, wired, arriving, known, proxy, fullKeys, conditions, decisions));
      continue;
    }

    const inputs: KeyedInput[] = [];
    let blocked: UnkeyedStep | null = null;
    let pending: UnkeyedStep | null = null;
    for (const port of op.inputs) {
      const from = wired.get(port.name);
      if (!from) continue;
      const a = arriving(id, from);
      if ('ok' in a) {
        if (a.pending === undefined) {
          blocked = a;
          break;
        }
        pending ??= a;
        continue;
      }
      inputs.push({ port: port.name, from, key: a.key });
    }
    if (blocked || pending) {
      steps.set(id, (blocked ?? pending)!);
      continue;
    }
    const through = node.bypass ? bypassPort(op) : null;
    const inputKeys = new Map(inputs.map((i) => [i.port, i.key]));
    const keyed = keyStep(op, params, !!node.bypass, inputKeys, proxy);
    if (!keyed) {
      steps.set(id, { ok: false, id, message: `Connect an input to "${through?.input ?? op.inputs[0]?.name}" to bypass this step` });
      continue;
    }
    if (op.control?.kind === 'repeat' && !node.bypass) {
      const planned = planRepeat(id, op, params, wired, inputKeys, index, registry, steps, proxy);
      if ('message' in planned) {
        steps.set(id, { ok: false, id, message: planned.message });
        continue;
      }
      // Only what the result depends on: N in count mode; ε and the limit (which can fail it) in converge mode.
      const p = planned.plan;
      const relevant: Params = p.mode === 'count' ? { mode: p.mode, count: p.count } : { mode: p.mode, epsilon: p.epsilon, maxIterations: p.maxIterations };
      const key = stepKey(op, relevant, [inputKeys.get(REPEAT_PORTS.image)!, planned.bodyHash], proxy);
      const outputs = new Map(op.outputs.map((o) => [o.name, outputKey(key, o.name)]));
      steps.set(id, { ok: true, id, op, params, key, inputs, outputs, passThrough: null, repeat: planned.plan });
      continue;
    }
    steps.set(id, { ok: true, id, op, params, key: keyed.key, inputs, outputs: keyed.outputs, passThrough: through });
  }
  const { skipped, waitsOn } = switchReach(graph, index, steps, decisions);
  const roots = graph.nodes.filter((n) => registry.get(n.op)?.live || opts.volatile?.has(n.id)).map((n) => n.id);
  const volatile = roots.length === 0 ? new Set<string>() : new Set([...roots, ...descendantsOf(index, roots)]);
  return { steps, order: order.filter((id) => steps.get(id)?.ok), index, proxy, conditions, skipped, waitsOn, volatile };
}

function keySwitch(
  id: string,
  op: OpDecl,
  params: Params,
  wired: ReadonlyMap<string, PortRef>,
  arriving: (id: string, from: PortRef) => { key: string } | UnkeyedStep,
  known: ReadonlyMap<string, number>,
  proxy: number,
  fullKeys: () => GraphKeys,
  conditions: Map<string, { from: PortRef; key: string }>,
  decisions: Map<string, 'a' | 'b' | null>,
): StepKey {
  const inputs: KeyedInput[] = [];
  let value = params.value as number;
  const condFrom = wired.get(SWITCH_PORTS.condition);
  decisions.set(id, null);
  if (condFrom) {
    const a = arriving(id, condFrom);
    if ('ok' in a) return a;
    inputs.push({ port: SWITCH_PORTS.condition, from: condFrom, key: a.key });
    let fullKey: string | undefined = a.key;
    if (proxy > 0) {
      const up = fullKeys().steps.get(condFrom.node);
      fullKey = up?.ok ? up.outputs.get(condFrom.port) : undefined;
    }
    const v = fullKey === undefined ? undefined : known.get(fullKey);
    if (v === undefined) {
      if (fullKey !== undefined) conditions.set(id, { from: condFrom, key: fullKey });
      return { ok: false, id, message: 'Waiting for its condition', pending: id };
    }
    value = v;
  }
  const port = switchChoice(params, value);
  decisions.set(id, port);
  const from = wired.get(port)!;
  const a = arriving(id, from);
  if ('ok' in a) return a;
  inputs.push({ port, from, key: a.key });
  // The switch's content key is (condition value, picked input's key): what lies below does not
  // change when only the input not picked does.
  const key = stepKey(op, { condition: value }, [a.key], proxy);
  const warning = switchWarning(params, value);
  return {
    ok: true,
    id,
    op,
    params,
    key,
    inputs,
    outputs: new Map([[SWITCH_PORTS.out, outputKey(key, SWITCH_PORTS.out)]]),
    passThrough: { input: port, output: SWITCH_PORTS.out },
    choice: { value, port, ...(warning ? { warning } : {}) },
  };
}

/**
 * A repeat's body: the steps between the step wired into its Image input and the one wired into
 * its Body input (descendants of the first, ancestors of the second). Within the body, what came
 * from the Image input's output is the carried image.
 */
function planRepeat(
  id: string,
  op: OpDecl,
  params: Params,
  wired: ReadonlyMap<string, PortRef>,
  inputKeys: ReadonlyMap<string, string>,
  index: GraphIndex,
  registry: OpRegistry,
  steps: ReadonlyMap<string, StepKey>,
  proxy: number,
): { plan: RepeatPlan; bodyHash: string } | { message: string } {
  const start = wired.get(REPEAT_PORTS.image)!;
  const output = wired.get(REPEAT_PORTS.body)!;
  const mode = params.mode === 'converge' ? 'converge' : 'count';
  const count = params.count as number;
  const maxIterations = params.maxIterations as number;
  if (mode === 'count' && count > maxIterations) {
    return { message: `N (${count}) is more than Max iterations (${maxIterations}): raise the limit or lower N` };
  }
  if (output.node === start.node) return { message: 'Put at least one step between the Image input and the Body input: they are the repeated steps' };
  const after = descendantsOf(index, [start.node]);
  if (!after.has(output.node)) {
    return { message: `The Body input must come from steps that start at the Image input's step ("${stepTitle(index.nodes.get(start.node), registry, start.node)}")` };
  }
  const zone = ancestorsOf(index, [output.node]);
  const members = new Set([...zone].filter((n) => after.has(n)));
  const body: BodyStep[] = [];
  for (const [n] of steps) {
    if (!members.has(n)) continue;
    const s = steps.get(n)!;
    if (!s.ok) return { message: `Waiting on "${n}", which cannot run` };
    if (s.op.control) return { message: `A repeat's body cannot hold a ${s.op.title} step ("${n}")` };
    const node = index.nodes.get(n)!;
    const ins = index.inputs.get(n)!;
    const inputs: BodyInput[] = s.op.inputs.map((p): BodyInput => {
      const from = ins.get(p.name);
      if (!from) return { port: p.name, kind: 'none' };
      if (from.node === start.node && from.port === start.port) return { port: p.name, kind: 'carried' };
      if (members.has(from.node)) return { port: p.name, kind: 'body', from };
      return { port: p.name, kind: 'fixed', from, key: s.inputs.find((i) => i.port === p.name)!.key };
    });
    body.push({ id: n, op: s.op, params: s.params, bypass: !!node.bypass, inputs });
  }
  let metric: OpDecl | null = null;
  if (mode === 'converge' && op.control?.kind === 'repeat') {
    metric = registry.get(op.control.metric) ?? null;
    if (!metric) return { message: `Converge mode needs the "${op.control.metric}" operation, which is not available` };
  }
  const plan: RepeatPlan = { mode, count, epsilon: params.epsilon as number, maxIterations, body, output, metric, initialKey: inputKeys.get(REPEAT_PORTS.image)! };
  // The body's own hash: its keys with a placeholder for the carried image.
  const bodyHash = iterationKeys(plan, 'carried', proxy).output;
  return { plan, bodyHash };
}

/**
 * Which steps a switch leaves out: those that only feed the input it did not pick (skipped), and
 * those that only feed inputs of a switch whose condition is not known yet (they wait for it, and
 * are blocked with it if the condition cannot be computed). "Only" is judged from the graph's ends:
 * a step that also reaches a final step another way runs. A step waits on a switch that is itself
 * needed (the frontier), never on one that may be left out, so conditions are computed only for
 * switches that are needed, outermost first.
 */
function switchReach(
  graph: Graph,
  index: GraphIndex,
  steps: ReadonlyMap<string, StepKey>,
  decisions: ReadonlyMap<string, 'a' | 'b' | null>,
): { skipped: Set<string>; waitsOn: Map<string, string> } {
  const skipped = new Set<string>();
  const waitsOn = new Map<string, string>();
  // Steps some graph end needs, following only the inputs a switch uses (or surely will use).
  const live = new Set<string>();
  const stack = graph.nodes.filter((n) => (index.consumers.get(n.id)?.length ?? 0) === 0).map((n) => n.id);
  while (stack.length) {
    const id = stack.pop()!;
    if (live.has(id)) continue;
    live.add(id);
    const wired = index.inputs.get(id)!;
    const decision = decisions.get(id);
    for (const [port, ref] of wired) {
      if (decision === undefined || port === SWITCH_PORTS.condition || port === decision) stack.push(ref.node);
    }
  }
  // Needed steps below a switch that waits for its condition wait for it.
  for (const [id, s] of steps) if (live.has(id) && !s.ok && s.pending !== undefined) waitsOn.set(id, s.pending);
  if (decisions.size === 0) return { skipped, waitsOn };
  const decidable = (sw: string) => {
    const s = steps.get(sw);
    return !!s && !s.ok && s.pending === sw;
  };
  const frontier = [...decisions].filter(([sw, d]) => d === null && live.has(sw)).map(([sw]) => sw);
  frontier.sort((x, y) => Number(decidable(y)) - Number(decidable(x)));
  for (const sw of frontier) {
    const wired = index.inputs.get(sw)!;
    const from = [wired.get('a'), wired.get('b')].filter((r) => r !== undefined).map((r) => r.node);
    for (const n of ancestorsOf(index, from)) if (!live.has(n) && !waitsOn.has(n)) waitsOn.set(n, sw);
  }
  for (const [sw, decision] of decisions) {
    if (decision === null) continue;
    const other = index.inputs.get(sw)!.get(decision === 'a' ? 'b' : 'a');
    if (!other) continue;
    for (const n of ancestorsOf(index, [other.node])) if (!live.has(n) && !waitsOn.has(n)) skipped.add(n);
  }
  return { skipped, waitsOn };
}
