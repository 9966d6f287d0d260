/**
 * The verified-token cache every auth path shares: a token string that passed a signature
 * check maps to what the check produced, until the token's `exp`. Lookups are by the exact
 * string (plus a scope naming the verifier), so a token that differs in any byte misses and is
 * verified in full; nothing is cached for tokens that failed.
 */
import type { Identity } from '../../plugin-api/index.ts';
import { makeRoom } from '../../util/make-room.ts';

/**
 * What the shared cache holds: an identity and its audiences for Gatehouse's own tokens
 * (`verifyOwn`), the claims for an external issuer's. The cache's scope keeps the kinds apart.
 */
export type CachedVerification = { identity: Identity; audiences: readonly string[] } | { claims: Record<string, unknown> };

export interface TokenCacheOptions {
  /**
   * Most entries kept; the least recently used goes first (an entry used within the last quarter
   * of the cache's writes counts as just used). Default 10,000.
   */
  maxEntries?: number;
  /** Clock in milliseconds, for tests. Default `Date.now`. */
  now?: () => number;
}

interface Entry<V> {
  value: V;
  expiresAtMs: number;
  /** `#writes` when the entry was last put at the young end. */
  placed: number;
}

export class TokenCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #max: number;
  readonly #now: () => number;
  /** Entries put at the young end so far (inserted or moved). */
  #writes = 0;
  /** How many writes an entry may age before a hit moves it to the young end again. */
  readonly #moveAfter: number;

  constructor(options: TokenCacheOptions = {}) {
    this.#max = Math.max(1, options.maxEntries ?? 10_000);
    this.#now = options.now ?? Date.now;
    this.#moveAfter = Math.floor(this.#max / 4);
  }

  /** The value cached for `token` under `scope`, or undefined when absent or expired. */
  get(scope: string, token: string): V | undefined {
    const key = scope + '\0' + token;
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (this.#now() >= entry.expiresAtMs) {
      this.#entries.delete(key);
      return undefined;
    }
    // Re-inserting moves the entry to the young end of the Map's insertion order (LRU). A hit
    // on an entry still in the youngest quarter skips it: deleting and re-inserting one key
    // costs time proportional to the Map's size in Bun, so a busy token in a full cache paid
    // ~30 µs per request. Such an entry is 3/4 of the cache's writes away from eviction.
    if (this.#writes - entry.placed > this.#moveAfter) {
      this.#entries.delete(key);
      entry.placed = ++this.#writes;
      this.#entries.set(key, entry);
    }
    return entry.value;
  }

  /** Caches `value` for `token` until `expSeconds` (the token's `exp`, seconds since the epoch). */
  set(scope: string, token: string, value: V, expSeconds: number): void {
    const expiresAtMs = expSeconds * 1000;
    if (!Number.isFinite(expiresAtMs) || expiresAtMs <= this.#now()) return;
    const key = scope + '\0' + token;
    this.#entries.delete(key);
    makeRoom(this.#entries, this.#max);
    this.#entries.set(key, { value, expiresAtMs, placed: ++this.#writes });
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }
}
