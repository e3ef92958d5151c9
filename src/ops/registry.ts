// Every operation, collected from the folders next to this file: adding a folder with an index.ts
// that default-exports a `defineOp(...)` is all it takes to register an operation.

import { registryOf, type OpRegistry } from '../engine/op';
import type { OpDef } from './types';

const modules = import.meta.glob<{ default: OpDef }>('./*/index.ts', { eager: true });

export const ops: readonly OpDef[] = Object.values(modules)
  .map((m) => m.default)
  .sort((a, b) => a.category.localeCompare(b.category) || a.title.localeCompare(b.title));

export const registry: OpRegistry = registryOf(ops);

const byId = new Map(ops.map((o) => [o.id, o]));

export function opDef(id: string): OpDef | undefined {
  return byId.get(id);
}
