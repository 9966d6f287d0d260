import type { TtlCount, TtlStore } from '../plugin-api/index.ts';
import { makeRoom } from './make-room.ts';

/**
 * An in-memory map whose entries expire; when full the oldest entry is evicted, so memory stays
 * bounded whatever clients send.
 *
 * @param options.maxEntries entries kept at most (default 10,000)
 */
export function createTtlStore<V>(options: { maxEntries?: number } = {}): TtlStore<V> {
  const max = options.maxEntries ?? 10_000;
  const entries = new Map<string, { value: V; expires: number }>();
  const live = (key: string) => {
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= Date.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  const put = (key: string, value: V, expires: number) => {
    entries.delete(key);
    makeRoom(entries, max);
    entries.set(key, { value, expires });
  };
  return {
    get: (key) => live(key)?.value,
    set: (key, value, ttlMs) => put(key, value, Date.now() + ttlMs),
    delete: (key) => entries.delete(key),
    incr(key, ttlMs) {
      const entry = live(key) as { value: unknown; expires: number } | undefined;
      const count = (typeof entry?.value === 'number' ? entry.value : 0) + 1;
      const expiresAt = entry?.expires ?? Date.now() + ttlMs;
      put(key, count as V, expiresAt);
      return countResult(count, expiresAt);
    },
  };
}

/**
 * `{ count, expiresAt }` that also compares and adds like the bare count `incr` used to return,
 * so a plugin written against that (`incr(k, t) > limit`) keeps limiting instead of silently
 * comparing an object. Non-enumerable, so it prints and compares as the plain pair.
 */
function countResult(count: number, expiresAt: number): TtlCount {
  return Object.defineProperties(
    { count, expiresAt },
    { valueOf: { value: () => count }, toString: { value: () => String(count) } },
  );
}
