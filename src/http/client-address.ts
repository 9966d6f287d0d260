/**
 * The client's address. Only a peer in `trusted_proxies` may speak for someone else: from such a
 * peer the `X-Forwarded-For` chain (or, without one, `Forwarded: for=`) is read right to left
 * and the first address that is not itself a trusted proxy is the client. From anyone else the
 * headers are ignored, so nobody picks their own address for throttles, CIDR rules and logs.
 */
import { parseIp, type CidrSet } from './cidr.ts';

/** Returns `(peer, headers) => client address`; with no trusted proxies, always the peer. */
export function createClientAddress(trusted: CidrSet | null): (peer: string, headers: Headers) => string {
  if (!trusted) return (peer) => peer;
  const isTrusted = (ip: string) => trusted.contains(parseIp(ip));
  return (peer, headers) => {
    if (!isTrusted(peer)) return peer;
    const chain = forwardedChain(headers);
    let client = peer;
    for (let i = chain.length - 1; i >= 0; i--) {
      const hop = chain[i]!;
      // A garbled entry was written by whoever sent it: the last trusted hop is all we know.
      if (parseIp(hop) === null) return client;
      client = hop;
      if (!isTrusted(hop)) return hop;
    }
    return client;
  };
}

/** The addresses proxies appended, oldest first, ports and brackets removed. */
export function forwardedChain(headers: Headers): string[] {
  const xff = headers.get('x-forwarded-for');
  if (xff !== null) return xff.split(',').map((entry) => bareAddress(entry.trim()));
  const forwarded = headers.get('forwarded');
  if (forwarded === null) return [];
  const out: string[] = [];
  for (const element of forwarded.split(',')) {
    const pair = element.split(';').map((p) => p.trim()).find((p) => p.toLowerCase().startsWith('for='));
    out.push(pair ? bareAddress(pair.slice(4).replace(/^"(.*)"$/, '$1')) : '');
  }
  return out;
}

/** `[2001:db8::1]:4711` → `2001:db8::1`; `192.0.2.1:80` → `192.0.2.1`. */
function bareAddress(entry: string): string {
  if (entry.startsWith('[')) {
    const end = entry.indexOf(']');
    return end === -1 ? entry : entry.slice(1, end);
  }
  const colon = entry.indexOf(':');
  return colon !== -1 && entry.indexOf(':', colon + 1) === -1 ? entry.slice(0, colon) : entry;
}
