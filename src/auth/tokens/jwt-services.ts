/**
 * `JwtServices` for plugins: signing with Gatehouse's active key, verifying Gatehouse's own
 * tokens through the shared verified-token cache, verifiers for external issuers, and the token
 * facts (shape, identity from claims) plugins must not copy.
 */
import type { Identity, JwtServices } from '../../plugin-api/index.ts';
import { externalVerifier } from './external-verifier.ts';
import { identityFromClaims, identityFromOwnClaims } from './identity.ts';
import type { CachedVerification, TokenCache } from './token-cache.ts';
import { TokenType, type OwnTokens } from './own-tokens.ts';
import { tokenShapeProblem } from './token-shape.ts';

// Importers that predate token-cache.ts owning the type.

/** Audience of the trust cookie (plugins read it as `services.session.audience`). */
export const SESSION_AUDIENCE = 'gatehouse';

const OWN_SCOPE = 'own';

/**
 * Builds the plugin-facing JWT services.
 * `verifyOwn(token, { audience })`: `audience` defaults to `"gatehouse"` (the trust cookie's);
 * it may be a list (any one must match). Identities returned are frozen and shared.
 */
export function createJwtServices(
  tokens: OwnTokens,
  cache: TokenCache<CachedVerification>,
  options: {
    /**
     * Whether a verified identity's session may still be used (not signed out, revoked or idle);
     * asked on every call, cached or not. Default: every session may.
     */
    sessionAllows?: (identity: Identity) => Promise<boolean>;
  } = {},
): JwtServices {
  const allows = options.sessionAllows ?? (async () => true);
  return {
    sign(claims, options) {
      return tokens.sign(TokenType.access, claims, options);
    },
    async verifyOwn(token, options) {
      const wanted = options?.audience ?? SESSION_AUDIENCE;
      const wants = (aud: readonly string[]) => (typeof wanted === 'string' ? aud.includes(wanted) : wanted.some((w) => aud.includes(w)));
      const hit = cache.get(OWN_SCOPE, token);
      if (hit && 'identity' in hit) return wants(hit.audiences) && (await allows(hit.identity)) ? hit.identity : null;
      let payload;
      try {
        // The audience is checked below rather than by jose, so one cache entry serves every caller.
        payload = await tokens.verify(token, { typ: TokenType.access });
      } catch {
        return null;
      }
      const identity = identityFromOwnClaims(payload as Record<string, unknown>, 'gatehouse');
      if (!identity) return null;
      const audiences = Object.freeze(typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []).filter((a) => typeof a === 'string'));
      cache.set(OWN_SCOPE, token, { identity, audiences }, payload.exp!);
      return wants(audiences) && (await allows(identity)) ? identity : null;
    },
    verifier(options) {
      return externalVerifier(options, cache);
    },
    shapeProblem: tokenShapeProblem,
    identityFromClaims,
  };
}
