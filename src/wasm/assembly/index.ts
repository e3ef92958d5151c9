// Entry point of the kernels module: every exported function is a kernel entry called from
// src/wasm/index.ts. Memory is managed by the caller (no allocator, --runtime stub): JS lays out
// buffers above heapBase(), grows memory as needed and passes pointers.

export { iirSetup, iirPass1, iirPass2, firSetup, firRows } from './gaussian';
export { isOpaque, unsharpCombine } from './pointwise';

export function heapBase(): usize {
  return __heap_base;
}
