/**
 * Verifiers for external token issuers (used by `header-jwt`), built once at config load.
 * Key sources: a JWKS URL (see `remote-jwks.ts`: fetched at load, refetched for an unknown `kid`
 * at most every 30 s, 3 s fetch timeout, never hangs a request), a PEM public key, or a shared
 * secret (HS* only). A token the key set could not judge because the JWKS was unreachable throws
 * an Error with `code = 'ERR_JWKS_UNAVAILABLE'`.
 */
import { createPublicKey } from 'node:crypto';
import { jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { ExternalIssuer } from '../../plugin-api/index.ts';
import type { CachedVerification } from './jwt-services.ts';
import type { TokenCache } from './token-cache.ts';
import { MAX_TOKEN_LENGTH } from './own-tokens.ts';
import { remoteJwks } from './remote-jwks.ts';

const HMAC = /^HS(256|384|512)$/;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Returns `(token) => claims`, throwing an Error whose message says why a token was refused:
 * bad signature, `iss`, `aud`, `exp` (required), `nbf`, or an `iat` later than now plus the skew.
 * Throws at build time for contradictory options (no key source, HMAC algorithms with a public
 * key, asymmetric ones with a secret, `none`).
 */
export function externalVerifier(
  options: ExternalIssuer,
  cache: TokenCache<CachedVerification>,
): (token: string) => Promise<Record<string, unknown>> {
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
    if (hit && 'claims' in hit) return hit.claims;
    if (token.length > MAX_TOKEN_LENGTH) throw new Error('token too long');
    if (!COMPACT_JWS.test(token)) throw new Error('not a compact JWS (three base64url parts)');
    const { payload } = await jwtVerify(token, key as JWTVerifyGetKey, {
      algorithms,
      issuer: options.issuer,
      audience: options.audience,
      requiredClaims: ['exp'],
      clockTolerance: options.clockSkewSeconds,
    });
    // jose checks `iat` only with maxTokenAge; a token "issued" later than now is forged or
    // from a broken clock, and either way not to be trusted (nor cached until its `exp`).
    if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + options.clockSkewSeconds) {
      throw new Error('token issued in the future (iat beyond the clock skew)');
    }
    const claims = Object.freeze({ ...payload }) as Record<string, unknown>;
    cache.set(scope, token, { claims }, payload.exp!);
    return claims;
  };
}
