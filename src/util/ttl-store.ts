import type { TtlStore } from '../plugin-api/index.ts';

/**
 * An in-memory map whose entries expire; when full (default 10,000 entries) the oldest entry is
 * evicted, so memory stays bounded whatever clients send.
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
    if (entries.size >= max) entries.delete(entries.keys().next().value!);
    entries.set(key, { value, expires });
  };
  return {
    get: (key) => live(key)?.value,
    set: (key, value, ttlMs) => put(key, value, Date.now() + ttlMs),
    delete: (key) => entries.delete(key),
    incr(key, ttlMs) {
      const entry = live(key) as { value: unknown; expires: number } | undefined;
      const count = (typeof entry?.value === 'number' ? entry.value : 0) + 1;
      put(key, count as V, entry?.expires ?? Date.now() + ttlMs);
      return count;
    },
  };
}
