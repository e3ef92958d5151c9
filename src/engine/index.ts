// The engine's public surface. Framework-free: runs in browsers, workers and Node alike.
export * from './op';
export * from './params';
export * from './graph';
export * from './keys';
export * from './hash';
export * from './types';
export * from './scheduler';
export * from './queue';
export * from './live';
export * from './memory-store';
export * from './document';
export * from './history';
export * from './wire-edits';
export * from './subgraph';
export * from './live-sources';
