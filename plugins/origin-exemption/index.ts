import { definePlugin } from '../../src/plugin-api/index.ts';
import { requestOrigin } from '../shared/origin-pattern.ts';
import { lenientReader } from './path-glob.ts';
import { compileRules, optionsSchema, ruleMatches, secretHeaderNames } from './rules.ts';

/**
 * `origin-exemption`: waives authentication for requests that match a rule, as Banyan's CORS
 * exemptions do. Place it before the auth plugins; the engine skips them (and the policy
 * check) once `ctx.exemption` is set, and logs the rule's name. An exemption already granted
 * by an earlier plugin is kept.
 *
 * Options:
 * - `rules` (required, at least one): tried in order; the first whose every condition holds
 *   grants `{ plugin: 'origin-exemption', rule: name }`. Each rule:
 *   - `name` (required, unique): written to the access log.
 *   - `origins` (required): origin patterns as in `preflight` (exact, `https://*.example.test`,
 *     `:*` ports); the request's first `Origin` must match. `*` and `null` are refused.
 *   - `methods` (default: every method): case-sensitive except the six Fetch normalises;
 *     CONNECT, TRACE, TRACK refused. An OPTIONS request matches (under `[OPTIONS]` or no
 *     `methods`) only as a real preflight: `Origin` and `Access-Control-Request-Method` present,
 *     no body, no `X-HTTP-Method-Override`-style header. So `[OPTIONS]` exempts preflights only.
 *   - `paths` (default: every path): case-sensitive globs on `URL.pathname` matched on segment
 *     boundaries (`/api/*` one segment, `/api/**` any depth). A path never matches when it holds
 *     `;`, `\`, or `%2E`, `%2F`, `%5C`, `%25`, `%3B`, `%00` (any case), or when a lenient
 *     server's reading of it (percent-decoded, `;params` dropped, dot segments resolved,
 *     lowercased) falls outside the glob: `/public/**` never exempts `/public/..;/admin`.
 *   - `require_headers` (default: none): entries are a header name (present and non-empty) or
 *     `{ name, value }` (equal to the secret `value`, compared in constant time). Headers with a
 *     secret value are removed from every request this route sends upstream.
 *   - `source_cidrs` (default: every address): IPv4/IPv6 CIDRs the client address must be in.
 *
 * Accepted with a warning: a rule admitting anything but OPTIONS without `require_headers` or
 * `source_cidrs` (any non-browser client can send that Origin), and one whose only
 * `require_headers` are presence-only names like `X-Requested-With` (no secret: any client can
 * send them, a browser page after a preflight).
 */
export default definePlugin({
  name: 'origin-exemption',
  kind: 'other',
  placement: 'before-auth',
  options: optionsSchema,
  create(options, services) {
    const rules = compileRules(options, { warn: (message) => services.warn(message), lenientReading: lenientReader(services.paths), ip: services.ip });
    services.stripFromUpstream({ headers: secretHeaderNames(rules) });
    const equal = (a: string, b: string) => services.timingSafeEqual(a, b);
    return (ctx, next) => {
      if (ctx.exemption !== null) return next();
      const origin = requestOrigin(ctx.request.headers);
      if (origin === null) return next();
      let ip: Uint8Array | null | undefined;
      const facts = { origin, ip: () => (ip === undefined ? (ip = services.ip.parse(ctx.clientIp)) : ip) };
      for (const rule of rules) {
        if (ruleMatches(rule, ctx, facts, equal)) {
          ctx.exemption = { plugin: 'origin-exemption', rule: rule.name };
          break;
        }
      }
      return next();
    };
  },
});
