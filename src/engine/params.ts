// Parameter resolution: fill defaults, clamp numbers into their declared range, refuse values of
// the wrong type. Resolution is what makes `{}` and `{radius: <default>}` the same step, and is
// the input to the canonical encoding used by content keys.

import type { OpDecl, ParamSpec, ParamValue, Params } from './op';

export class ParamError extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message);
    this.name = 'ParamError';
  }
}

const HEX_COLOR = /^#(?:[0-9a-f]{6}|[0-9a-f]{8})$/;

/** Clamp/round a number to its declaration. NaN is refused by the caller. */
function fitNumber(spec: { min: number; max: number; integer?: boolean }, v: number): number {
  let x = Math.min(spec.max, Math.max(spec.min, v));
  if (spec.integer) x = Math.round(x);
  // -0 and 0 must encode identically
  return x === 0 ? 0 : x;
}

/**
 * Resolve one parameter value against its spec. Returns the value to use, or throws ParamError
 * with a message naming the parameter and what was wrong.
 */
export function resolveParam(name: string, spec: ParamSpec, value: unknown): ParamValue {
  if (value === undefined) return spec.default;
  switch (spec.kind) {
    case 'number':
      if (typeof value !== 'number' || Number.isNaN(value)) {
        throw new ParamError(name, `"${spec.label}" must be a number`);
      }
      return fitNumber(spec, value);
    case 'select':
      if (typeof value !== 'string' || !spec.options.some((o) => o.value === value)) {
        const allowed = spec.options.map((o) => o.value).join(', ');
        throw new ParamError(name, `"${spec.label}" must be one of: ${allowed}`);
      }
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw new ParamError(name, `"${spec.label}" must be true or false`);
      return value;
    case 'color': {
      if (typeof value !== 'string') throw new ParamError(name, `"${spec.label}" must be a colour like #ff8800`);
      const c = value.toLowerCase();
      if (!HEX_COLOR.test(c)) throw new ParamError(name, `"${spec.label}" must be a colour like #ff8800`);
      return c;
    }
    case 'matrix': {
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        throw new ParamError(name, `"${spec.label}" must be a list of numbers`);
      }
      const n = Math.round(Math.sqrt(value.length));
      if (n * n !== value.length || !spec.sizes.includes(n)) {
        throw new ParamError(name, `"${spec.label}" must be a square matrix of size ${spec.sizes.join(', ')}`);
      }
      return Object.freeze(value.map((v: number) => fitNumber(spec, v)));
    }
    case 'string':
      if (typeof value !== 'string') throw new ParamError(name, `"${spec.label}" must be text`);
      if (value.length > spec.maxLength) {
        throw new ParamError(name, `"${spec.label}" is longer than ${spec.maxLength} characters`);
      }
      if (spec.pattern && !spec.pattern.test(value)) throw new ParamError(name, `"${spec.label}" is not valid`);
      return value;
  }
}

/**
 * Resolve a step's parameters: every declared parameter gets a valid value; unknown names are
 * refused (a typo in an imported file should not silently do nothing).
 */
export function resolveParams(decl: OpDecl, params: Params | undefined): Params {
  const out: Record<string, ParamValue> = {};
  if (params) {
    for (const name of Object.keys(params)) {
      if (!Object.hasOwn(decl.params, name)) {
        throw new ParamError(name, `${decl.title} has no parameter "${name}"`);
      }
    }
  }
  for (const [name, spec] of Object.entries(decl.params)) {
    out[name] = resolveParam(name, spec, params?.[name]);
  }
  return out;
}

/** The default parameters of an operation. */
export function defaultParams(decl: OpDecl): Params {
  return resolveParams(decl, undefined);
}

/**
 * A canonical, order-independent text encoding of resolved parameters: keys sorted, numbers in
 * shortest round-trip form. Equal parameter sets always encode to the same text.
 */
export function canonicalParams(params: Params): string {
  const keys = Object.keys(params).sort();
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + encodeValue(params[k] as ParamValue)).join(',') + '}';
}

function encodeValue(v: ParamValue): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '0' : Number.isFinite(v) ? String(v) : JSON.stringify(String(v));
  if (typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v);
  return '[' + v.map((x) => encodeValue(x)).join(',') + ']';
}
