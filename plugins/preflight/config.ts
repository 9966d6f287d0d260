/**
 * The preflight plugin's options: their schema, and their compilation (validation included)
 * into a `CorsPolicy` that the per-request path reads without parsing anything.
 */
import { OptionProblems, type OptionProblem, type Valibot } from '../../src/plugin-api/index.ts';
import { compileOrigins, type OriginMatcher } from '../shared/origin-pattern.ts';
import { compileAllowMethods, type AllowedMethods } from './allowed-methods.ts';
import { compileAllowHeaders, compileExposeHeaders, type AllowedHeaders } from './request-headers.ts';

/** Browsers cap preflight caching (Firefox at 24 h); a larger value only hides a mistake. */
export const MAX_AGE_LIMIT = 86400;
/** Chromium caps preflight caching at 2 h; above that the value misleads whoever reads it. */
export const MAX_AGE_CHROMIUM = 7200;

export const DEFAULT_METHODS = ['GET', 'HEAD', 'POST'];

/** The options schema; defaults are applied in `compilePolicy` so it can tell what was set. */
export function optionsSchema(v: typeof Valibot) {
  const names = v.array(v.string());
  return v.strictObject({
    mode: v.optional(v.picklist(['respond', 'forward'])),
    allow_origins: v.array(v.string()),
    allow_methods: v.optional(names),
    allow_headers: v.optional(names),
    expose_headers: v.optional(names),
    allow_credentials: v.optional(v.boolean()),
    max_age: v.optional(v.pipe(v.number(), v.integer())),
    allow_private_network: v.optional(v.boolean()),
  });
}

export type PreflightOptions = Valibot.InferOutput<ReturnType<typeof optionsSchema>>;

/** Everything a request needs, computed once per config. */
export interface CorsPolicy {
  readonly mode: 'respond' | 'forward';
  readonly origins: OriginMatcher;
  readonly methods: AllowedMethods;
  readonly headers: AllowedHeaders;
  readonly credentials: boolean;
  readonly privateNetwork: boolean;
  /** `Access-Control-Expose-Headers`, or '' for none. */
  readonly exposeHeaders: string;
  /**
   * The fixed part of a successful preflight's headers (methods, credentials, max age, Vary).
   * With `*` and credentials the methods are not fixed: the requested one is named instead.
   */
  readonly preflightHeaders: ReadonlyArray<readonly [string, string]>;
  /** `Vary` for any OPTIONS response: a preflight answer depends on these request headers. */
  readonly preflightVary: string;
}

const RESPOND_ONLY = [
  'allow_methods',
  'allow_headers',
  'expose_headers',
  'allow_credentials',
  'max_age',
  'allow_private_network',
] as const;

/**
 * Validates and compiles options. Throws `OptionProblems` listing every problem, each naming
 * the offending value and located at it; `warn` receives load-time warnings.
 */
export function compilePolicy(options: PreflightOptions, warn: (message: string) => void): CorsPolicy {
  const problems: OptionProblem[] = [];
  const mode = options.mode ?? 'respond';
  const credentials = options.allow_credentials ?? false;
  if (mode === 'forward') {
    for (const key of RESPOND_ONLY) {
      if (options[key] !== undefined) {
        problems.push({ at: [key], message: `${key} has no effect with mode: forward, where the upstream answers preflights and owns CORS headers` });
      }
    }
  }
  const origins = compileOrigins(
    options.allow_origins,
    {
      any: credentials
        ? 'allow_origins: "*" cannot be combined with allow_credentials: true (any site could read responses with the user\'s cookies); list the origins'
        : true,
    },
    problems,
    ['allow_origins'],
  );
  const methods = compileAllowMethods(options.allow_methods ?? DEFAULT_METHODS, problems);
  const headers = compileAllowHeaders(options.allow_headers ?? [], problems);
  const exposeHeaders = compileExposeHeaders(options.expose_headers ?? [], credentials, problems);
  const maxAge = options.max_age;
  if (maxAge !== undefined) {
    if (maxAge < 0) problems.push({ at: ['max_age'], message: `max_age ${maxAge} is negative` });
    else if (maxAge > MAX_AGE_LIMIT) problems.push({ at: ['max_age'], message: `max_age ${maxAge} is above ${MAX_AGE_LIMIT} seconds, which no browser honours` });
    else if (maxAge > MAX_AGE_CHROMIUM) warn(`max_age ${maxAge} is above ${MAX_AGE_CHROMIUM} seconds; Chromium caches preflights for at most 2 hours`);
  }
  if (problems.length > 0) throw new OptionProblems(problems);

  const privateNetwork = options.allow_private_network ?? false;
  const varyNames = ['Access-Control-Request-Method', 'Access-Control-Request-Headers'];
  if (!origins.any) varyNames.unshift('Origin');
  if (privateNetwork) varyNames.push('Access-Control-Request-Private-Network');
  const preflightVary = varyNames.join(', ');
  const preflightHeaders: Array<readonly [string, string]> = [['vary', preflightVary]];
  // A literal `*` means "any method" to browsers only on requests without credentials.
  if (methods.any && !credentials) preflightHeaders.push(['access-control-allow-methods', '*']);
  else if (!methods.any && methods.names.size > 0) preflightHeaders.push(['access-control-allow-methods', [...methods.names].join(', ')]);
  if (credentials) preflightHeaders.push(['access-control-allow-credentials', 'true']);
  if (maxAge !== undefined) preflightHeaders.push(['access-control-max-age', String(maxAge)]);
  return { mode, origins, methods, headers, credentials, privateNetwork, exposeHeaders, preflightHeaders, preflightVary };
}
