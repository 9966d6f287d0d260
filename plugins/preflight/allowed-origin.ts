/**
 * `ctx.allowedOrigin`: tells the engine (and later plugins) that the request's Origin is one
 * this route's CORS policy names, which is what lets a cross-origin WebSocket upgrade through.
 */
import type { RequestContext } from '../../src/plugin-api/index.ts';
import type { CorsPolicy } from './config.ts';

/**
 * Sets `ctx.allowedOrigin` to `origin`, already matched against the policy, unless an earlier
 * plugin set it. Never for `allow_origins: [*]`: WebSocket handshakes are not bound by CORS and
 * carry the user's cookies from any site, so "every origin" must not mean "every origin may open
 * a socket as the user".
 */
export function markAllowedOrigin(ctx: RequestContext, policy: CorsPolicy, origin: string): void {
  if (!policy.origins.any && ctx.allowedOrigin === null) ctx.allowedOrigin = origin;
}
