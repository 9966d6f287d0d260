/** The shared-state layer: one interface, three backends (see store.ts). */
export { isStateUnavailable, StateUnavailableError, type StateStore } from './store.ts';
export { openStateStore, parseStateSpec, type OpenStateStoreOptions, type StateSpec } from './open-store.ts';
export { createMemoryStore, type MemoryStoreOptions } from './memory-store.ts';
export { createSqliteStore, type SqliteStoreOptions } from './sqlite-store.ts';
export { createRedisStore, redactRedisUrl, type RedisStoreOptions } from './redis-store.ts';
