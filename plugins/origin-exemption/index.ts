import { definePlugin } from '../../src/plugin-api/index.ts';
import { requestOrigin } from '../shared/origin-pattern.ts';
import { parseIp } from './cidr.ts';
import { compileRules, optionsSchema, ruleMatches } from './rules.ts';

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
 *     CONNECT, TRACE, TRACK refused. `[OPTIONS]` exempts preflights only.
 *   - `paths` (default: every path): globs on `URL.pathname` matched on segment boundaries
 *     (`/api/*` one segment, `/api/**` any depth); paths with `%2F`, `%5C` or `%2E` never match.
 *   - `require_headers` (default: none): entries are a header name (present and non-empty) or
 *     `{ name, value }` (equal to the secret `value`, compared in constant time).
 *   - `source_cidrs` (default: every address): IPv4/IPv6 CIDRs the client address must be in.
 *
 * A rule admitting anything but OPTIONS without `require_headers` or `source_cidrs` is
 * accepted with a warning: any non-browser client can send that Origin.
 */
export default definePlugin({
  name: 'origin-exemption',
  kind: 'other',
  placement: 'before-auth',
  options: optionsSchema,
  create(options, services) {
    const rules = compileRules(options, (message) => services.warn(message));
    const equal = (a: string, b: string) => services.timingSafeEqual(a, b);
    return (ctx, next) => {
      if (ctx.exemption !== null) return next();
      const origin = requestOrigin(ctx.request.headers);
      if (origin === null) return next();
      let ip: Uint8Array | null | undefined;
      const facts = { origin, ip: () => (ip === undefined ? (ip = parseIp(ctx.clientIp)) : ip) };
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
