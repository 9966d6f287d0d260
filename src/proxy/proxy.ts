import type { RequestContext } from '../plugin-api/index.ts';
import { stripHopByHop } from './hop-by-hop.ts';
import { UpstreamPool } from './upstream-pool.ts';
import { isWebSocketRequest, upgradedResponse, type TunnelData } from './websocket.ts';

/** Per-route header work, compiled once at config load. */
export interface ProxyRoute {
  preserveHost: boolean;
  removeRequestHeaders: readonly string[];
  setResponseHeaders: readonly [string, string][];
  /** Name of the trust cookie, removed from what upstreams receive. */
  sessionCookie: string;
  allowWebsockets: boolean;
  /** Signs the identity assertion for `X-Gatehouse-Jwt-Assertion`. */
  signAssertion(ctx: RequestContext): Promise<string | undefined>;
}

const ASSERTION_HEADER = 'x-gatehouse-jwt-assertion';

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

  const pool = target.upstream as UpstreamPool;
  const members = pool.order();
  if (route.allowWebsockets && upgrade && isWebSocketRequest(request)) {
    return tunnel(ctx, headers, members[0]!.base, members[0]!.basePath + target.path, upgrade);
  }
  const hasBody = request.body !== null;
  for (let i = 0; i < members.length; i++) {
    const member = members[i]!;
    const url = member.base.origin + member.basePath + target.path;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), pool.timeoutMs);
    try {
      const response = await fetch(url, {
        method: request.method,
        headers,
        body: request.body,
        redirect: 'manual',
        signal: abort.signal,
        // Pass bytes through as the upstream encoded them.
        decompress: false,
      });
      clearTimeout(timer);
      return downstreamResponse(response, route);
    } catch (error) {
      clearTimeout(timer);
      const code = (error as { code?: string }).code;
      if (abort.signal.aborted) {
        ctx.log.warn('upstream timed out', { upstream: url, timeout_ms: pool.timeoutMs });
        return ctx.error(504, 'upstream_timeout');
      }
      if (code === 'ECONNREFUSED') pool.markDown(member);
      // A body stream can be sent once; only a body-less request may try the next member.
      if (code === 'ECONNREFUSED' && !hasBody && i < members.length - 1) continue;
      ctx.log.warn('upstream failed', { upstream: url, reason: code ?? (error as Error).message });
      return ctx.error(502, 'upstream_unavailable');
    }
  }
  return ctx.error(502, 'upstream_unavailable');
}

function upstreamRequestHeaders(ctx: RequestContext, route: ProxyRoute): Headers {
  const headers = new Headers(ctx.request.headers);
  const originalHost = headers.get('host') ?? ctx.url.host;
  // Client-sent X-Gatehouse-* never pass: upstreams trust them as Gatehouse's own.
  stripHopByHop(headers, 'x-gatehouse-');
  const cookie = headers.get('cookie');
  if (cookie) {
    const kept = withoutCookie(cookie, route.sessionCookie);
    if (kept) headers.set('cookie', kept);
    else headers.delete('cookie');
  }
  for (const name of route.removeRequestHeaders) headers.delete(name);
  for (const [name, value] of ctx.upstream.headers) headers.set(name, value);
  headers.set('x-forwarded-for', ctx.clientIp);
  headers.set('x-forwarded-proto', ctx.url.protocol.slice(0, -1));
  headers.set('x-forwarded-host', originalHost);
  headers.set('x-request-id', ctx.requestId);
  if (route.preserveHost) headers.set('host', originalHost);
  else headers.delete('host');
  return headers;
}

/** Edits the upstream response's headers in place: re-wrapping it costs a copy per request. */
function downstreamResponse(upstream: Response, route: ProxyRoute): Response {
  const headers = upstream.headers;
  stripHopByHop(headers);
  for (const [name, value] of route.setResponseHeaders) headers.set(name, value);
  return upstream;
}

/** The Cookie header without the trust cookie, so upstreams never see the session. */
export function withoutCookie(header: string, name: string): string {
  if (!header.includes(name)) return header;
  return header
    .split(';')
    .filter((part) => {
      const eq = part.indexOf('=');
      return (eq === -1 ? part : part.slice(0, eq)).trim() !== name;
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
