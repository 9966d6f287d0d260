/**
 * Verifiers for external token issuers (used by `header-jwt`), built once at config load.
 * Key sources: a JWKS URL (see `remote-jwks.ts`: fetched at load, refetched for an unknown `kid`
 * at most every 30 s, 3 s fetch timeout, never hangs a request), a PEM public key, or a shared
 * secret (HS* only). A token the key set could not judge because the JWKS was unreachable gets a
 * `retryable` verdict.
 */
import { createPublicKey } from 'node:crypto';
import { jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { ExternalIssuer, TokenVerdict } from '../../plugin-api/index.ts';
import { isLoopbackHost } from '../../http/loopback.ts';
import type { CachedVerification, TokenCache } from './token-cache.ts';
import { JwksUnavailableError, remoteJwks } from './remote-jwks.ts';
import { tokenShapeProblem } from './token-shape.ts';

const HMAC = /^HS(256|384|512)$/;

/**
 * Returns `(token) => verdict`: the claims, or why the token was refused (bad shape, signature,
 * `iss`, `aud`, `exp` (required), `nbf`, or an `iat` later than now plus the skew), `retryable`
 * when the issuer's keys could not be fetched. Throws at build time for contradictory options
 * (no key source, HMAC algorithms with a public key, asymmetric ones with a secret, `none`).
 */
export function externalVerifier(options: ExternalIssuer, cache: TokenCache<CachedVerification>): (token: string) => Promise<TokenVerdict> {
  const algorithms = [...options.algorithms];
  if (algorithms.length === 0) throw new Error(`issuer ${options.issuer}: list the accepted algorithms`);
  if (algorithms.some((a) => a.toLowerCase() === 'none')) throw new Error(`issuer ${options.issuer}: algorithm "none" is never accepted`);
  const sources = [options.jwks_url, options.public_key_pem, options.secret].filter((s) => s !== undefined);
  if (sources.length !== 1) throw new Error(`issuer ${options.issuer}: give exactly one of jwks_url, public_key, secret`);
  const symmetric = options.secret !== undefined;
  if (algorithms.some((a) => HMAC.test(a) !== symmetric)) {
    throw new Error(`issuer ${options.issuer}: ${symmetric ? 'a secret only works with HS256/384/512' : 'HS* algorithms need a secret, not a public key'}`);
  }
  let key: JWTVerifyGetKey | CryptoKey | Uint8Array | ReturnType<typeof createPublicKey>;
  if (options.jwks_url) {
    const url = new URL(options.jwks_url);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`issuer ${options.issuer}: jwks_url must be http(s)`);
    const remote = remoteJwks(url.href, { timeoutMs: options.jwksTimeoutMs, cooldownMs: options.jwksCooldownMs });
    remote.prefetch();
    key = remote.getKey as JWTVerifyGetKey;
  } else if (options.public_key_pem) {
    key = createPublicKey(options.public_key_pem);
  } else {
    key = new TextEncoder().encode(options.secret);
  }
  const scope = `ext\0${options.issuer}\0${[options.audience].flat().join(' ')}\0${algorithms.join(' ')}`;
  return async (token) => {
    const hit = cache.get(scope, token);
    if (hit && 'claims' in hit) return { ok: true, claims: hit.claims };
    const problem = tokenShapeProblem(token);
    if (problem) return { ok: false, reason: problem, retryable: false };
    let payload;
    try {
      ({ payload } = await jwtVerify(token, key as JWTVerifyGetKey, {
        algorithms,
        issuer: options.issuer,
        audience: options.audience,
        requiredClaims: ['exp'],
        clockTolerance: options.clockSkewSeconds,
      }));
    } catch (error) {
      return { ok: false, reason: (error as Error).message, retryable: error instanceof JwksUnavailableError };
    }
    // jose checks `iat` only with maxTokenAge; a token "issued" later than now is forged or
    // from a broken clock, and either way not to be trusted (nor cached until its `exp`).
    if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + options.clockSkewSeconds) {
      return { ok: false, reason: 'token issued in the future (iat beyond the clock skew)', retryable: false };
    }
    const claims = Object.freeze({ ...payload }) as Record<string, unknown>;
    cache.set(scope, token, { claims }, payload.exp!);
    return { ok: true, claims };
  };
}

/**
 * The load-time warning for an issuer whose keys would be fetched over plain http from a host
 * that is not this machine (anyone on the path could swap them), or null.
 */
export function jwksTransportWarning(options: Pick<ExternalIssuer, 'issuer' | 'jwks_url'>): string | null {
  if (options.jwks_url === undefined || !URL.canParse(options.jwks_url)) return null;
  const url = new URL(options.jwks_url);
  if (url.protocol !== 'http:' || isLoopbackHost(url.hostname)) return null;
  return `issuer ${options.issuer} fetches its keys over plain http (${options.jwks_url}); anyone on the path can swap them`;
}
