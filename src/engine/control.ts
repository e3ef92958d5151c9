// Control-flow steps: Switch and Repeat. Their declarations (src/ops/switch, src/ops/repeat) carry
// `control` and these parameters; the engine — not a worker kernel — carries them out: keyGraph
// decides what a switch picks and which steps only fed the other input (skipped), and the
// scheduler evaluates a condition before the branch it selects and runs a repeat's body one
// iteration at a time. See README.md, "Control flow".

import type { NumberParam, ParamSpec, Params, SelectParam } from './op';

/** The parameters every Switch declares (its meta.ts spreads these, so they are declared once). */
export const SWITCH_PARAMS = {
  compare: {
    kind: 'select',
    label: 'Pick A when',
    description: 'Compares the condition (the number input, or Value when it is not connected) with the threshold.',
    default: 'gt',
    options: [
      { value: 'gt', label: 'condition > threshold' },
      { value: 'lt', label: 'condition < threshold' },
    ],
  } satisfies SelectParam,
  threshold: { kind: 'number', label: 'Threshold', default: 128, min: -1e6, max: 1e6, step: 0.1, softMin: 0, softMax: 255 } satisfies NumberParam,
  value: {
    kind: 'number',
    label: 'Value',
    description: 'The condition when the Condition input is not connected.',
    default: 0,
    min: -1e6,
    max: 1e6,
    step: 0.1,
    softMin: 0,
    softMax: 255,
  } satisfies NumberParam,
} as const satisfies Record<string, ParamSpec>;

/** The parameters every Repeat declares. */
export const REPEAT_PARAMS = {
  mode: {
    kind: 'select',
    label: 'Repeat',
    description: 'A fixed number of times, or until an iteration changes the image by less than ε (mean |Δ| per channel, 0–255).',
    default: 'count',
    options: [
      { value: 'count', label: 'N times' },
      { value: 'converge', label: 'Until converged' },
    ],
  } satisfies SelectParam,
  count: { kind: 'number', label: 'N', default: 3, min: 1, max: 1000, integer: true, softMax: 20 } satisfies NumberParam,
  epsilon: { kind: 'number', label: 'ε (mean |Δ|)', default: 0.5, min: 0, max: 255, step: 0.01, softMax: 5 } satisfies NumberParam,
  maxIterations: {
    kind: 'number',
    label: 'Max iterations',
    description: 'The step fails instead of running more iterations than this.',
    default: 20,
    min: 1,
    max: 1000,
    integer: true,
    softMax: 100,
  } satisfies NumberParam,
} as const satisfies Record<string, ParamSpec>;

/** Switch ports: the number the condition is read from (optional), and the two choices. */
export const SWITCH_PORTS = { condition: 'condition', a: 'a', b: 'b', out: 'out' } as const;
/** Repeat ports: the image carried into the first iteration, and the body's result. */
export const REPEAT_PORTS = { image: 'image', body: 'body', out: 'image' } as const;

/** Which input a switch picks for a condition value (resolved parameters). */
export function switchChoice(params: Params, value: number): 'a' | 'b' {
  const threshold = params.threshold as number;
  const pickA = params.compare === 'lt' ? value < threshold : value > threshold;
  return pickA ? 'a' : 'b';
}

/**
 * A warning when the condition lies within 1 % of the threshold (an absolute 0.01 when the
 * threshold is 0): a small change upstream could flip the choice.
 */
export function switchWarning(params: Params, value: number): string | undefined {
  const threshold = params.threshold as number;
  const margin = threshold === 0 ? 0.01 : Math.abs(threshold) * 0.01;
  if (Math.abs(value - threshold) > margin) return undefined;
  return `The condition (${round(value)}) is within 1 % of the threshold (${round(threshold)}): a small change upstream could pick the other input`;
}

function round(v: number): string {
  return String(Math.round(v * 1000) / 1000);
}
