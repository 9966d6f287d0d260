/**
 * Per-caller rate limit: at most `limit` requests per `window` for each identity (anonymous
 * callers are counted by client IP), answered `429 {"error":"rate_limited"}` with `Retry-After`
 * beyond that. Fixed windows, counted in Gatehouse's shared state, so the limit holds across the
 * workers of a machine (`state: sqlite:…`, the default with `workers` above 1) and across
 * machines (`state: redis://…`). Put it after the route's auth plugins so the identity is known:
 *
 *   plugins:
 *     - use: trust-cookie
 *     - use: ./rate-limit.ts
 *       limit: 100
 *       window: 1m
 */
import { definePlugin, type TtlCount } from 'gatehouse/plugin';

export default definePlugin({
  name: 'rate-limit',
  /**
   * - `limit`: requests allowed per window and caller (default 60).
   * - `window`: window length, a duration as everywhere in the config: `500ms`, `30s`, `1m`,
   *   `1h30m`, or a number of seconds (default `1m`).
   * - `by`: `identity` (default; the identity's subject, else the client IP) or `ip`.
   * - `on_state_error`: what to do when the shared state cannot answer in time (Redis down,
   *   SQLite locked): `allow` (default) lets the request through uncounted, since an outage of
   *   the counter should not become an outage of the API; `deny` answers
   *   `503 {"error":"rate_limit_unavailable"}` with `Retry-After: 1`, for limits that protect
   *   something (a password check, a paid upstream). Either way a warning is logged when the
   *   state fails and a line when it answers again.
   */
  options: (v, { duration }) =>
    v.strictObject({
      limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 60),
      window: v.pipe(duration('1m'), v.minValue(1, 'the window must be longer than 0')),
      by: v.optional(v.picklist(['identity', 'ip']), 'identity'),
      on_state_error: v.optional(v.picklist(['allow', 'deny']), 'allow'),
    }),
  create(options, services) {
    const counts = services.ttlStore<number>({ shared: true });
    // Health of the state as this instance last saw it, so an outage is logged once, not per request.
    let failing = false;
    return async (ctx, next) => {
      const caller = options.by === 'identity' && ctx.identity ? `id:${ctx.identity.subject}` : `ip:${ctx.clientIp}`;
      // The window is part of the key: a changed window starts afresh, and two uses of this
      // plugin on one route with different windows count apart.
      let window: TtlCount;
      try {
        window = await counts.incr(`${options.window}ms:${caller}`, options.window);
      } catch (error) {
        if ((error as Error | undefined)?.name !== 'StateUnavailableError') throw error;
        if (!failing) {
          services.log.warn(`rate limit state unavailable; ${options.on_state_error === 'allow' ? 'letting requests through uncounted' : 'refusing requests'}`, {
            request_id: ctx.requestId,
            error: (error as Error).message,
          });
        }
        failing = true;
        if (options.on_state_error === 'allow') return next();
        return ctx.error(503, 'rate_limit_unavailable', { retry_after: 1 }, { 'retry-after': '1' });
      }
      if (failing) services.log.info('rate limit state available again', { request_id: ctx.requestId });
      failing = false;
      if (window.count <= options.limit) return next();
      const retryAfter = Math.max(1, Math.ceil((window.expiresAt - Date.now()) / 1000));
      return ctx.error(429, 'rate_limited', { retry_after: retryAfter }, { 'retry-after': String(retryAfter) });
    };
  },
});
