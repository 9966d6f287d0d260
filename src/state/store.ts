/**
 * The shared-state interface: what every Gatehouse process of one deployment (one process, N
 * workers on one machine, N machines) must agree on — one-time codes, counters, sessions, and a
 * change feed. Three backends implement it: `memory` (one process), `sqlite:PATH` (the workers of
 * one machine), `redis://` / `rediss://` (several machines). `open-store.ts` picks one from a spec.
 *
 * Keys and values are strings (callers JSON-encode). Every method is async and bounded in time:
 * a backend that cannot answer within its call timeout (default 1 s for Redis; SQLite's
 * `busy_timeout`) rejects with {@link StateUnavailableError}, which callers turn into a 503.
 * Misuse (a negative TTL, incrementing a key that holds no counter) rejects with a plain
 * `RangeError` / `TypeError` instead: that is a bug, not an outage.
 */
export interface StateStore {
  readonly kind: 'memory' | 'sqlite' | 'redis';
  /** The live value of `key`; undefined when absent or expired. */
  get(key: string): Promise<string | undefined>;
  /** Sets `key` to `value`, replacing any value, expiring `ttlMs` from now. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** One-time use: sets only when absent (or expired); true when this call set it. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /**
   * Atomic add (default 1); an absent/expired key starts at `by` and expires ttlMs from now; a
   * negative `by` never creates a key nor goes below 0. Returns the count and when the window
   * ends (ms epoch). Adding to a live key keeps its expiry. When a negative `by` meets no key the
   * count is 0 and `expiresAt` is now. `by` must be a safe integer; a key holding something other
   * than a decimal integer rejects with a `TypeError`.
   */
  increment(key: string, ttlMs: number, by?: number): Promise<{ count: number; expiresAt: number }>;
  /** Removes `key` (no error when absent). */
  delete(key: string): Promise<void>;
  /**
   * Live entries whose key starts with `prefix`, at most `limit` (for `sessions list`). The order
   * is unspecified; the work is bounded (see each backend).
   */
  list(prefix: string, limit: number): Promise<{ key: string; value: string }[]>;
  /**
   * A change feed: delivered to every subscriber in every process/machine sharing the store
   * (this process included), within ~1 s. Best effort, at most once: a subscriber that is cut
   * off (Redis down, SQLite events pruned) misses what was published meanwhile, so use it for
   * "go and re-read" hints, never as the only copy of a fact.
   */
  publish(channel: string, message: string): Promise<void>;
  /**
   * Calls `listener` with every message published on `channel` from now on; returns the
   * function that stops it. A listener that throws is logged and does not stop the others.
   */
  subscribe(channel: string, listener: (message: string) => void): () => void;
  /** For /readyz: true when the backend answers now. Never rejects. */
  ping(): Promise<boolean>;
  /** Stops timers and connections; later calls reject with StateUnavailableError. */
  close(): Promise<void>;
}

/**
 * The store could not answer in time (timeout, connection down, database locked or failing, or
 * the store was closed). Callers answer 503; the request may be retried later.
 */
export class StateUnavailableError extends Error {
  override readonly name = 'StateUnavailableError';
  readonly backend: StateStore['kind'];
  constructor(backend: StateStore['kind'], message: string, options?: { cause?: unknown }) {
    super(`state store (${backend}) unavailable: ${message}`, options);
    this.backend = backend;
  }
}

/** True for a {@link StateUnavailableError} (also across module copies). */
export function isStateUnavailable(error: unknown): error is StateUnavailableError {
  return error instanceof StateUnavailableError || (error instanceof Error && error.name === 'StateUnavailableError');
}
