/**
 * `GET /.gatehouse/token?audience=https://api.example.test` on any host: a short-lived JWT for
 * `header-jwt`, so a page on the app origin can call an API origin without the session cookie
 * being readable by scripts.
 *
 * - requires a valid trust cookie on the requesting host (401 otherwise);
 * - same-origin only: `Sec-Fetch-Site`, when sent, must be `same-origin`; `Origin`, when sent,
 *   must equal the requested host's origin (403 otherwise), so another site cannot mint tokens
 *   with the user's cookie;
 * - the audience must be the origin of a route whose auth plugin accepts these tokens
 *   (`services.session.acceptIssuedTokens()`, as `header-jwt` does): 400 otherwise, and 404 as if
 *   there were no such endpoint while no route accepts any;
 * - answers `{"token", "expires_at"}` (ISO 8601), lifetime at most 5 minutes and never beyond the
 *   session's own expiry; `Cache-Control: no-store`.
 */
import type { AuthDeps, EndpointRequest } from '../deps.ts';
import { json, jsonError } from './http.ts';
import { claimsOf } from '../tokens/identity.ts';
import { originMatcher } from '../session/origins.ts';
import { TokenType } from '../tokens/own-tokens.ts';

export const TOKEN_MAX_TTL_SECONDS = 300;

/**
 * The route origins the endpoint issues tokens for. Routes join while their plugins are created,
 * before the config serves a request; each config has its own set.
 */
export class TokenAudiences {
  readonly #patterns = new Set<string>();
  #matches: ((url: URL, via?: URL) => boolean) | undefined;

  /** Accepts tokens for a route's `from` (an exact origin or a `*.` pattern). */
  add(from: string): void {
    this.#patterns.add(from);
    this.#matches = undefined;
  }

  get size(): number {
    return this.#patterns.size;
  }

  /** Whether `url` is one of the accepted origins; `via` is the request being answered (see `originMatcher` on ports). */
  allows(url: URL, via: URL): boolean {
    this.#matches ??= originMatcher([...this.#patterns]);
    return this.#matches(url, via);
  }
}

/** Builds the endpoint; `audiences` is consulted per request, so routes may join after this. */
export function createTokenEndpoint(deps: AuthDeps, audiences: TokenAudiences, ttlSeconds = TOKEN_MAX_TTL_SECONDS) {
  const ttl = Math.min(ttlSeconds, TOKEN_MAX_TTL_SECONDS);
  return async function tokenEndpoint(request: Request, info: EndpointRequest): Promise<Response> {
    // What the dispatcher answers for a path nobody serves.
    if (audiences.size === 0) return jsonError(404, deps.authOrigin === undefined ? 'sign_in_not_configured' : 'not_found', info.requestId);
    if (request.method !== 'GET' && request.method !== 'HEAD') return jsonError(405, 'method_not_allowed', info.requestId, {}, { allow: 'GET, HEAD' });
    const site = request.headers.get('sec-fetch-site');
    const origin = request.headers.get('origin');
    if ((site !== null && site !== 'same-origin') || (origin !== null && origin !== info.url.origin)) {
      return jsonError(403, 'cross_origin_request', info.requestId, { detail: 'the token endpoint answers same-origin requests only' });
    }
    const identity = await deps.sessions.read(request);
    if (!identity) return jsonError(401, 'unauthenticated', info.requestId);
    const wanted = info.url.searchParams.get('audience');
    let audience: URL | undefined;
    if (wanted && URL.canParse(wanted)) audience = new URL(wanted);
    if (!audience || audience.origin === 'null' || audience.href.replace(/\/$/, '') !== audience.origin || !audiences.allows(audience, info.url)) {
      return jsonError(400, 'audience_not_allowed', info.requestId, { detail: 'audience must be the origin of a route that accepts Gatehouse tokens (such as one using header-jwt)' });
    }
    const now = Math.floor(Date.now() / 1000);
    const sessionExp = Number(identity.claims.exp);
    const exp = Math.min(now + ttl, Number.isFinite(sessionExp) ? sessionExp : now + ttl);
    if (exp <= now) return jsonError(401, 'unauthenticated', info.requestId);
    // The session's start time travels along, so revoking the user refuses this token too.
    const sat = typeof identity.claims.sat === 'number' ? identity.claims.sat : identity.claims.iat;
    const token = await deps.tokens.sign(TokenType.access, { ...claimsOf(identity), sat }, { audience: audience.origin, expiresAt: exp });
    return json({ token, expires_at: new Date(exp * 1000).toISOString() }, 200, { 'cache-control': 'no-store', vary: 'Cookie, Origin' });
  };
}
