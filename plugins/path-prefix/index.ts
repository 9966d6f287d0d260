import { definePlugin, type RequestContext } from '../../src/plugin-api/index.ts';
import { classifyPath, upstreamPath } from './normalize-path.ts';
import { optionsSchema, resolveOptions } from './options.ts';
import { createReverseMapper } from './path-map.ts';
import { createCredentialScrubber } from './redact-credentials.ts';
import { splitRequestUrl } from './request-target.ts';
import { createResponseRewriter } from './rewrite-response.ts';

/**
 * `path-prefix`: mounts another upstream under a path prefix of the route's host, so a browser
 * app and its API share one origin (no CORS, the trust cookie just works).
 *
 * Options:
 * - `prefix` (required): the mount, e.g. `/api`. Starts with `/`, no trailing slash (unless it
 *   is `/`), no empty, dot or percent-encoded segments, no `;`. `/api` and `/api/...` are under
 *   it; `/apix`, `/api..` and `/API` are not.
 * - `to` (required): the upstream URL, or a list (round robin). May carry a base path:
 *   with `to: http://h/v2`, `/api/users?x=1` reaches the upstream as `/v2/users?x=1`.
 * - `strip_prefix` (default `true`): remove the prefix before forwarding; `false` forwards the
 *   path unchanged (`/api/users` → `/v2/api/users`).
 * - `rewrite` (default: none): replace the prefix with this path instead (`rewrite: /internal`
 *   sends `/api/users` as `/internal/users`); same syntax as `prefix`. Contradicts
 *   `strip_prefix: false`, which is refused at load.
 * - `set_request_headers` (default `{}`): headers added for the upstream, e.g. a service token
 *   (`X-Api-Key: ${API_KEY}` or `X-Api-Key_file: key.txt`). They replace any client-sent copy,
 *   are never logged, and a response header named like one of them or echoing one of their
 *   values (6+ characters) is removed before the response reaches the client.
 * - `pass_identity_headers` (default `false`): send the signed `X-Gatehouse-Jwt-Assertion`.
 * - `timeout` (default `30s`): per-request upstream timeout; `500ms`, `30s`, `2m`, or seconds.
 * - `rewrite_location` (default `true`): map `Location`/`Content-Location` that point into the
 *   upstream (root-relative, or absolute on its origin) back under the prefix.
 * - `rewrite_cookie_path` (default `true`): move `Set-Cookie` `Path` under the prefix.
 * - `drop_cookie_domain` (default `true`): remove `Set-Cookie` `Domain` (the upstream's domain
 *   means nothing to the browser), making the cookie host-only on the gateway's host.
 *
 * Path handling. The path is read from the raw request URL text (not a re-parsed URL) and
 * matched after decoding unreserved escapes (`%61` = `a`, `%2e` = `.`) and resolving `.`/`..`
 * exactly once. The upstream gets the resolved path with every remaining segment and the query
 * exactly as the client encoded them; it never receives a `.` or `..` segment. A path that
 * resolves outside the mount (`/api/../x` is `/x`) is not this plugin's and passes on
 * untouched. A request is answered `400 {"error":"bad_path","reason":…}` when some reading of
 * it is under the mount and it has any of these, checked in this order (the first is reported):
 * 1. `control_character`: raw 0x00-0x1F or 0x7F;
 * 2. `backslash`: a raw `\`;
 * 3. `malformed_escape`: a `%` not followed by two hex digits;
 * 4. `encoded_slash` `%2F` / `encoded_backslash` `%5C`, anywhere in the path;
 * 5. `encoded_control_character`: `%00`-`%1F`, `%7F`;
 * 6. `double_encoding`: decoding once leaves an escape of `.`, `/`, `\`, `%`, a control
 *    character or an overlong UTF-8 lead byte (`%252e`, `%252f`, `%2500`, `%25%32%65`);
 * 7. `invalid_utf8`: escapes that decode to invalid UTF-8, incl. overlong forms (`%c0%ae`);
 * 8. `empty_segment` (`//`; a trailing `/` is fine) or `dot_segment_variant` (a segment some
 *    server reads as `.`/`..`: `..;x`, `.;`, `...`, `..%20`), segment by segment;
 * 9. `unicode_lookalike`: a segment whose NFKC form gains `/`, `\` or `%`, or reads as a dot
 *    segment (`%EF%BC%8F` fullwidth solidus, `%EF%BC%8E%EF%BC%8E`);
 * 10. `ambiguous_prefix`: only a lenient reading (full repeated decoding, NFKC, `\` as `/`,
 *    `;params` and empty segments dropped, trailing dots and spaces trimmed) puts it under the
 *    mount: `/api;v=1/x`, `/%EF%BD%81pi/x`, `/api./x`;
 * 11. `fragment`: a `#` in the request-target.
 * Over HTTP, Bun has already resolved dot segments (also `%2e` ones) and turned `\` into `/`
 * before any plugin runs; the rules above hold whatever the server did.
 */
export default definePlugin({
  name: 'path-prefix',
  kind: 'other',
  options: (v, schemas) => optionsSchema(v, schemas),
  create(options, services) {
    const cfg = resolveOptions(options);
    const upstream = services.upstream(options.to, { timeoutMs: cfg.timeoutMs });
    const routePrefix = services.route.prefix;
    if (routePrefix && routePrefix !== '/' && !(cfg.mount.path + '/').startsWith(routePrefix.replace(/\/?$/, '/'))) {
      services.warn(`prefix "${cfg.mount.path}" is outside the route's prefix "${routePrefix}", so no request can reach it`);
    }
    if (cfg.mount.path === '/') services.warn('prefix "/" mounts every path: the route\'s own upstream is never reached');

    const rewriter = createResponseRewriter({
      prefix: cfg.mount.path,
      mapper: createReverseMapper(cfg.mount.path, cfg.replacement, cfg.to),
      scrubber: createCredentialScrubber(Object.fromEntries(cfg.headers)),
      rewriteLocation: options.rewrite_location,
      rewriteCookiePath: options.rewrite_cookie_path,
      dropCookieDomain: options.drop_cookie_domain,
      upstreamScheme: new URL(cfg.to[0]!).protocol,
    });
    const passIdentityHeaders = options.pass_identity_headers;
    const refuse = (ctx: RequestContext, reason: string) => {
      ctx.log.info('path-prefix refused a path', { reason, prefix: cfg.mount.path });
      return ctx.error(400, 'bad_path', { reason });
    };

    return async (ctx: RequestContext, next) => {
      const target = splitRequestUrl(ctx.url.href);
      const verdict = classifyPath(target.path, cfg.mount, services.paths);
      if (verdict.kind === 'outside') return next();
      if (verdict.kind === 'bad') return refuse(ctx, verdict.reason);
      if (target.hasFragment) return refuse(ctx, 'fragment');
      ctx.upstream = {
        upstream,
        path: upstreamPath(cfg.replacement, verdict.rest) + target.query,
        headers: new Headers(cfg.headers),
        passIdentityHeaders,
      };
      const response = await next();
      return rewriter.rewrite(response, target.path, ctx.url.origin, (header) =>
        ctx.log.warn('path-prefix removed a response header that echoed an injected credential', { header }),
      );
    };
  },
});
