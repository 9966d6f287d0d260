/**
 * `mode: forward`: the upstream owns CORS. A preflight from an allowed origin is exempted
 * from authentication (browsers never send cookies with one) and proxied untouched; nothing
 * else is changed, so every other request, OPTIONS included, is authenticated as usual. Only a
 * real preflight is exempted (`isPreflight`: Origin and Access-Control-Request-Method, no body,
 * no method override), never an OPTIONS dressed up as one.
 */
import type { Handler } from '../../src/plugin-api/index.ts';
import { requestOrigin } from '../shared/origin-pattern.ts';
import { isPreflight } from '../shared/preflight-request.ts';
import { markAllowedOrigin } from './allowed-origin.ts';
import type { CorsPolicy } from './config.ts';

export function forwardHandler(policy: CorsPolicy): Handler {
  return (ctx, next) => {
    const origin = requestOrigin(ctx.request.headers);
    const allowed = origin !== null && policy.origins.matches(origin);
    if (allowed) markAllowedOrigin(ctx, policy, origin);
    if (allowed && ctx.exemption === null && isPreflight(ctx.request)) {
      ctx.exemption = { plugin: 'preflight', rule: 'preflight' };
    }
    return next();
  };
}
