/**
 * Per-caller rate limit: at most `limit` requests per `window` for each identity (anonymous
 * callers are counted by client IP), answered `429 {"error":"rate_limited"}` with `Retry-After`
 * beyond that. Fixed windows, counted in memory per Gatehouse process (each worker counts
 * alone). Put it after the route's auth plugins so the identity is known:
 *
 *   plugins:
 *     - use: trust-cookie
 *     - use: ./rate-limit.ts
 *       limit: 100
 *       window: 1m
 */
import { definePlugin } from 'gatehouse/plugin';

interface Window {
  count: number;
  resetAt: number;
}

export default definePlugin({
  name: 'rate-limit',
  /**
   * - `limit`: requests allowed per window and caller (default 60).
   * - `window`: window length, a duration as everywhere in the config: `500ms`, `30s`, `1m`,
   *   `1h30m`, or a number of seconds (default `1m`).
   * - `by`: `identity` (default; the identity's subject, else the client IP) or `ip`.
   * - `max_callers`: callers tracked at once; the oldest is forgotten beyond it (default 100000).
   */
  options: (v, { duration }) =>
    v.strictObject({
      limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 60),
      window: v.pipe(duration('1m'), v.minValue(1, 'the window must be longer than 0')),
      by: v.optional(v.picklist(['identity', 'ip']), 'identity'),
      max_callers: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 100_000),
    }),
  create(options, services) {
    const windows = services.ttlStore<Window>({ maxEntries: options.max_callers });
    return (ctx, next) => {
      const key = options.by === 'identity' && ctx.identity ? `id:${ctx.identity.subject}` : `ip:${ctx.clientIp}`;
      const now = Date.now();
      let window = windows.get(key);
      if (!window) windows.set(key, (window = { count: 0, resetAt: now + options.window }), options.window);
      window.count++;
      if (window.count <= options.limit) return next();
      const retryAfter = Math.max(1, Math.ceil((window.resetAt - now) / 1000));
      return ctx.error(429, 'rate_limited', { retry_after: retryAfter }, { 'retry-after': String(retryAfter) });
    };
  },
});
