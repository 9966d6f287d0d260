/**
 * Expiring counters: the only state the sign-in throttle keeps. The interface is what a shared
 * store offers atomically (Redis INCRBY + PEXPIRE NX), so moving the throttle out of the process
 * means another implementation of this, nothing else.
 */

export interface Count {
  count: number;
  /** When the counter disappears, ms since the epoch (fixed when it was created). */
  expiresAt: number;
}

export interface CounterStore {
  /** The live counter under `key`, or undefined. */
  get(key: string): Promise<Count | undefined>;
  /**
   * Adds `by` (default 1) to the counter under `key` atomically and returns the result; an absent
   * counter is created to expire `ttlMs` from now. A negative `by` gives attempts back: it never
   * creates a counter nor takes one below zero.
   */
  increment(key: string, ttlMs: number, by?: number): Promise<Count>;
  delete(key: string): Promise<void>;
}

export interface MemoryCounterStoreOptions {
  /** Most counters kept; when full the oldest is forgotten. Default 100,000. */
  maxKeys?: number;
  /** Clock in ms. Default `Date.now`. */
  now?: () => number;
}

/** A `CounterStore` in this process's memory (each worker has its own). */
export function createMemoryCounterStore(options: MemoryCounterStoreOptions = {}): CounterStore {
  const maxKeys = options.maxKeys ?? 100_000;
  const now = options.now ?? Date.now;
  const counts = new Map<string, Count>();
  const live = (key: string) => {
    const c = counts.get(key);
    if (c && c.expiresAt <= now()) counts.delete(key);
    return c && c.expiresAt > now() ? c : undefined;
  };
  return {
    async get(key) {
      const c = live(key);
      return c && { ...c };
    },
    async increment(key, ttlMs, by = 1) {
      const c = live(key);
      if (c) {
        c.count = Math.max(0, c.count + by);
        return { ...c };
      }
      if (by <= 0) return { count: 0, expiresAt: now() };
      if (counts.size >= maxKeys) counts.delete(counts.keys().next().value as string);
      const created = { count: by, expiresAt: now() + ttlMs };
      counts.set(key, created);
      return { ...created };
    },
    async delete(key) {
      counts.delete(key);
    },
  };
}
