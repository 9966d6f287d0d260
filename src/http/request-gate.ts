/**
 * The request gate: the only place that reads the request target, `Host` and the peer's
 * forwarding headers. Everything after it (routing, `ctx.url`, `X-Forwarded-Host`, token
 * audiences, the access log) uses the one URL and client address it produces.
 */
import type { CidrSet } from './cidr.ts';
import { createClientAddress } from './client-address.ts';
import { createForwardedScheme } from './forwarded-scheme.ts';
import { parseHost, type ParsedHost } from './host-header.ts';

export interface GatedRequest {
  /**
   * Scheme (the connection's, or what a trusted proxy says the client used), the validated Host,
   * and the path and query as Bun parsed them (dots resolved).
   */
  url: URL;
  host: ParsedHost;
  /** The client's address: the peer, or what trusted proxies say for it. */
  clientIp: string;
}

export interface GateRefusal {
  status: number;
  code: string;
  message: string;
  /** A machine-readable detail, e.g. `fragment`. */
  reason?: string;
  headers?: Record<string, string>;
}

/** Methods that never go anywhere: tunnels and loop-backs are not a gateway's business. */
const REFUSED_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
const ALLOW = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';

/**
 * Builds the gate. Options: `trustedProxies` (default none: forwarding headers are never read;
 * from those peers `X-Forwarded-For` names the client and `X-Forwarded-Proto` the scheme).
 * Bun answers `OPTIONS *` and targets that are neither origin- nor absolute-form with its own
 * 400 before any of this runs, and replaces an absolute-form authority with `Host`, so the URL
 * it hands over always names the Host that is validated here.
 */
export function createRequestGate(options: { trustedProxies?: CidrSet | null } = {}) {
  const clientAddress = createClientAddress(options.trustedProxies ?? null);
  const forwardedScheme = createForwardedScheme(options.trustedProxies ?? null);
  // The same few Host values arrive on every request; their verdicts are kept (bounded).
  const hosts = new Map<string, ParsedHost | string>();
  const hostOf = (value: string | null, scheme: string): ParsedHost | string => {
    if (value === null) return parseHost(value, scheme);
    const key = scheme === 'https:' ? `s${value}` : value;
    let parsed = hosts.get(key);
    if (parsed === undefined) {
      parsed = parseHost(value, scheme);
      if (hosts.size >= 1024) hosts.clear();
      hosts.set(key, parsed);
    }
    return parsed;
  };
  return function gate(request: Request, peer: string): GatedRequest | GateRefusal {
    if (REFUSED_METHODS.has(request.method.toUpperCase())) {
      return { status: 405, code: 'method_not_allowed', message: `${request.method} is not served`, headers: { allow: ALLOW } };
    }
    const raw = request.url;
    const own = raw.startsWith('https://') ? 'https:' : raw.startsWith('http://') ? 'http:' : undefined;
    const scheme = own && (forwardedScheme(peer, request.headers) ?? own);
    // Host first: Bun hands over a bare path when it could not make a URL of the Host it got.
    const host = hostOf(request.headers.get('host'), scheme ?? 'http:');
    if (typeof host === 'string') return { status: 400, code: 'bad_host', message: host };
    if (!own || !scheme) return { status: 400, code: 'bad_request', message: 'the request target must be a path' };
    const target = pathAndQuery(raw, own.length + 2);
    if (target.includes('#')) return { status: 400, code: 'bad_request', reason: 'fragment', message: 'a request target has no #fragment' };
    let url: URL;
    try {
      url = new URL(`${scheme}//${host.host}${target}`);
    } catch {
      return { status: 400, code: 'bad_request', message: 'unparseable request target' };
    }
    return { url, host, clientIp: clientAddress(peer, request.headers) };
  };
}

/** What follows the authority of `url` (which starts at `from`): always begins with `/`. */
function pathAndQuery(url: string, from: string | number): string {
  for (let i = Number(from); i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 47) return url.slice(i);
    if (c === 63 || c === 35) return '/' + url.slice(i);
  }
  return '/';
}

export function isRefusal(result: GatedRequest | GateRefusal): result is GateRefusal {
  return (result as GateRefusal).code !== undefined;
}
