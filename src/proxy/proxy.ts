import type { RequestContext, Upstream } from '../plugin-api/index.ts';
import { stripHopByHop } from './hop-by-hop.ts';
import { retryPlan } from './retry.ts';
import { RouteTarget } from './route-target.ts';
import { UpstreamPool, type PoolMember } from './upstream-pool.ts';
import { isWebSocketRequest, upgradedResponse, type TunnelData } from './websocket.ts';

/** Cookie and header names a route's plugins read as credentials, never forwarded upstream. */
export interface ConsumedCredentials {
  /** The trust cookie plus what plugins named through `stripFromUpstream`. */
  cookies: Set<string>;
  /** Lower-case. */
  headers: Set<string>;
}

/** Per-route header work, compiled once at config load. */
export interface ProxyRoute {
  preserveHost: boolean;
  removeRequestHeaders: readonly string[];
  setResponseHeaders: readonly [string, string][];
  consumed: ConsumedCredentials;
  /** Pass request headers whose names contain `_` (dropped by default: `X_Gatehouse_X` = `X-Gatehouse-X` to CGI/WSGI). */
  underscoresInHeaders: boolean;
  allowWebsockets: boolean;
  /** The route's own upstream: only its `Location`s are rewritten (a plugin's upstream maps its own). */
  ownUpstream?: Upstream;
  /** Signs the identity assertion for `X-Gatehouse-Jwt-Assertion`. */
  signAssertion(ctx: RequestContext): Promise<string | undefined>;
}

const ASSERTION_HEADER = 'x-gatehouse-jwt-assertion';

/**
 * Headers that claim facts about the client, its identity or the original URL. Upstreams (and
 * frameworks such as Symfony, Spring, IIS rewrite modules, or apps moved from oauth2-proxy,
 * Pomerium, Cloudflare Access, ALB) believe them, so only Gatehouse may set them.
 */
const CLIENT_CLAIMS = new Set([
  'forwarded',
  'x-real-ip',
  'x-client-ip',
  'client-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'fastly-client-ip',
  'x-cluster-client-ip',
  'x-proxyuser-ip',
  'x-rewrite-url',
  'x-host',
  'x-url-scheme',
  'front-end-https',
  'x-arr-ssl',
  'remote-user',
  'x-user',
  'x-email',
  'x-client-cert',
]);
const CLIENT_CLAIM_PREFIXES = [
  'x-forwarded-',
  'x-original-',
  'x-envoy-',
  'x-remote-',
  'x-auth-request-',
  'x-amzn-oidc-',
  'cf-access-',
  'x-goog-authenticated-',
  'x-pomerium-',
  'ssl-client-',
  'x-ssl-',
];

/**
 * Whether only Gatehouse may set `name` (lower-case, `-` spelling): client-sent `X-Gatehouse-*`
 * (upstreams trust them as Gatehouse's own) and claims about the client.
 */
function isGatehouseOnly(name: string): boolean {
  let verdict = gatehouseOnlyVerdicts.get(name);
  if (verdict === undefined) {
    verdict = name.startsWith('x-gatehouse-') || CLIENT_CLAIMS.has(name) || CLIENT_CLAIM_PREFIXES.some((prefix) => name.startsWith(prefix));
    // Bounded: a client inventing names must not grow it; past the cap, names are judged afresh.
    if (gatehouseOnlyVerdicts.size < 4096) gatehouseOnlyVerdicts.set(name, verdict);
  }
  return verdict;
}
// The same few header names arrive on every request; their verdicts are kept.
const gatehouseOnlyVerdicts = new Map<string, boolean>();

/** Method overrides turn an exempted preflight or GET into a DELETE at frameworks that honour them. */
const METHOD_OVERRIDES = new Set(['x-http-method-override', 'x-method-override', 'x-http-method']);

/** Methods whose body means nothing; an exempted one is forwarded without a body. */
const BODILESS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Sends the request to `ctx.upstream` and streams the answer back: bodies are never buffered,
 * hop-by-hop headers and client-sent `X-Gatehouse-*` headers never pass, a refused connection
 * moves on to the next member of the pool, the route's timeout gives 504 and any other failure
 * 502.
 */
export async function proxyRequest(
  ctx: RequestContext,
  route: ProxyRoute,
  upgrade?: (data: TunnelData) => boolean,
): Promise<Response> {
  const { request } = ctx;
  const target = ctx.upstream;
  const headers = upstreamRequestHeaders(ctx, route);
  if (target.passIdentityHeaders && ctx.identity) {
    const assertion = await route.signAssertion(ctx);
    if (assertion) headers.set(ASSERTION_HEADER, assertion);
  }

  const pool = target.upstream;
  if (!(pool instanceof UpstreamPool)) {
    // Only services.upstream() makes upstreams; a look-alike object has no members to send to.
    ctx.log.error('upstream is not one services.upstream() made', { route: ctx.route.id });
    return ctx.error(502, 'upstream_unavailable');
  }
  const members = pool.order();
  if (members.length === 0) {
    // Every member is out (cooling down or failing health checks): say so now, not after a timeout.
    return ctx.error(503, 'upstream_unavailable', undefined, { 'retry-after': String(pool.retryAfterSeconds()) });
  }
  if (route.allowWebsockets && upgrade && isWebSocketRequest(request)) {
    // Browsers send cookies with a WebSocket handshake from any site and CORS does not apply:
    // only the route's own origin, or one the route's CORS plugin allowed, may open a tunnel.
    const origin = request.headers.get('origin');
    if (origin !== null && origin !== ctx.url.origin && origin !== ctx.allowedOrigin) {
      ctx.log.warn('WebSocket upgrade refused: foreign Origin', { origin });
      return ctx.error(403, 'origin_not_allowed');
    }
    return tunnel(ctx, headers, members[0]!.base, members[0]!.basePath + target.path, upgrade);
  }
  // An exemption waives auth for what the rule describes, not for a payload smuggled along.
  const body = ctx.exemption && BODILESS.has(request.method) ? null : request.body;
  const hasBody = body !== null;
  const rewriteLocation = target.upstream === route.ownUpstream;
  const plan = retryPlan(pool.retry, request.method, hasBody);
  for (let attempt = 0; ; attempt++) {
    const member = members[attempt % members.length]!;
    const url = member.base.origin + member.basePath + target.path;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), pool.timeoutMs);
    pool.sending(member);
    const sentAt = performance.now();
    try {
      const response = await fetch(url, {
        method: request.method,
        headers,
        body,
        redirect: 'manual',
        signal: abort.signal,
        // Pass bytes through as the upstream encoded them.
        decompress: false,
        tls: pool.tls,
      });
      clearTimeout(timer);
      pool.answered(member, performance.now() - sentAt);
      if (plan.statuses?.has(response.status) && attempt + 1 < plan.attempts) {
        // Nothing has reached the client yet: drop this answer and ask the next member.
        void response.body?.cancel().catch(() => {});
        ctx.log.info('upstream answered a status the route retries; trying the next member', { upstream: url, status: response.status });
        continue;
      }
      return downstreamResponse(response, route, rewriteLocation ? { member, publicOrigin: ctx.url.origin } : undefined);
    } catch (error) {
      clearTimeout(timer);
      if (abort.signal.aborted) {
        // The timeout runs while the body arrives, so a client sending it slowly times out; that
        // says nothing of the member and must not take it out for everyone.
        pool.timedOut(member, ctx.log, { countsAgainstMember: !hasBody });
        ctx.log.warn('upstream timed out', { upstream: url, timeout_ms: pool.timeoutMs });
        return ctx.error(504, 'upstream_timeout');
      }
      const failure = pool.failed(member, error, ctx.log);
      // Only a request that never reached a member goes to the next one (never back to one that failed).
      const next = attempt + 1;
      if (failure.beforeSend && pool.retry.onConnectFailure && next < plan.attempts && next < members.length) continue;
      ctx.log.warn('upstream failed', { upstream: url, reason: failure.reason, ...(failure.code ? { code: failure.code } : {}) });
      return ctx.error(502, 'upstream_unavailable');
    }
  }
}

function upstreamRequestHeaders(ctx: RequestContext, route: ProxyRoute): Headers {
  const headers = new Headers(ctx.request.headers);
  const { consumed, underscoresInHeaders } = route;
  const exempted = ctx.exemption !== null;
  // One pass: hop-by-hop, client-sent X-Gatehouse-* (upstreams trust them as Gatehouse's own),
  // claims about the client, credentials plugins consumed, and `_` names (which CGI and WSGI
  // read as `-`, so `X_Gatehouse_Jwt_Assertion` would pass as the assertion).
  const present = stripHopByHop(headers, (name) => {
    if (name.includes('_')) {
      if (!underscoresInHeaders) return true;
      // Passed on, `_` still reads as `-` upstream: judge the name as it will be read.
      name = name.replaceAll('_', '-');
    }
    return isGatehouseOnly(name) || consumed.headers.has(name) || (exempted && METHOD_OVERRIDES.has(name));
  });
  // `present` is the headers before stripping: ask again only when a header was there at all.
  const cookie = present.cookie !== undefined ? headers.get('cookie') : null;
  if (cookie) {
    const kept = withoutCookies(cookie, consumed.cookies);
    if (kept) headers.set('cookie', kept);
    else headers.delete('cookie');
  }
  // Repeated identical Content-Length headers arrive joined ("5, 5"); fetch refuses that form.
  const length = typeof present['content-length'] === 'string' && present['content-length'].includes(',') ? headers.get('content-length') : null;
  if (length?.includes(',')) headers.set('content-length', length.split(',', 1)[0]!.trim());
  for (const name of route.removeRequestHeaders) headers.delete(name);
  const target = ctx.upstream;
  for (const [name, value] of target instanceof RouteTarget ? target.entries() : target.headers) headers.set(name, value);
  const url = ctx.url;
  headers.set('x-forwarded-for', ctx.clientIp);
  headers.set('x-forwarded-proto', url.protocol.slice(0, -1));
  headers.set('x-forwarded-host', url.host);
  headers.set('x-forwarded-port', url.port || (url.protocol === 'https:' ? '443' : '80'));
  headers.set('x-request-id', ctx.requestId);
  headers.set('traceparent', ctx.trace.traceparent);
  if (ctx.trace.tracestate !== undefined) headers.set('tracestate', ctx.trace.tracestate);
  else if (present.tracestate !== undefined) headers.delete('tracestate');
  if (route.preserveHost) headers.set('host', url.host);
  else headers.delete('host');
  return headers;
}

/**
 * Edits the upstream response's headers in place: re-wrapping it costs a copy per request. With
 * `location`, a `Location` on the upstream's own origin is moved to the client's origin (nginx
 * `proxy_redirect default`), so browsers are never sent to an internal address.
 */
function downstreamResponse(upstream: Response, route: ProxyRoute, location?: { member: PoolMember; publicOrigin: string }): Response {
  const headers = upstream.headers;
  const present = stripHopByHop(headers);
  if (location && present.location !== undefined) {
    const value = headers.get('location');
    if (value) {
      const mapped = publicLocation(value, location.member, location.publicOrigin);
      if (mapped !== value) headers.set('location', mapped);
    }
  }
  for (const [name, value] of route.setResponseHeaders) headers.set(name, value);
  return upstream;
}

/** `http://10.0.0.5:8080/base/x?y` → `https://app.example.test/x?y` when it names the member. */
export function publicLocation(value: string, member: PoolMember, publicOrigin: string): string {
  if (!/^https?:\/\//i.test(value) || !URL.canParse(value)) return value;
  const url = new URL(value);
  if (url.origin !== member.base.origin) return value;
  let path = url.pathname;
  if (member.basePath) {
    if (path !== member.basePath && !path.startsWith(member.basePath + '/')) return value;
    path = path.slice(member.basePath.length) || '/';
  }
  return publicOrigin + path + url.search + url.hash;
}

/** The Cookie header without the named cookies, so upstreams never see a session. */
export function withoutCookies(header: string, names: ReadonlySet<string>): string {
  let present = false;
  for (const name of names) if (header.includes(name)) present = true;
  if (!present) return header;
  return header
    .split(';')
    .filter((part) => {
      const eq = part.indexOf('=');
      return !names.has((eq === -1 ? part : part.slice(0, eq)).trim());
    })
    .join(';')
    .trim();
}

const WEBSOCKET_HANDSHAKE = ['sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'sec-websocket-protocol'];

/** Upgrades the client and opens the same path on the upstream as a WebSocket. */
function tunnel(ctx: RequestContext, headers: Headers, base: URL, path: string, upgrade: (data: TunnelData) => boolean): Response {
  const protocols = (ctx.request.headers.get('sec-websocket-protocol') ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  for (const name of WEBSOCKET_HANDSHAKE) headers.delete(name);
  headers.delete('host');
  const upstreamUrl = `${base.protocol === 'https:' ? 'wss:' : 'ws:'}//${base.host}${path}`;
  const ok = upgrade({ upstreamUrl, headers: Object.fromEntries(headers), protocols, pending: [] });
  return ok ? upgradedResponse() : ctx.error(400, 'websocket_upgrade_failed');
}
