/**
 * What the three state backends share: argument checks, the counter reading, a bounded wait, and
 * the per-process table of pub/sub listeners.
 */
import type { Logger } from '../plugin-api/index.ts';

/** Per-call time limit of the remote backends, and SQLite's `busy_timeout`, unless told otherwise. */
export const DEFAULT_CALL_TIMEOUT_MS = 1000;

/** `ttlMs` as whole milliseconds (rounded up); a RangeError unless it is a positive, finite number. */
export function checkTtl(ttlMs: number): number {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`state: ttlMs must be a positive number of milliseconds, got ${String(ttlMs)}`);
  }
  const whole = Math.ceil(ttlMs);
  if (!Number.isSafeInteger(Date.now() + whole)) throw new RangeError(`state: ttlMs ${ttlMs} is too large`);
  return whole;
}

/** `by` for increment: a safe integer (default 1). */
export function checkBy(by: number | undefined): number {
  const value = by ?? 1;
  if (!Number.isSafeInteger(value)) throw new RangeError(`state: increment by must be a safe integer, got ${String(by)}`);
  return value;
}

/** `limit` for list: a non-negative integer. */
export function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`state: list limit must be a non-negative integer, got ${String(limit)}`);
  return limit;
}

/** A stored counter; a TypeError when `value` is not a decimal integer. */
export function parseCounter(key: string, value: string): number {
  const n = /^-?\d{1,16}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new TypeError(`state: key "${key}" does not hold a counter`);
  return n;
}

/** The count after adding `by` (never below 0 when `by` is negative). */
export function addClamped(current: number, by: number): number {
  const next = current + by;
  return by < 0 && next < 0 ? 0 : next;
}

/**
 * `promise`, or `timeout()`'s error when it has not settled within `ms`. The abandoned promise's
 * later rejection is swallowed (it would otherwise be an unhandled rejection).
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, timeout: () => Error): Promise<T> {
  if (ms <= 0) {
    promise.catch(() => {});
    return Promise.reject(timeout());
  }
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      promise.catch(() => {});
      reject(timeout());
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

type Listener = (message: string) => void;
interface Subscription {
  listener: Listener;
  /** Only messages numbered above this reach it (the SQLite event id seen at subscribe time). */
  since: number;
}

/** This process's subscribers, by channel. */
export class Listeners {
  private readonly byChannel = new Map<string, Set<Subscription>>();
  constructor(private readonly log: Logger) {}

  /**
   * Adds `listener` (the same function added twice is two subscriptions); `first` is true when it
   * is the channel's first. It receives only messages delivered with an id above `since`.
   */
  add(channel: string, listener: Listener, since = 0): { first: boolean; remove: () => { last: boolean } } {
    let set = this.byChannel.get(channel);
    const first = !set;
    if (!set) this.byChannel.set(channel, (set = new Set()));
    const entry: Subscription = { listener, since };
    set.add(entry);
    let removed = false;
    return {
      first,
      remove: () => {
        if (removed) return { last: false };
        removed = true;
        const current = this.byChannel.get(channel);
        if (!current?.delete(entry)) return { last: false };
        if (current.size > 0) return { last: false };
        this.byChannel.delete(channel);
        return { last: true };
      },
    };
  }

  has(channel: string): boolean {
    return this.byChannel.has(channel);
  }

  channels(): string[] {
    return [...this.byChannel.keys()];
  }

  get size(): number {
    return this.byChannel.size;
  }

  /**
   * Calls every listener of `channel` that subscribed before message `id`; one that throws is
   * logged and the others still run.
   */
  deliver(channel: string, message: string, id = Number.POSITIVE_INFINITY): void {
    const set = this.byChannel.get(channel);
    if (!set) return;
    for (const entry of [...set]) {
      if (entry.since >= id) continue;
      try {
        entry.listener(message);
      } catch (error) {
        this.log.warn('state subscriber failed', { channel, error: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  clear(): void {
    this.byChannel.clear();
  }
}
