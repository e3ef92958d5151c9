// Placeholder until the WebAssembly kernels land: nothing to build yet.
