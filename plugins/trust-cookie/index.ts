/**
 * `trust-cookie`: accepts Gatehouse's session cookie. Without a valid one, a browser navigation
 * is redirected to sign in and comes back; any other request (fetch, XHR) gets a 401 JSON it can
 * read, never a redirect, so a page's script can react instead of seeing an opaque CORS error.
 */
import { definePlugin, type Handler } from '../../src/plugin-api/index.ts';
import { isNavigation } from './navigation.ts';
import { MAX_SESSION_COOKIES, sessionCookieValues } from './session-cookies.ts';

/**
 * Options:
 * - `cookie_name` (default: `session.cookie_name`, normally `_gatehouse`): read this cookie instead.
 *   Whatever its name, the cookie is removed from every request this route sends upstream.
 * - `redirect` (default `true`): redirect navigations to sign in; `false` answers 401 to everyone.
 *
 * An identity already set by an earlier plugin (e.g. `header-jwt`) is kept as it is. When the
 * cookie is sent several times (a host-only and a domain cookie), the first two distinct values
 * are tried, never more, however many copies a client sends.
 */
export default definePlugin({
  name: 'trust-cookie',
  kind: 'auth',
  options: (v, { token }) =>
    v.strictObject({
      cookie_name: v.optional(token('cookie name')),
      redirect: v.optional(v.boolean(), true),
    }),
  create(options, services): Handler {
    const cookieName = options.cookie_name ?? services.session.cookieName;
    services.stripFromUpstream({ cookies: [cookieName] });
    return async (ctx, next) => {
      if (ctx.identity) return next();
      for (const token of sessionCookieValues(ctx.request, cookieName, MAX_SESSION_COOKIES)) {
        const identity = await services.jwt.verifyOwn(token);
        if (identity) {
          ctx.identity = { ...identity, via: 'trust-cookie' };
          return next();
        }
      }
      const login_url = services.session.loginUrl(ctx.url.href);
      if (options.redirect && isNavigation(ctx.request)) {
        return new Response(null, { status: 302, headers: { location: login_url, 'cache-control': 'no-store' } });
      }
      const realm = ctx.url.origin.replace(/["\\]/g, '');
      return ctx.error(401, 'unauthenticated', { login_url }, { 'WWW-Authenticate': `Gatehouse realm="${realm}"` });
    };
  },
});
