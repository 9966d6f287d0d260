/**
 * A remote JWKS for `header-jwt` external issuers, built once at config load.
 *
 * - Keys are fetched once in the background at load, then kept; a token whose `kid` is not in the
 *   set triggers one refetch, at most once per `cooldownMs` (default 30 s), so a flood of made-up
 *   `kid`s costs the issuer one request per cooldown.
 * - Every fetch gives up after `timeoutMs` (default 3 s). Concurrent requests share one fetch.
 * - Unreachable key set: requests never hang. At most the requests that arrive during one fetch
 *   wait (up to the timeout); while no key set was ever fetched, or the cooldown blocks a refetch,
 *   the answer is immediate. After a failed fetch the next one may come after 5 s (or the
 *   cooldown, when shorter). When the token cannot be judged because the keys could not be
 *   fetched, `getKey` throws a `JwksUnavailableError` (the verifier's verdict is `retryable`).
 */
import { importJWK, type JWK, type JWSHeaderParameters } from 'jose';

/** The issuer's keys could not be fetched, so a token could not be judged either way. */
export class JwksUnavailableError extends Error {
  override readonly name = 'JwksUnavailableError';
}

export interface RemoteJwksOptions {
  timeoutMs?: number;
  cooldownMs?: number;
  /** Most bytes of a JWKS document accepted. Default 256 KiB. */
  maxBytes?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

type Key = Awaited<ReturnType<typeof importJWK>>;

export function remoteJwks(url: string, options: RemoteJwksOptions = {}) {
  const timeoutMs = options.timeoutMs ?? 3000;
  const cooldownMs = options.cooldownMs ?? 30_000;
  const maxBytes = options.maxBytes ?? 256 * 1024;
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  let jwks: JWK[] | undefined;
  let lastAttempt = -Infinity;
  let pending: Promise<void> | undefined;
  let lastError = '';
  let lastFailed = false;
  // After a failed fetch, try again sooner than the cooldown: the issuer may be back.
  const retryMs = Math.min(cooldownMs, 5000);
  const imported = new Map<string, Promise<Key>>();

  async function load(): Promise<void> {
    lastAttempt = now();
    try {
      const response = await doFetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' }, redirect: 'error' });
      if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
      const text = await response.text();
      if (text.length > maxBytes) throw new Error('JWKS document too large');
      const body = JSON.parse(text) as { keys?: unknown };
      if (!Array.isArray(body.keys)) throw new Error('JWKS document has no "keys" list');
      jwks = body.keys.filter((k): k is JWK => typeof k === 'object' && k !== null && typeof (k as JWK).kty === 'string');
      imported.clear();
      lastError = '';
      lastFailed = false;
    } catch (error) {
      lastFailed = true;
      lastError = (error as Error).name === 'TimeoutError' ? `JWKS fetch timed out after ${timeoutMs} ms` : (error as Error).message;
      throw new JwksUnavailableError(`issuer keys unavailable: ${lastError}`);
    }
  }

  function refresh(): Promise<void> {
    pending ??= load().finally(() => {
      pending = undefined;
    });
    return pending;
  }

  function candidates(header: JWSHeaderParameters): JWK[] {
    return (jwks ?? []).filter(
      (k) =>
        (header.kid === undefined || k.kid === header.kid) &&
        (k.use === undefined || k.use === 'sig') &&
        (k.alg === undefined || k.alg === header.alg) &&
        (k.key_ops === undefined || k.key_ops.includes('verify')),
    );
  }

  async function getKey(header: JWSHeaderParameters): Promise<Key> {
    let found = candidates(header);
    if (found.length === 0) {
      if (pending) await pending.catch(() => {});
      else if (now() - lastAttempt >= (lastFailed ? retryMs : cooldownMs)) await refresh().catch(() => {});
      found = candidates(header);
      if (found.length === 0) {
        if (jwks === undefined) throw new JwksUnavailableError(`issuer keys unavailable${lastError ? `: ${lastError}` : ''}`);
        throw new Error(header.kid === undefined ? 'no key in the issuer JWKS matches the token' : `unknown kid ${JSON.stringify(header.kid).slice(0, 80)}`);
      }
    }
    if (found.length > 1) throw new Error('several keys match the token; the token must name its kid');
    const jwk = found[0]!;
    const cacheKey = `${jwk.kid ?? ''}\0${header.alg}\0${jwk.x ?? jwk.n ?? ''}`;
    let key = imported.get(cacheKey);
    if (!key) {
      key = importJWK({ ...jwk, ext: true }, header.alg);
      imported.set(cacheKey, key);
    }
    try {
      return await key;
    } catch {
      imported.delete(cacheKey);
      throw new Error('the issuer key does not fit the token algorithm');
    }
  }

  return {
    getKey,
    /** Starts the first fetch without waiting for it (load-time warm-up). */
    prefetch() {
      refresh().catch(() => {});
    },
  };
}
