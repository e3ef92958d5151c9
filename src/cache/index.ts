// The cache's public surface: the tiered result store and the graph autosave.
export {
  TieredCache,
  DEFAULT_IDB_BUDGET,
  DEFAULT_MEMORY_BUDGET,
  type Budgets,
  type CacheMode,
  type CacheNotice,
  type CacheStats,
  type IdbTierStats,
  type TierStats,
  type TieredCacheOptions,
} from './tiered-cache';
export {
  IdbGraphStore,
  createAutosaver,
  openGraphStore,
  restoreSaved,
  type Autosaver,
  type AutosaverOptions,
  type GraphStore,
  type GraphStoreOptions,
  type KeptAside,
  type RecoverableGraphStore,
  type Restored,
} from './graph-store';
export { DB_NAME, StorageUnavailableError } from './db';
export { checksum, valueChecksum, Xxh32 } from './checksum';
export type { ThumbnailCodec } from './thumbnail';
