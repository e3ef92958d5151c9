// Every operation's declaration, collected from the folders next to this file: adding a folder
// with a meta.ts that default-exports a `declareOp(...)` and a kernel.ts that default-exports a
// `defineOp(meta, kernel)` is all it takes to register an operation.
//
// Only declarations are loaded here, so the main thread (palette, parameter panel, keys, proxies)
// never bundles kernel code or the WebAssembly module. Workers get the kernels from kernels.ts.

import { registryOf, type OpDecl, type OpRegistry } from '../engine/op';

const modules = import.meta.glob<{ default: OpDecl }>('./*/meta.ts', { eager: true });

export const ops: readonly OpDecl[] = Object.values(modules)
  .map((m) => m.default)
  .sort((a, b) => a.category.localeCompare(b.category) || a.title.localeCompare(b.title));

export const registry: OpRegistry = registryOf(ops);
