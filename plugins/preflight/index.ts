import { definePlugin } from '../../src/plugin-api/index.ts';
import { compilePolicy, optionsSchema } from './config.ts';
import { forwardHandler } from './forward.ts';
import { respondHandler } from './respond.ts';

/**
 * `preflight`: CORS for a route, strict by default (the Fetch standard, after jub0bs/cors).
 * Place it before the auth plugins so preflights, which never carry cookies, are not refused.
 *
 * Options:
 * - `mode` (default `respond`): `respond` answers preflights itself (`204`, or `403` with no
 *   `Access-Control-*` header when the origin, method, a header or private-network access is not
 *   allowed) and adds CORS headers to every other response, Gatehouse's own 401/403/5xx
 *   included; upstream `Access-Control-*` headers are replaced. `forward` leaves CORS to the
 *   upstream: a preflight from an allowed origin skips the auth plugins and is proxied untouched;
 *   only `allow_origins` may be set in this mode.
 * - `allow_origins` (required): exact origins (`https://app.example.test`), subdomain patterns
 *   (`https://*.example.test`: one or more labels, never the bare domain), `:*` for any port,
 *   or `*` for every origin (only without credentials). `null`, paths, queries, trailing
 *   slashes, userinfo, default ports, uppercase hosts and other wildcards are refused.
 * - `allow_methods` (default `[GET, HEAD, POST]`): case-sensitive except DELETE, GET, HEAD,
 *   OPTIONS, POST, PUT; CONNECT, TRACE, TRACK refused. GET, HEAD, POST always pass a preflight.
 *   `*` for any method: answered with the literal `*` without credentials; with credentials
 *   (where browsers read `*` literally) the requested method is named back.
 * - `allow_headers` (default `[]`): request header names, case-insensitive; `*` for any but
 *   Authorization (list it too to allow it), answered like `*` in `allow_methods` (with
 *   credentials the requested names are named back). Forbidden names refused.
 * - `expose_headers` (default `[]`): response headers a page may read; `*` only without credentials.
 * - `allow_credentials` (default `false`): send `Access-Control-Allow-Credentials: true`.
 * - `max_age` (default: not sent): seconds a browser may cache a preflight; at most 86400,
 *   with a warning above 7200 (Chromium's cap).
 * - `allow_private_network` (default `false`): answer `Access-Control-Request-Private-Network`
 *   with `Access-Control-Allow-Private-Network: true`; when false such preflights get `403`.
 *
 * In both modes a request whose Origin is listed in `allow_origins` gets `ctx.allowedOrigin`
 * set before the plugins below run (preflights and actual requests), which lets a WebSocket
 * upgrade from that origin through. Not with `*`: WebSocket handshakes carry cookies from any
 * site, so only named origins may open one. In forward mode only a real preflight is exempted:
 * OPTIONS with `Origin` and `Access-Control-Request-Method`, no body, no method-override header.
 */
export default definePlugin({
  name: 'preflight',
  kind: 'other',
  placement: 'before-auth',
  options: optionsSchema,
  create(options, services) {
    const policy = compilePolicy(options, (message) => services.warn(message));
    return policy.mode === 'forward' ? forwardHandler(policy) : respondHandler(policy);
  },
});
