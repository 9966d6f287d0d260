import * as v from 'valibot';
import { headerNameProblem, headerValueProblem, TOKEN } from '../http/header-rules.ts';
import { HEX_COLOUR, logoUrlProblem } from './branding.ts';
import { parseDuration } from './duration.ts';
import { parseListen } from './listen-address.ts';
import { checkPathKeys, routePathEntries, withDefaultPrefix } from './route-path-keys.ts';
import { issuePath, listenerKeyProblems, tlsSchema } from './tls-setting.ts';

/**
 * What a value looks like in the YAML where a pipe transforms or checks it in code, which JSON
 * Schema cannot say on its own: `gatehouse schema` (src/config/json-schema.ts) describes it.
 */
export type InputShape = 'duration' | 'listen' | 'http-url' | 'route-from' | 'header-name' | 'state-url';
const inputShape = <TInput>(shape: InputShape) => v.metadata<TInput, { inputShape: InputShape }>({ inputShape: shape });

/** A duration (`500ms`, `30s`, `14h`) as milliseconds. */
export const duration = (fallback: string) =>
  v.optional(
    v.pipe(
      v.union([v.string(), v.number()], 'expected a duration like 500ms, 30s or 14h'),
      inputShape('duration'),
      v.rawTransform(({ dataset, addIssue, NEVER }) => {
        const ms = parseDuration(dataset.value);
        if (ms === undefined) {
          addIssue({ message: `"${dataset.value}" is not a duration; use e.g. 500ms, 30s, 5m, 14h` });
          return NEVER;
        }
        return ms;
      }),
    ),
    fallback,
  );

const absoluteUrl = v.pipe(
  v.string(),
  inputShape('http-url'),
  v.check((s) => URL.canParse(s) && /^https?:$/.test(new URL(s).protocol), 'expected an http:// or https:// URL'),
);

const stringList = v.array(v.string());

/** Headers to add to requests (`request`) or responses: names and values checked by one rule. */
export const headerMap = (direction: 'request' | 'response') =>
  v.pipe(
    v.record(
      v.pipe(
        v.string(),
        inputShape('header-name'),
        v.rawCheck(({ dataset, addIssue }) => {
          const problem = dataset.typed ? headerNameProblem(dataset.value, direction) : null;
          if (problem) addIssue({ message: problem });
        }),
      ),
      v.pipe(v.union([v.string(), v.number(), v.boolean()], 'expected a string'), v.transform(String)),
    ),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      for (const [name, value] of Object.entries(dataset.value)) {
        const problem = headerValueProblem(name, value);
        if (problem) addIssue({ message: problem, path: [{ type: 'object', origin: 'value', input: dataset.value, key: name, value }] });
      }
    }),
  );

const headerNames = v.array(v.pipe(v.string(), v.regex(TOKEN, 'not a valid header name')));

export const policySchema = v.strictObject({
  public: v.optional(v.boolean()),
  allow_any_authenticated_user: v.optional(v.boolean()),
  allow: v.optional(
    v.strictObject({
      emails: v.optional(stringList),
      domains: v.optional(stringList),
      groups: v.optional(stringList),
      claims: v.optional(v.record(v.string(), v.unknown())),
      services: v.optional(stringList),
    }),
  ),
});

/** A plugin entry: `use` plus the plugin's own options, validated later by the plugin's schema. */
export const pluginEntrySchema = v.looseObject({
  use: v.pipe(v.string(), v.minLength(1, 'expected a plugin name or a path like ./my-plugin.ts')),
});

const FROM = /^https?:\/\/(\*\.)?[^/*?#@:]+(:(\d{1,5}|\*))?$/i;
const FROM_SHAPE = 'expected scheme and host like https://api.example.test, https://*.example.test or https://app.example.test:*';

/** Why a route's `from` was refused, with the fix spelled out when it only carries a path too many. */
function fromProblem(from: string): string {
  const m = /^(https?:\/\/[^/?#]+)([^?#]*)([?#].*)?$/i.exec(from);
  if (!m || !FROM.test(m[1]!)) return FROM_SHAPE;
  const [, origin, path = '', rest] = m;
  if (rest) return `${FROM_SHAPE}; a route matches no query or fragment, so drop "${rest}"`;
  if (path === '/') return `${FROM_SHAPE}; drop the trailing slash: from: ${origin}`;
  if (path) return `from takes no path; write from: ${origin} and prefix: ${path.replace(/(.)\/+$/, '$1')}`;
  return FROM_SHAPE;
}

/** A route's active health checks (`health_check`), see docs/upstreams.md. */
const healthCheckSchema = v.strictObject({
  path: v.pipe(v.string(), v.startsWith('/', 'a health check path starts with /')),
  interval: duration('10s'),
  timeout: duration('2s'),
  healthy: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1, 'at least 1')), 2),
  unhealthy: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1, 'at least 1')), 3),
});

/** When a request may be sent to the next upstream member (`retry`). */
const retrySchema = v.strictObject({
  attempts: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1, 'at least 1'), v.maxValue(10, 'at most 10')), 2),
  on: v.optional(
    v.array(v.union([v.literal('connect_failure'), v.pipe(v.number(), v.integer(), v.minValue(500), v.maxValue(599))], 'expected connect_failure or a 5xx status such as 502')),
    ['connect_failure', 502, 503, 504],
  ),
});

const SERVER_NAME = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/i;

const routeKeys = v.strictObject({
  from: v.pipe(
    v.string(),
    inputShape('route-from'),
    v.check((s) => FROM.test(s), (issue) => fromProblem(String(issue.input))),
  ),
  ...routePathEntries,
  to: v.union([absoluteUrl, v.pipe(v.array(absoluteUrl), v.minLength(1, 'list at least one upstream'))]),
  policy: v.optional(policySchema),
  pass_identity_headers: v.optional(v.boolean(), false),
  set_request_headers: v.optional(headerMap('request'), {}),
  remove_request_headers: v.optional(headerNames, []),
  set_response_headers: v.optional(headerMap('response'), {}),
  preserve_host_header: v.optional(v.boolean(), false),
  timeout: duration('30s'),
  allow_websockets: v.optional(v.boolean(), false),
  /** Forward `%2F`/`%5C` in paths untouched (routed by the strict reading) instead of `400 ambiguous_path`. */
  allow_encoded_slashes: v.optional(v.boolean(), false),
  /** Upstream TLS: PEM text, normally given as `tls_custom_ca_file` etc.; checked and parsed in src/proxy/upstream-tls.ts. */
  tls_custom_ca: v.optional(v.string()),
  tls_server_name: v.optional(v.pipe(v.string(), v.regex(SERVER_NAME, 'expected a host name like api.internal, without scheme or port'))),
  tls_client_cert: v.optional(v.string()),
  tls_client_key: v.optional(v.string()),
  tls_skip_verify: v.optional(v.boolean(), false),
  lb_policy: v.optional(v.picklist(['round_robin', 'least_request', 'random', 'first']), 'round_robin'),
  health_check: v.optional(healthCheckSchema),
  retry: v.optional(retrySchema),
  plugins: v.optional(v.array(pluginEntrySchema), []),
});

/** A route: its keys, then the rules between its path keys (src/config/route-path-keys.ts). */
export const routeSchema = v.pipe(routeKeys, checkPathKeys<RouteKeys>(), withDefaultPrefix<RouteKeys>());
type RouteKeys = v.InferOutput<typeof routeKeys>;

const listen = v.pipe(
  v.union([v.string(), v.number()]),
  inputShape('listen'),
  v.transform(String),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const parsed = parseListen(dataset.value);
    if (!parsed) {
      addIssue({ message: 'expected host:port like ":8080" or "127.0.0.1:8080"' });
      return NEVER;
    }
    return parsed;
  }),
);

export const configSchema = v.pipe(v.strictObject({
  listen: v.optional(listen, ':8080'),
  /** One certificate `{ cert, key }` or several chosen by SNI `[{ cert, key, hosts }]`; see docs/tls.md. */
  tls: v.optional(tlsSchema),
  workers: v.optional(v.union([v.pipe(v.number(), v.integer(), v.minValue(1)), v.literal('auto')]), 1),
  /** A plain-HTTP listener that redirects every request to the HTTPS one (needs `tls`). */
  http_redirect_listen: v.optional(listen),
  /** The port those redirects name; default: the port of `listen`. */
  http_redirect_to_port: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535))),
  shutdown_timeout: duration('10s'),
  /** Peers (CIDRs) whose `X-Forwarded-For` / `Forwarded` are believed; nobody's by default. */
  trusted_proxies: v.optional(v.array(v.string()), []),
  /** Pass request headers whose names contain `_` (nginx `underscores_in_headers`); dropped by default. */
  underscores_in_headers: v.optional(v.boolean(), false),
  /** Re-read the config when its file changes (SIGHUP always does). */
  watch: v.optional(v.boolean(), true),
  log: v.optional(
    v.strictObject({
      level: v.optional(v.picklist(['debug', 'info', 'warn', 'error']), 'info'),
      access_log: v.optional(v.boolean(), true),
    }),
    {},
  ),
  admin: v.optional(
    v.strictObject({
      listen,
      /** Bearer token that guards the session endpoints (`/sessions`); without it they are off. */
      token: v.optional(v.pipe(v.string(), v.minLength(16, 'use a token of at least 16 characters'))),
    }),
  ),
  /**
   * Where state shared by workers and machines lives: `memory` (one process), `sqlite:PATH` (one
   * machine), `redis://…` / `rediss://…` (many). A string, or an object with options. Default:
   * `memory`, or a SQLite file next to the config when `workers` is above 1.
   */
  state: v.optional(
    v.pipe(
      v.union([v.pipe(v.string(), inputShape('state-url')), v.strictObject({ url: v.pipe(v.string(), inputShape('state-url')), prefix: v.optional(v.string()), grace: v.optional(v.pipe(v.union([v.string(), v.number()]), inputShape('duration'))), timeout: v.optional(v.pipe(v.union([v.string(), v.number()]), inputShape('duration'))) })], 'expected memory, sqlite:PATH or redis://… (or { url, prefix, grace, timeout })'),
      v.transform((value) => (typeof value === 'string' ? { url: value } : value)),
      v.object({
        url: v.pipe(
          v.string(),
          v.check((u) => u === 'memory' || u.startsWith('sqlite:') || /^rediss?:\/\//.test(u), 'expected memory, sqlite:PATH, redis://host:port/db or rediss://…'),
        ),
        prefix: v.optional(v.string(), 'gatehouse:'),
        grace: duration('60s'),
        timeout: duration('1s'),
      }),
    ),
  ),
  authenticate: v.optional(
    v.strictObject({
      url: absoluteUrl,
      provider: v.picklist(['oidc', 'static']),
      /** The sign-in page's look; see `branding.ts` for why each value is held so tightly. */
      branding: v.optional(
        v.strictObject({
          title: v.optional(v.pipe(v.string(), v.minLength(1, 'expected a short title'), v.maxLength(60, 'keep the title to 60 characters'))),
          logo_url: v.optional(
            v.pipe(
              v.string(),
              v.check((s) => logoUrlProblem(s) === undefined, (issue) => logoUrlProblem(String(issue.input)) ?? ''),
            ),
          ),
          accent_color: v.optional(
            v.pipe(
              // An unquoted `#1a5fb4` is a YAML comment, which leaves the key empty (null).
              v.string('expected a quoted hex colour like "#1a5fb4" (an unquoted # starts a YAML comment)'),
              v.regex(HEX_COLOUR, 'expected a hex colour like "#1a5fb4" or "#15b"'),
            ),
          ),
        }),
      ),
      oidc: v.optional(
        v.strictObject({
          issuer: absoluteUrl,
          client_id: v.string(),
          client_secret: v.optional(v.string()),
          scopes: v.optional(stringList, ['openid', 'email', 'profile']),
          groups_claim: v.optional(v.string(), 'groups'),
        }),
      ),
      static: v.optional(
        v.strictObject({
          users: v.array(
            v.strictObject({
              email: v.string(),
              password_hash: v.string(),
              name: v.optional(v.string()),
              groups: v.optional(stringList, []),
            }),
          ),
        }),
      ),
    }),
  ),
  session: v.optional(
    v.strictObject({
      cookie_name: v.optional(v.string(), '_gatehouse'),
      cookie_domain: v.optional(v.string()),
      cookie_secure: v.optional(v.boolean(), true),
      cookie_http_only: v.optional(v.boolean(), true),
      cookie_same_site: v.optional(v.picklist(['lax', 'strict', 'none']), 'lax'),
      ttl: duration('14h'),
      /** A session unused this long is refused (needs shared state to count use across instances). */
      idle_timeout: v.optional(duration('0s')),
      signing_key: v.optional(v.union([v.string(), v.array(v.string())])),
    }),
    {},
  ),
  service_tokens: v.optional(
    v.array(v.strictObject({ name: v.string(), client_id: v.string(), client_secret: v.string() })),
    [],
  ),
  routes: v.pipe(v.array(routeSchema), v.minLength(1, 'list at least one route')),
}), v.rawCheck(({ dataset, addIssue }) => {
  if (!dataset.typed) return;
  for (const p of listenerKeyProblems(dataset.value)) addIssue({ message: p.message, path: issuePath(p.path) });
}));

export type Config = v.InferOutput<typeof configSchema>;
export type RouteConfig = v.InferOutput<typeof routeSchema>;
export type PluginEntry = v.InferOutput<typeof pluginEntrySchema>;
