/**
 * The verified-token cache every auth path shares: a token string that passed a signature
 * check maps to what the check produced, until the token's `exp`. Lookups are by the exact
 * string (plus a scope naming the verifier), so a token that differs in any byte misses and is
 * verified in full; nothing is cached for tokens that failed.
 */
import type { Identity } from '../../plugin-api/index.ts';

/**
 * What the shared cache holds: an identity and its audiences for Gatehouse's own tokens
 * (`verifyOwn`), the claims for an external issuer's. The cache's scope keeps the kinds apart.
 */
export type CachedVerification = { identity: Identity; audiences: readonly string[] } | { claims: Record<string, unknown> };

export interface TokenCacheOptions {
  /** Most entries kept; the least recently used goes first. Default 10,000. */
  maxEntries?: number;
  /** Clock in milliseconds, for tests. Default `Date.now`. */
  now?: () => number;
}

interface Entry<V> {
  value: V;
  expiresAtMs: number;
}

export class TokenCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #max: number;
  readonly #now: () => number;

  constructor(options: TokenCacheOptions = {}) {
    this.#max = Math.max(1, options.maxEntries ?? 10_000);
    this.#now = options.now ?? Date.now;
  }

  /** The value cached for `token` under `scope`, or undefined when absent or expired. */
  get(scope: string, token: string): V | undefined {
    const key = scope + '\0' + token;
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (this.#now() >= entry.expiresAtMs) return undefined;
    // Re-inserting moves the entry to the young end of the Map's insertion order (LRU).
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Caches `value` for `token` until `expSeconds` (the token's `exp`, seconds since the epoch). */
  set(scope: string, token: string, value: V, expSeconds: number): void {
    const expiresAtMs = expSeconds * 1000;
    if (!Number.isFinite(expiresAtMs) || expiresAtMs <= this.#now()) return;
    const key = scope + '\0' + token;
    this.#entries.delete(key);
    while (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
    this.#entries.set(key, { value, expiresAtMs });
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }
}
