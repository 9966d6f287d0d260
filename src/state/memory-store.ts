/**
 * The `memory` state backend: one process only (a restart forgets everything; workers and
 * machines do not share it). Bounded: at most `maxEntries` entries, the oldest written evicted
 * first; expired entries are never returned and are swept periodically.
 */
import type { Logger } from '../plugin-api/index.ts';
import { silentLogger } from '../log/logger.ts';
import { StateUnavailableError, type StateStore } from './store.ts';
import { addClamped, checkBy, checkLimit, checkTtl, Listeners, parseCounter } from './shared.ts';
import { makeRoom } from '../util/make-room.ts';

export interface MemoryStoreOptions {
  /** Most entries kept; writing one more evicts the oldest written. Default 100,000. */
  maxEntries?: number;
  /** How often expired entries are swept (each sweep visits at most `maxEntries`). Default 30 s. */
  sweepIntervalMs?: number;
  /** Where a failing subscriber is reported. Default: nowhere. */
  log?: Logger;
  /** Clock in ms (tests). Default `Date.now`. */
  now?: () => number;
}

interface Entry {
  value: string;
  expiresAt: number;
}

/**
 * A state store in this process's memory.
 *
 * @param options.maxEntries most entries kept (default 100,000; oldest written evicted)
 * @param options.sweepIntervalMs how often expired entries are dropped (default 30,000 ms)
 * @param options.log logger for failing subscribers (default silent)
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): StateStore {
  const max = options.maxEntries ?? 100_000;
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`memory store: maxEntries must be a positive integer, got ${max}`);
  const log = options.log ?? silentLogger;
  const clock = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const listeners = new Listeners(log);
  let sequence = 0;
  let closed = false;

  const open = () => {
    if (closed) throw new StateUnavailableError('memory', 'the store is closed');
  };
  const live = (key: string, now: number): Entry | undefined => {
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  /** Writes `key` as the newest entry, evicting the oldest when full. */
  const put = (key: string, entry: Entry) => {
    entries.delete(key);
    makeRoom(entries, max);
    entries.set(key, entry);
  };
  const sweep = () => {
    const now = clock();
    for (const [key, entry] of entries) if (entry.expiresAt <= now) entries.delete(key);
  };
  const sweeper = setInterval(sweep, options.sweepIntervalMs ?? 30_000);
  sweeper.unref?.();

  return {
    kind: 'memory',
    async get(key) {
      open();
      return live(key, clock())?.value;
    },
    async set(key, value, ttlMs) {
      const ttl = checkTtl(ttlMs);
      open();
      put(key, { value, expiresAt: clock() + ttl });
    },
    async setIfAbsent(key, value, ttlMs) {
      const ttl = checkTtl(ttlMs);
      open();
      const now = clock();
      if (live(key, now)) return false;
      put(key, { value, expiresAt: now + ttl });
      return true;
    },
    async increment(key, ttlMs, by) {
      const ttl = checkTtl(ttlMs);
      const step = checkBy(by);
      open();
      const now = clock();
      const entry = live(key, now);
      if (entry) {
        const count = addClamped(parseCounter(key, entry.value), step);
        entry.value = String(count);
        return { count, expiresAt: entry.expiresAt };
      }
      if (step < 0) return { count: 0, expiresAt: now };
      const expiresAt = now + ttl;
      put(key, { value: String(step), expiresAt });
      return { count: step, expiresAt };
    },
    async delete(key) {
      open();
      entries.delete(key);
    },
    async list(prefix, limit) {
      const most = checkLimit(limit);
      open();
      const now = clock();
      const out: { key: string; value: string }[] = [];
      if (most === 0) return out;
      for (const [key, entry] of entries) {
        if (entry.expiresAt <= now || !key.startsWith(prefix)) continue;
        out.push({ key, value: entry.value });
        if (out.length >= most) break;
      }
      return out;
    },
    async publish(channel, message) {
      open();
      const id = ++sequence;
      // Asynchronous like the shared backends: a publisher never runs its subscribers inline.
      setTimeout(() => {
        if (!closed) listeners.deliver(channel, message, id);
      }, 0);
    },
    subscribe(channel, listener) {
      if (closed) return () => {};
      const { remove } = listeners.add(channel, listener, sequence);
      return () => void remove();
    },
    async ping() {
      return !closed;
    },
    async close() {
      closed = true;
      clearInterval(sweeper);
      entries.clear();
      listeners.clear();
    },
  };
}
