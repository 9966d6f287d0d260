/**
 * Gatehouse's public plugin API: the only module a plugin (built-in or a user's) may import,
 * and only for types. Everything a plugin needs at run time arrives through `create()`'s
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
  readonly log: Logger;
  /** Per-request scratch space; key it with a Symbol owned by your plugin. */
  readonly state: Map<symbol | string, unknown>;
  /**
   * A JSON error response `{"error": code, "request_id": …, ...extra}` with the request id
   * header. Use it for every error a plugin answers with, so clients see one shape.
   */
  error(status: number, code: string, extra?: Record<string, unknown>, headers?: HeadersInit): Response;
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

/** A small in-memory store whose entries expire. */
export interface TtlStore<V> {
  get(key: string): V | undefined;
  set(key: string, value: V, ttlMs: number): void;
  delete(key: string): boolean;
  /** Increments a counter that expires `ttlMs` after it was created; returns the new count. */
  incr(key: string, ttlMs: number): number;
}

/** JWT helpers bound to Gatehouse's own keys and to remote key sets. */
export interface JwtServices {
  /** Signs `claims` with Gatehouse's active key (ES256, `kid` set). */
  sign(claims: Record<string, unknown>, options: { audience: string; ttlSeconds: number }): Promise<string>;
  /**
   * Verifies a token issued by this Gatehouse (trust cookie or token endpoint) and returns its
   * identity, or null when it is invalid in any way. Results are cached by the exact token
   * string until `exp`, in the cache all auth plugins share. `audience` defaults to
   * `"gatehouse"` (the trust cookie's); with a list, any one of them must match.
   */
  verifyOwn(token: string, options?: { audience?: string | string[] }): Promise<Identity | null>;
  /**
   * Builds, once at load, a verifier for an external issuer. The verifier returns the
   * token's claims, or throws a `Error` whose message says why the token was refused. When the
   * issuer's JWKS could not be fetched (so the token could not be judged), the Error's `code`
   * is `'ERR_JWKS_UNAVAILABLE'`. Results are cached like `verifyOwn`'s.
   */
  verifier(options: ExternalIssuer): (token: string) => Promise<Record<string, unknown>>;
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
  ttlStore<V>(options?: { maxEntries?: number }): TtlStore<V>;
  /** `fetch` that gives up after `timeoutMs` (default 5000). */
  fetch(input: string | URL | Request, init?: RequestInit & { timeoutMs?: number }): Promise<Response>;
  /** Reads a `${VAR}` / file secret the same way the config loader does. */
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
