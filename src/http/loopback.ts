/**
 * The one rule for "this host is this machine", where Gatehouse relaxes a check for local setups
 * (plain-http issuers, Secure cookies over http). `*.localhost` is loopback by RFC 6761, and
 * browsers and Bun resolve it so.
 */
import { parseIp } from './cidr.ts';

/**
 * Whether `hostname` (as `URL.hostname` gives it; IPv6 with or without brackets) is `localhost`,
 * a name under `.localhost`, an address in 127.0.0.0/8, or `::1` (an IPv4-mapped loopback too).
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const bytes = parseIp(host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);
  if (bytes === null) return false;
  if (bytes.length === 4) return bytes[0] === 127;
  return bytes.every((b, i) => b === (i === 15 ? 1 : 0));
}
