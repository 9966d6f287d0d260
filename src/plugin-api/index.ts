/**
 * Gatehouse's public plugin API: the only module a plugin (built-in or a user's) may import,
 * for types and the two runtime exports `definePlugin` and `OptionProblems`, which the binary
 * serves itself. Everything else a plugin needs at run time arrives through `create()`'s
 * `services` argument, so a plugin file runs under the compiled binary with no node_modules.
 */
import type * as Valibot from 'valibot';

export type { Valibot };

/** Any valibot schema; a plugin's options are the schema's output type. */
export type OptionsSchema = Valibot.GenericSchema<unknown, unknown>;

/** Who the caller is, as established by an auth plugin. */
export interface Identity {
  /** Stable subject: the IdP `sub`, the static user's email, or `service:<name>`. */
  subject: string;
  kind: 'user' | 'service';
  email?: string;
  name?: string;
  groups: string[];
  /** Every claim of the token that established the identity. */
  claims: Record<string, unknown>;
  /** Name of the plugin that authenticated the request. */
  via: string;
  /** Session id (`sid`) for users signed in through Gatehouse. */
  sessionId?: string;
}

/** Set when a plugin waives authentication for this request. */
export interface Exemption {
  /** The plugin that granted it. */
  plugin: string;
  /** The rule that matched; logged in the access log. */
  rule: string;
}

/** A set of upstream servers, made once at config load by `services.upstream()`. */
export interface Upstream {
  /** The configured URLs, for logs and diagnostics. */
  readonly urls: readonly string[];
  /** Per-request timeout in milliseconds. */
  readonly timeoutMs: number;
}

/** Where the request will be proxied to; plugins may change any part before calling `next()`. */
export interface UpstreamTarget {
  upstream: Upstream;
  /**
   * Path and query sent to the upstream, percent-encoding preserved, appended to the
   * upstream URL's own base path. Starts with `/`.
   */
  path: string;
  /** Extra request headers for the upstream (credentials, signatures). Never logged. */
  headers: Headers;
  /** Add the signed `X-Gatehouse-Jwt-Assertion` header. */
  passIdentityHeaders: boolean;
}

/** What a plugin can see of the route the request matched. */
export interface RouteInfo {
  /** `routes[3]` style id, used in logs and errors. */
  readonly id: string;
  /** The `from` value as configured. */
  readonly from: string;
  /** Scheme and host (with port if not the default) of the route, e.g. `https://api.example.test`. */
  readonly origin: string;
  readonly prefix: string;
  readonly policy: Readonly<Policy>;
}

export interface Policy {
  public?: boolean;
  allow_any_authenticated_user?: boolean;
  allow?: {
    emails?: string[];
    domains?: string[];
    groups?: string[];
    claims?: Record<string, unknown>;
    services?: string[];
  };
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger whose lines all carry `fields`. */
  child(fields: Record<string, unknown>): Logger;
}

/** The per-request context every plugin of the route's pipeline shares. */
export interface RequestContext {
  readonly requestId: string;
  /** The client's request. Plugins may replace it (e.g. with changed headers). */
  request: Request;
  /** The request URL as the client addressed it (scheme, host, path, query). */
  readonly url: URL;
  /** Address of the TCP peer. */
  readonly clientIp: string;
  readonly route: RouteInfo;
  identity: Identity | null;
  exemption: Exemption | null;
  /**
   * The request's `Origin`, once a CORS plugin of the route (`preflight`) has found it on its
   * allow list. WebSocket upgrades from an Origin other than the route's own are refused unless
   * this is set.
   */
  allowedOrigin: string | null;
  upstream: UpstreamTarget;
  /** The W3C trace this request belongs to; the upstream gets `trace.traceparent`. */
  readonly trace: TraceContext;
  readonly log: Logger;
  /** Per-request scratch space; key it with a Symbol owned by your plugin. */
  readonly state: Map<symbol | string, unknown>;
  /**
   * A JSON error response `{"error": code, "request_id": …, ...extra}` with the request id
   * header. Use it for every error a plugin answers with, so clients see one shape.
   */
  error(status: number, code: string, extra?: Record<string, unknown>, headers?: HeadersInit): Response;
}

/**
 * W3C Trace Context of one request. `traceId` comes from the client's valid `traceparent` (or is
 * new); `spanId` is Gatehouse's own hop, the parent the upstream sees.
 */
export interface TraceContext {
  readonly traceId: string;
  readonly spanId: string;
  /** The client's span, when it sent a valid `traceparent`. */
  readonly parentSpanId?: string;
  /** What the upstream receives as `traceparent`. */
  readonly traceparent: string;
  /** The client's `tracestate`, passed on only with a valid `traceparent`. */
  readonly tracestate?: string;
}

export type Next = () => Promise<Response>;
export type Handler = (ctx: RequestContext, next: Next) => Response | Promise<Response>;

export interface PluginInstance {
  handle: Handler;
  /** Runs once when the config this instance belongs to is retired (reload or shutdown). */
  close?(): void | Promise<void>;
}

/** A counter exported on the admin `/metrics` endpoint. */
export interface Counter {
  inc(labels?: Record<string, string>, by?: number): void;
}

/** What `incr` answers: the count in the key's window, and when that window ends. */
export interface TtlCount {
  /** The count after this call (1 when the window started with it). */
  count: number;
  /** When the window, and so the count, ends: milliseconds since the epoch, as `Date.now()`. */
  expiresAt: number;
}

/**
 * A small in-memory store whose entries expire, private to this plugin instance in this process
 * (each worker and machine has its own; see {@link SharedTtlStore} for one they all share).
 */
export interface TtlStore<V> {
  get(key: string): V | undefined;
  set(key: string, value: V, ttlMs: number): void;
  delete(key: string): boolean;
  /**
   * Increments a counter that expires `ttlMs` after it was created (later calls keep that
   * expiry); returns the new count and when its window ends. It used to return the bare count:
   * the result still compares and adds like one (`incr(k, t) > limit` works), `===` does not, so
   * read `.count`.
   */
  incr(key: string, ttlMs: number): TtlCount;
}

/**
 * A store whose entries expire, kept in Gatehouse's shared state (the config's `state:`), so
 * every worker and every machine of the deployment sees the same entries: a limit counted here
 * holds across all of them. Keys are the plugin's own: namespaced by route and plugin
 * (`plugin:<route id>:<plugin name>:<key>`), so two plugins never collide; the same plugin on the
 * same route finds its entries from every process, and after a reload unless the state is
 * `memory` (prefix keys to keep apart several kinds of entries, or two uses of one plugin on a
 * route). Values are stored as JSON.
 *
 * Every call is bounded by the state's `timeout` (default 1 s) and rejects with an Error named
 * `StateUnavailableError` when the state cannot answer (Redis down, SQLite locked): catch it and
 * decide whether the request goes through (fail open) or is refused (fail closed). Other
 * rejections are bugs: a value JSON cannot encode, a non-positive `ttlMs`, `incr` on a key that
 * holds something other than a whole number.
 */
export interface SharedTtlStore<V> {
  /** The live value, or undefined when absent or expired. */
  get(key: string): Promise<V | undefined>;
  /** Sets `key` to `value` (JSON-encoded), replacing any value, expiring `ttlMs` from now. */
  set(key: string, value: V, ttlMs: number): Promise<void>;
  /** Removes `key`; no error when absent. */
  delete(key: string): Promise<void>;
  /**
   * Atomically increments a counter that expires `ttlMs` after it was created (later calls keep
   * that expiry), across every process sharing the state; the new count and when its window ends.
   */
  incr(key: string, ttlMs: number): Promise<TtlCount>;
}

/** Options of `services.ttlStore()` for a store in this process's memory. */
export interface LocalTtlStoreOptions {
  /** Entries kept at most; beyond it the oldest is evicted. Default 10,000. */
  maxEntries?: number;
  /** `false` or absent: the store lives in this process (see {@link SharedTtlStore} for `true`). */
  shared?: false;
}

/** Options of `services.ttlStore()` for a store in the shared state. */
export interface SharedTtlStoreOptions {
  shared: true;
  /**
   * Accepted so a plugin can switch with one flag, but it bounds nothing: entries live in the
   * state, which drops them when they expire (the `memory` state keeps 100,000 at most).
   */
  maxEntries?: number;
}

/** What an external issuer's verifier concluded about one token. */
export type TokenVerdict =
  | { ok: true; claims: Record<string, unknown> }
  | {
      ok: false;
      /** Why the token was refused, fit for a `401` detail (never contains the token). */
      reason: string;
      /**
       * The token could not be judged because the issuer's keys could not be fetched (JWKS
       * unreachable or broken): the same token may pass later, so answer `503` with
       * `Retry-After` rather than `401`.
       */
      retryable: boolean;
    };

/** JWT helpers bound to Gatehouse's own keys and to remote key sets. */
export interface JwtServices {
  /** Signs `claims` with Gatehouse's active key (ES256, `kid` set). */
  sign(claims: Record<string, unknown>, options: { audience: string; ttlSeconds: number }): Promise<string>;
  /**
   * Verifies a token issued by this Gatehouse (trust cookie or token endpoint) and returns its
   * identity, or null when it is invalid in any way. Results are cached by the exact token
   * string until `exp`, in the cache all auth plugins share. `audience` defaults to
   * `session.audience` (the trust cookie's); with a list, any one of them must match.
   */
  verifyOwn(token: string, options?: { audience?: string | string[] }): Promise<Identity | null>;
  /**
   * Builds, once at load, a verifier for an external issuer; it never throws for a token, it
   * answers with a verdict. Results are cached like `verifyOwn`'s. Throws at build time for
   * contradictory options (no key source, HS* with a public key, `none`); warns (see
   * `PluginServices.warn`) when the keys would travel over plain http to a host that is not
   * this machine.
   */
  verifier(options: ExternalIssuer): (token: string) => Promise<TokenVerdict>;
  /**
   * Why `token` is not worth a signature check (empty, longer than Gatehouse verifies, not three
   * base64url parts), or null when its shape is fine. The same rule the verifiers apply.
   */
  shapeProblem(token: string): string | null;
  /**
   * The user identity verified `claims` establish, as Gatehouse builds it everywhere: `sub`
   * (null when it is not a non-empty string), `email` unless `email_verified: false`, `name`,
   * groups from `groupsClaim` (default `groups`), every claim kept; frozen.
   */
  identityFromClaims(claims: Record<string, unknown>, options: { via: string; groupsClaim?: string }): Identity | null;
}

export interface ExternalIssuer {
  issuer: string;
  audience: string | string[];
  jwks_url?: string;
  public_key_pem?: string;
  secret?: string;
  algorithms: string[];
  clockSkewSeconds: number;
  /** JWKS fetch timeout (default 3000 ms); an unreachable JWKS never holds a request longer. */
  jwksTimeoutMs?: number;
  /** Least time between two JWKS refetches caused by unknown `kid`s (default 30,000 ms). */
  jwksCooldownMs?: number;
}

/** Sign-in and session facts the auth plugins need. */
export interface SessionServices {
  /** The trust cookie's name. */
  readonly cookieName: string;
  /**
   * The `aud` of the trust cookie's token. List it in `jwt.verifyOwn`'s audiences to accept the
   * cookie's value sent as a bearer token.
   */
  readonly audience: string;
  /**
   * Makes this route's origin an audience `/.gatehouse/token` issues tokens for, so a page on
   * another origin can fetch a short-lived token for this route (verify it with
   * `jwt.verifyOwn(token, { audience: route.origin })`). Call it in `create()`; routes no plugin
   * called it for get `400 audience_not_allowed` there.
   */
  acceptIssuedTokens(): void;
  /** Where to send a browser to sign in and come back to `returnTo` (an absolute URL). */
  loginUrl(returnTo: string): string;
  /** Matches a service token's client id and secret (constant time); its identity or null. */
  serviceToken(clientId: string, clientSecret: string): Identity | null;
}

export interface CookieServices {
  /** The value of cookie `name` in the request, or undefined. */
  get(request: Request, name: string): string | undefined;
  /** A `Set-Cookie` header value. */
  serialize(
    name: string,
    value: string,
    attributes?: {
      domain?: string;
      path?: string;
      maxAge?: number;
      secure?: boolean;
      httpOnly?: boolean;
      sameSite?: 'lax' | 'strict' | 'none';
    },
  ): string;
}

/** Everything a plugin receives at load time. */
export interface PluginServices {
  /** valibot, the same copy Gatehouse validates with. */
  v: typeof Valibot;
  log: Logger;
  /** The route this plugin instance belongs to. */
  route: RouteInfo;
  /** Report a load-time warning; `gatehouse check` prints it, `run` logs it. */
  warn(message: string): void;
  /**
   * Credentials this plugin consumes itself, so no upstream of the route ever receives them:
   * cookies by name (removed from `Cookie`) and request headers by name. Call it in `create()`.
   */
  stripFromUpstream(what: { cookies?: readonly string[]; headers?: readonly string[] }): void;
  /** Makes an upstream (one URL or a round-robin list) that `ctx.upstream.upstream` can point at. */
  upstream(urls: string | string[], options?: { timeoutMs?: number }): Upstream;
  jwt: JwtServices;
  session: SessionServices;
  /** Path readings for plugins that match or rewrite paths (`path-prefix`, exemption globs). */
  paths: PathServices;
  /** Address parsing and CIDR ranges (`origin-exemption`'s `source_cidrs`). */
  ip: IpServices;
  cookies: CookieServices;
  counter(name: string, help: string): Counter;
  /**
   * A store whose entries expire. `{ shared: true }`: kept in the shared state, async, the same
   * for every worker and machine ({@link SharedTtlStore}); otherwise in this process's memory,
   * sync, bounded by `maxEntries` (default 10,000, oldest evicted) ({@link TtlStore}).
   */
  ttlStore<V>(options: SharedTtlStoreOptions): SharedTtlStore<V>;
  ttlStore<V>(options?: LocalTtlStoreOptions): TtlStore<V>;
  /** `fetch` that gives up after `timeoutMs` (default 5000). */
  fetch(input: string | URL | Request, init?: RequestInit & { timeoutMs?: number }): Promise<Response>;
  /**
   * Reads a secret the way the config loader resolves `${VAR}` and `_file` keys: `env: 'NAME'`
   * or `env: 'NAME:-default'` (the inside of `${…}`), `file` relative to the config's folder (one
   * trailing newline dropped), or `value` as is (option values are resolved already). Throws when
   * the variable is unset without a default, or the file cannot be read.
   */
  secret(value: { env?: string; file?: string; value?: string }): string;
  /** Constant-time string comparison for secrets. */
  timingSafeEqual(a: string, b: string): boolean;
  /** Directory of the config file, for resolving relative paths. */
  configDir: string;
}

/**
 * Why a raw path is unsafe to forward: some server in a chain could read it as a different path
 * than Gatehouse does. Checked in this order; the first one found is reported.
 */
export type PathHazard =
  | 'not_origin_form'
  | 'control_character'
  | 'backslash'
  | 'malformed_escape'
  | 'encoded_slash'
  | 'encoded_backslash'
  | 'encoded_control_character'
  | 'double_encoding'
  | 'invalid_utf8'
  | 'empty_segment'
  | 'dot_segment_variant'
  | 'unicode_lookalike';

/** The engine's path readings, the same ones its request gate refuses ambiguous paths with. */
export interface PathServices {
  /** The first reason the raw path (request-target before `?`) is unsafe to forward, or null. */
  hazard(rawPath: string): PathHazard | null;
  /**
   * The standard reading: unreserved escapes decoded (`%61` = `a`), split on `/`, `.`/`..`
   * resolved once. Each segment keeps its `raw` text for forwarding.
   */
  strictSegments(rawPath: string): { raw: string; decoded: string }[];
  /**
   * The sloppiest server's reading: every escape decoded repeatedly, NFKC-folded, `\` as `/`,
   * `;params` and empty segments dropped, dots resolved; `foldCase` lower-cases too.
   */
  lenientSegments(rawPath: string, options?: { foldCase?: boolean }): string[];
}

/** A compiled list of IPv4/IPv6 ranges. */
export interface IpRanges {
  /** Whether an address from `IpServices.parse` is in any range (never for null). */
  contains(ip: Uint8Array | null): boolean;
}

/** The engine's address parsing, the one `trusted_proxies` uses. */
export interface IpServices {
  /** IPv4 or IPv6 text to bytes (an IPv4-mapped IPv6 address becomes 4 bytes), or null. */
  parse(address: string): Uint8Array | null;
  /**
   * Compiles CIDRs (a bare address is one host). Each bad entry adds a problem to `problems`,
   * prefixed with `what`; an empty list is a problem too.
   */
  ranges(cidrs: readonly string[], what: string, problems: string[]): IpRanges;
}

/** Schemas for option types valibot does not have, parsed exactly as the gateway's own config. */
export interface OptionSchemas {
  /** A duration (`500ms`, `30s`, `1h30m`, or a number of seconds) as milliseconds; `fallback` when absent. */
  duration(fallback: string): Valibot.GenericSchema<string | number | undefined, number>;
  /**
   * Headers a plugin adds to upstream requests, checked like the route's `set_request_headers`:
   * token names, no line breaks or NUL in values, nothing that frames the message, never the
   * identity assertion. Numbers and booleans become strings; `{}` when absent.
   */
  requestHeaders(): Valibot.GenericSchema<Record<string, string | number | boolean> | undefined, Record<string, string>>;
  /** An RFC 9110 token (a header, cookie or method name); `what` names it in the error. */
  token(what: string): Valibot.GenericSchema<string, string>;
}

/** What a plugin module's default export is. */
export interface Plugin<S extends OptionsSchema = OptionsSchema> {
  name: string;
  /**
   * `auth` plugins establish identity; they are skipped once a plugin grants an exemption,
   * and a route with none gets `trust-cookie` added.
   */
  kind?: 'auth' | 'other';
  /**
   * `before-auth`: the plugin only works when it runs before the route's auth plugins (it answers
   * or exempts requests that carry no credentials, like CORS preflights). Gatehouse warns when a
   * route lists it after one.
   */
  placement?: 'before-auth';
  /** Builds the options schema from Gatehouse's valibot (so plugin files need no node_modules). */
  options?: (v: typeof Valibot, schemas: OptionSchemas) => S;
  create(
    options: Valibot.InferOutput<S>,
    services: PluginServices,
  ): Handler | PluginInstance | Promise<Handler | PluginInstance>;
}

/** Identity function that only exists to infer a plugin's option types. */
export function definePlugin<S extends OptionsSchema>(plugin: Plugin<S>): Plugin<S> {
  return plugin;
}

/** One problem with a plugin's options, at a key path relative to them (`['allow_origins', 2]`). */
export interface OptionProblem {
  at: (string | number)[];
  message: string;
}

/**
 * Throw it from `create()` to refuse options the schema could not judge alone (cross-checks,
 * values that need parsing). Gatehouse reports each problem at its own line and column in the
 * config file, as it does schema errors; report every problem found, not just the first.
 */
export class OptionProblems extends Error {
  readonly problems: readonly OptionProblem[];
  constructor(problems: readonly OptionProblem[]) {
    super(problems.map((p) => p.message).join('\n'));
    this.name = 'OptionProblems';
    this.problems = problems;
  }
}
