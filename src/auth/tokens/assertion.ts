/**
 * The identity assertion sent to upstreams in `X-Gatehouse-Jwt-Assertion`: an ES256 JWT,
 * 5 minutes, `aud` = the route's origin, verifiable with `/.well-known/gatehouse/jwks.json`.
 */
import type { Identity } from '../../plugin-api/index.ts';
import { claimsOf } from './identity.ts';
import { TokenType, type OwnTokens } from './own-tokens.ts';
import { makeRoom } from '../../util/make-room.ts';

export const ASSERTION_HEADER = 'X-Gatehouse-Jwt-Assertion';

export interface AssertionSignerOptions {
  /** Lifetime of each assertion in seconds. Default 300. */
  ttlSeconds?: number;
  /** A cached assertion is reused while it has at least this many seconds left. Default 60. */
  minRemainingSeconds?: number;
  /** Most cached assertions. Default 10,000. */
  maxEntries?: number;
  now?: () => number;
}

/**
 * Returns `signAssertion(identity, audienceOrigin)`. Signing costs about as much as verifying,
 * so an assertion is reused for the same identity and audience while it has time left.
 * Claims: `iss`, `aud`, `iat`, `exp`, `sub`, `email`, `name`, `groups`, `sid` (when known),
 * `kind` (`user` | `service`), and who vouched for the caller: `via`, the plugin that
 * authenticated the request (`trust-cookie`, `header-jwt`, or a custom plugin's name), and
 * `iss_ext`, the `iss` of the external token it accepted (absent when Gatehouse's own session or
 * token, or a service token, established the identity).
 */
export function createAssertionSigner(tokens: OwnTokens, options: AssertionSignerOptions = {}) {
  const ttl = options.ttlSeconds ?? 300;
  const minRemaining = options.minRemainingSeconds ?? 60;
  const max = options.maxEntries ?? 10_000;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const cache = new Map<string, { token: string; exp: number }>();

  return async function signAssertion(identity: Identity, audienceOrigin: string): Promise<string> {
    const claims: Record<string, unknown> = { ...claimsOf(identity), kind: identity.kind, via: identity.via };
    const iss = identity.claims.iss;
    // An upstream must be able to tell "our IdP said so" from "some listed external issuer said so".
    if (typeof iss === 'string' && iss !== tokens.issuer) claims.iss_ext = iss;
    // The key covers everything the assertion says, so a changed identity never gets a stale one.
    const key = JSON.stringify([audienceOrigin, claims]);
    const hit = cache.get(key);
    const t = now();
    if (hit && hit.exp - t >= minRemaining) return hit.token;
    const token = await tokens.sign(TokenType.assertion, claims, { audience: audienceOrigin, expiresAt: t + ttl });
    cache.delete(key);
    makeRoom(cache, max);
    cache.set(key, { token, exp: t + ttl });
    return token;
  };
}
