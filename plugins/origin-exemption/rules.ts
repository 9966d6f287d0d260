/**
 * Exemption rules: schema, validation and compilation into matchers, and the per-request
 * check of one rule against a request.
 */
import { OptionProblems, type IpRanges, type IpServices, type OptionProblem, type RequestContext, type Valibot } from '../../src/plugin-api/index.ts';
import { compileMethods, hasMethod, normaliseMethod } from '../shared/methods.ts';
import { compileOrigins, type OriginMatcher } from '../shared/origin-pattern.ts';
import { isPreflight } from '../shared/preflight-request.ts';
import { compilePaths, type LenientReading, type PathMatcher } from './path-glob.ts';
import { compileRequiredHeaders, hasRequiredHeaders, type RequiredHeader } from './required-headers.ts';

export function optionsSchema(v: typeof Valibot) {
  const list = v.array(v.string());
  const rule = v.strictObject({
    name: v.pipe(v.string(), v.minLength(1, 'a rule needs a name; it is written to the access log')),
    origins: list,
    methods: v.optional(list),
    paths: v.optional(list),
    require_headers: v.optional(
      v.array(v.union([v.string(), v.strictObject({ name: v.string(), value: v.string() })])),
    ),
    source_cidrs: v.optional(list),
  });
  return v.strictObject({
    rules: v.pipe(v.array(rule), v.minLength(1, 'list at least one rule')),
  });
}

export type ExemptionOptions = Valibot.InferOutput<ReturnType<typeof optionsSchema>>;
type RuleOptions = ExemptionOptions['rules'][number];

/** A rule ready for requests; unset conditions are null and match everything. */
export interface CompiledRule {
  readonly name: string;
  readonly origins: OriginMatcher;
  readonly methods: ReadonlySet<string> | null;
  readonly paths: PathMatcher | null;
  readonly headers: readonly RequiredHeader[] | null;
  readonly cidrs: IpRanges | null;
}

/** What rule compilation needs from the engine (the plugin's services). */
export interface RuleTools {
  warn(message: string): void;
  lenientReading: LenientReading;
  ip: IpServices;
}

/**
 * Validates and compiles every rule. Throws `OptionProblems` listing every problem, naming the
 * rule and the value, located at it; `warn` gets the rules that trust a bare Origin header, or
 * a header whose mere presence anyone can fake.
 */
export function compileRules(options: ExemptionOptions, tools: RuleTools): CompiledRule[] {
  const problems: OptionProblem[] = [];
  const seen = new Set<string>();
  const rules = options.rules.map((rule, i) => {
    const what = `rule ${JSON.stringify(rule.name)}`;
    if (seen.has(rule.name)) {
      problems.push({ at: ['rules', i, 'name'], message: `rules[${i}]: the name ${JSON.stringify(rule.name)} is used twice; the access log could not tell them apart` });
    }
    seen.add(rule.name);
    return compileRule(rule, what, problems, ['rules', i], tools);
  });
  if (problems.length > 0) throw new OptionProblems(problems);
  return rules;
}

function compileRule(
  rule: RuleOptions,
  what: string,
  problems: OptionProblem[],
  at: readonly (string | number)[],
  { warn, lenientReading, ip }: RuleTools,
): CompiledRule {
  const anyOrigin = `${what} origins: "*" is refused; exempting every origin exempts every client (use policy: { public: true }, or preflight with mode: forward for preflights)`;
  const origins = compileOrigins(rule.origins, { any: anyOrigin }, problems, [...at, 'origins']);
  const methods = rule.methods ? compileMethods(rule.methods, `${what} methods`, problems, [...at, 'methods']) : null;
  if (rule.methods?.length === 0) problems.push({ at: [...at, 'methods'], message: `${what} methods is empty (leave it out to match every method)` });
  const paths = rule.paths ? compilePaths(rule.paths, `${what} paths`, problems, [...at, 'paths'], lenientReading) : null;
  const headers = rule.require_headers
    ? compileRequiredHeaders(rule.require_headers, `${what} require_headers`, problems, [...at, 'require_headers'])
    : null;
  const cidrs = rule.source_cidrs ? locatedRanges(ip, rule.source_cidrs, `${what} source_cidrs`, problems, [...at, 'source_cidrs']) : null;
  const onlyPreflights = methods !== null && methods.size > 0 && [...methods].every((m) => m === 'OPTIONS');
  if (!onlyPreflights && headers === null && cidrs === null) {
    const admitted = methods === null ? 'every method' : [...methods].join(', ');
    warn(
      `${what} exempts ${admitted} from authentication for any client that sends Origin: ${rule.origins.join(' or ')}; ` +
        'only browsers are bound to send a true Origin, so add require_headers or source_cidrs, or limit methods to [OPTIONS]',
    );
  }
  const presenceOnly = headers?.filter((h) => h.secret === null) ?? [];
  if (!onlyPreflights && presenceOnly.length === headers?.length && presenceOnly.length > 0 && cidrs === null) {
    const names = rule.require_headers!.filter((h) => typeof h === 'string').join(', ');
    warn(
      `${what} require_headers ${names} only checks that the header is present, which is no secret: ` +
        'any non-browser client can send it (a browser page only after a CORS preflight), so the rule admits whoever sends that Origin and header; ' +
        'give { name, value } to check a secret value here, add source_cidrs, or make sure the upstream checks the value itself',
    );
  }
  return { name: rule.name, origins, methods, paths, headers, cidrs };
}

/**
 * The engine's `ip.ranges`, with each problem located at the CIDR it is about: the engine
 * reports plain sentences, so every entry is judged on its own first.
 */
function locatedRanges(ip: IpServices, cidrs: readonly string[], what: string, problems: OptionProblem[], at: readonly (string | number)[]): IpRanges {
  const judge = (list: readonly string[], where: readonly (string | number)[]) => {
    const found: string[] = [];
    ip.ranges(list, what, found);
    for (const message of found) problems.push({ at: [...where], message });
  };
  if (cidrs.length === 0) judge(cidrs, at);
  else cidrs.forEach((cidr, i) => judge([cidr], [...at, i]));
  // Only used when nothing was refused above.
  return ip.ranges(cidrs, what, []);
}

/** Per-request facts shared by every rule, computed at most once. */
export interface RequestFacts {
  readonly origin: string;
  readonly ip: () => Uint8Array | null;
}

/** Names of the headers whose secret value some rule checks: the upstream never needs them. */
export function secretHeaderNames(rules: readonly CompiledRule[]): string[] {
  const names = new Set<string>();
  for (const rule of rules) for (const h of rule.headers ?? []) if (h.secret !== null) names.add(h.name);
  return [...names];
}

/**
 * Whether the request satisfies every condition of `rule`; cheapest checks first. An OPTIONS
 * request matches only as a real preflight (see `isPreflight`): `[OPTIONS]` means preflights,
 * never an OPTIONS with a body and a method override that a framework would run as a DELETE.
 */
export function ruleMatches(
  rule: CompiledRule,
  ctx: RequestContext,
  facts: RequestFacts,
  equal: (a: string, b: string) => boolean,
): boolean {
  if (rule.methods !== null && !hasMethod(rule.methods, ctx.request.method)) return false;
  if (normaliseMethod(ctx.request.method) === 'OPTIONS' && !isPreflight(ctx.request)) return false;
  if (!rule.origins.matches(facts.origin)) return false;
  if (rule.paths !== null && !rule.paths.matches(ctx.url.pathname)) return false;
  if (rule.cidrs !== null && !rule.cidrs.contains(facts.ip())) return false;
  if (rule.headers !== null && !hasRequiredHeaders(rule.headers, ctx.request.headers, equal)) return false;
  return true;
}
