/**
 * `trust-cookie`: accepts Gatehouse's session cookie. Without a valid one, a browser navigation
 * is redirected to sign in and comes back; any other request (fetch, XHR) gets a 401 JSON it can
 * read, never a redirect, so a page's script can react instead of seeing an opaque CORS error.
 */
import { definePlugin, type Handler } from '../../src/plugin-api/index.ts';
import { isNavigation } from './navigation.ts';

/**
 * Options:
 * - `cookie_name` (default: `session.cookie_name`, normally `_gatehouse`): read this cookie instead.
 * - `redirect` (default `true`): redirect navigations to sign in; `false` answers 401 to everyone.
 *
 * An identity already set by an earlier plugin (e.g. `header-jwt`) is kept as it is.
 */
export default definePlugin({
  name: 'trust-cookie',
  kind: 'auth',
  options: (v) =>
    v.strictObject({
      cookie_name: v.optional(v.pipe(v.string(), v.regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'not a valid cookie name'))),
      redirect: v.optional(v.boolean(), true),
    }),
  create(options, services): Handler {
    const cookieName = options.cookie_name ?? services.session.cookieName;
    return async (ctx, next) => {
      if (ctx.identity) return next();
      const token = services.cookies.get(ctx.request, cookieName);
      const identity = token ? await services.jwt.verifyOwn(token) : null;
      if (identity) {
        ctx.identity = { ...identity, via: 'trust-cookie' };
        return next();
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
