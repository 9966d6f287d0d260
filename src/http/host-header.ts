/**
 * The one reading of a request's `Host`: exactly one header, an RFC 3986 host (a DNS-style name,
 * IPv4, or a bracketed IPv6 literal) and an optional port 1-65535. Anything else is refused, so
 * routing, links, token audiences and logs can never disagree about which host was asked for.
 */

const DEFAULT_PORT: Record<string, string> = { 'http:': '80', 'https:': '443' };

// Letters, digits, `-`, `_` in dot-separated labels of 1-63; a trailing dot is the same name.
const NAME = /^(?=.{1,254}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.?$/;
const IPV6 = /^\[[0-9a-f:.]{2,45}\]$/;

export interface ParsedHost {
  /** Lower-case, without a trailing dot; IPv6 in brackets. */
  hostname: string;
  /** The port when it is not the scheme's default, else undefined. */
  port: string | undefined;
  /** `hostname[:port]`, what links and `X-Forwarded-Host` use. */
  host: string;
}

/** Parses a `Host` value for `scheme` (`http:`/`https:`); a string says why it was refused. */
export function parseHost(value: string | null, scheme: string): ParsedHost | string {
  if (value === null) return 'no Host header';
  // A repeated Host arrives joined with ", "; the comma is refused below like any stray byte.
  const text = value.trim().toLowerCase();
  if (text === '') return 'empty Host header';
  let name = text;
  let port: string | undefined;
  const colon = text.lastIndexOf(':');
  if (colon !== -1 && !text.endsWith(']')) {
    name = text.slice(0, colon);
    const digits = text.slice(colon + 1);
    if (!/^\d{1,5}$/.test(digits) || Number(digits) < 1 || Number(digits) > 65535) return 'invalid port in Host header';
    port = String(Number(digits));
  }
  if (IPV6.test(name)) {
    if (!URL.canParse(`http://${name}/`)) return 'invalid IPv6 literal in Host header';
  } else if (!NAME.test(name) || name.includes('..')) {
    return 'invalid Host header';
  }
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (port === DEFAULT_PORT[scheme]) port = undefined;
  return { hostname: name, port, host: port ? `${name}:${port}` : name };
}
