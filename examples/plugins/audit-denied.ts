/**
 * Audit log of denied requests: every response with a status in `statuses` (401, 403, 429 by
 * default), whoever produced it (an auth plugin, the route's policy, a rate limiter, the
 * upstream), is logged with the identity, route and request id, and counted on `/metrics` as
 * `gatehouse_denied_requests_total{route,status}`. Put it first so every response passes it on
 * the way back up:
 *
 *   plugins:
 *     - use: ./audit-denied.ts
 *     - use: trust-cookie
 *
 * It logs no headers, cookies, tokens or query strings: only the path, which should carry none.
 */
import { definePlugin } from 'gatehouse/plugin';

export default definePlugin({
  name: 'audit-denied',
  /**
   * - `statuses`: the statuses that count as denied (default `[401, 403, 429]`).
   * - `level`: log level of the audit line, `info` or `warn` (default `warn`).
   */
  options: (v) =>
    v.strictObject({
      statuses: v.optional(v.pipe(v.array(v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(599))), v.minLength(1)), [401, 403, 429]),
      level: v.optional(v.picklist(['info', 'warn']), 'warn'),
    }),
  create(options, services) {
    const denied = new Set(options.statuses);
    const counter = services.counter('gatehouse_denied_requests_total', 'Requests answered with a denial status (401, 403, 429 by default), by route and status.');
    return async (ctx, next) => {
      const response = await next();
      if (!denied.has(response.status)) return response;
      const status = String(response.status);
      counter.inc({ route: ctx.route.id, status });
      services.log[options.level]('request denied', {
        status: response.status,
        request_id: ctx.requestId,
        route: ctx.route.id,
        identity: ctx.identity?.subject ?? null,
        via: ctx.identity?.via ?? null,
        exemption: ctx.exemption ? `${ctx.exemption.plugin}:${ctx.exemption.rule}` : null,
        method: ctx.request.method,
        host: ctx.url.host,
        path: ctx.url.pathname,
        client_ip: ctx.clientIp,
      });
      return response;
    };
  },
});
