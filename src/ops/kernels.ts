// Every operation with its kernel, for the step workers (and tests): the kernel.ts files next to
// this one, each paired by id with its declaration from registry.ts. A declaration without a kernel,
// a kernel without a declaration, or a kernel made from some other object than its operation's
// meta.ts fails here, when a worker starts, rather than when a step first runs.
//
// Never import this from the main thread: it bundles every kernel and the WebAssembly module.

import type { OpDecl } from '../engine/op';
import { ops as decls } from './registry';
import type { OpDef } from './types';

const modules = import.meta.glob<{ default: OpDef }>('./*/kernel.ts', { eager: true });

/**
 * Each declaration with its kernel, in the declarations' order (control steps have none and are left
 * out); throws when one has no kernel, a
 * kernel has no declaration, or a kernel was not made from its declaration. `modules` by path.
 */
export function pairKernels(decls: readonly OpDecl[], modules: Readonly<Record<string, { default: OpDef }>>): readonly OpDef[] {
  const byId = new Map<string, OpDef>();
  for (const [path, m] of Object.entries(modules)) {
    const def = m.default;
    if (!def || typeof def.kernel !== 'function') throw new Error(`${path} does not default-export defineOp(meta, kernel)`);
    if (byId.has(def.id)) throw new Error(`Operation "${def.id}" has two kernels (${path})`);
    byId.set(def.id, def);
  }
  const out: OpDef[] = [];
  for (const decl of decls) {
    // Control steps (switch, repeat) are carried out by the scheduler, never by a kernel.
    if (decl.control) continue;
    const def = byId.get(decl.id);
    if (!def) throw new Error(`Operation "${decl.id}" is declared but has no kernel (expected ./${decl.id}/kernel.ts)`);
    // the kernel must carry the very declaration the main thread uses (defineOp(meta, …) copies it)
    for (const key of Object.keys(decl) as (keyof typeof decl)[]) {
      if (def[key] !== decl[key]) throw new Error(`The kernel of "${decl.id}" was not defined with its meta.ts (its "${key}" differs)`);
    }
    byId.delete(decl.id);
    out.push(def);
  }
  if (byId.size) throw new Error(`Kernels without a declaration (meta.ts): ${[...byId.keys()].join(', ')}`);
  return out;
}

/** Every operation with its kernel, in the registry's order. */
export const ops: readonly OpDef[] = pairKernels(decls, modules);

const byId = new Map(ops.map((o) => [o.id, o]));

export function opDef(id: string): OpDef | undefined {
  return byId.get(id);
}
