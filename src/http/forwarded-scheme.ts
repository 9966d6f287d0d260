/**
 * The scheme the client used, when a trusted proxy says so. Behind a load balancer that ends TLS,
 * Gatehouse hears plain HTTP; without this, return URLs after sign-in, the upstream's
 * `X-Forwarded-Proto` and `-Port`, and the page origin a WebSocket handshake is checked against
 * would all say `http:`. Only a peer in `trusted_proxies` is believed, like for the client's
 * address: from anyone else the headers are ignored (and never reach the upstream).
 */
import { parseIp, type CidrSet } from './cidr.ts';

/**
 * Returns `(peer, headers) => 'https:' | 'http:' | undefined`. From a trusted peer it reads
 * `X-Forwarded-Proto`, or without it `proto=` of `Forwarded`'s last element; of several entries
 * the last one counts, the statement of the proxy nearest Gatehouse (the earlier ones may be the
 * client's own). Any value but `http` or `https` says nothing. With no trusted proxies, always
 * `undefined`, and no header is read.
 */
export function createForwardedScheme(trusted: CidrSet | null): (peer: string, headers: Headers) => 'https:' | 'http:' | undefined {
  if (!trusted) return () => undefined;
  return (peer, headers) => {
    if (!trusted.contains(parseIp(peer))) return undefined;
    const proto = headers.get('x-forwarded-proto');
    const stated = proto !== null ? lastEntry(proto) : forwardedProto(headers.get('forwarded'));
    const scheme = stated?.trim().toLowerCase();
    return scheme === 'https' ? 'https:' : scheme === 'http' ? 'http:' : undefined;
  };
}

function lastEntry(list: string): string {
  return list.slice(list.lastIndexOf(',') + 1);
}

/** `proto=` of the last `Forwarded` element, unquoted. */
function forwardedProto(header: string | null): string | undefined {
  if (header === null) return undefined;
  const pair = lastEntry(header)
    .split(';')
    .map((p) => p.trim())
    .find((p) => p.toLowerCase().startsWith('proto='));
  return pair?.slice(6).replace(/^"(.*)"$/, '$1');
}
