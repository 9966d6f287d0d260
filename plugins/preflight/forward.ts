/**
 * `mode: forward`: the upstream owns CORS. A preflight from an allowed origin is exempted
 * from authentication (browsers never send cookies with one) and proxied untouched; nothing
 * else is changed, so every other request, OPTIONS included, is authenticated as usual.
 */
import type { Handler } from '../../src/plugin-api/index.ts';
import { requestOrigin } from '../shared/origin-pattern.ts';
import type { CorsPolicy } from './config.ts';

export function forwardHandler(policy: CorsPolicy): Handler {
  return (ctx, next) => {
    const request = ctx.request;
    if (
      ctx.exemption === null &&
      request.method === 'OPTIONS' &&
      request.headers.has('access-control-request-method')
    ) {
      const origin = requestOrigin(request.headers);
      if (origin !== null && policy.origins.matches(origin)) {
        ctx.exemption = { plugin: 'preflight', rule: 'preflight' };
      }
    }
    return next();
  };
}
