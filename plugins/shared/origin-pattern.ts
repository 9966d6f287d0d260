/**
 * Origin patterns shared by `preflight` and `origin-exemption`: strict validation at load
 * (after jub0bs/cors), and a per-request matcher that never parses configuration.
 *
 * Accepted forms: an exact origin as browsers serialise it (`https://app.example.test`,
 * `http://127.0.0.1:8080`, `http://[::1]:3000`), a leading `*.` on the host for one or more
 * labels (`https://*.example.test`), and `:*` for any port, explicit or not.
 */

import type { OptionProblem } from '../../src/plugin-api/index.ts';

/** What `compileOrigins` produces: `matches` is the only per-request work. */
export interface OriginMatcher {
  /** True when the list was `*`: every origin matches. */
  readonly any: boolean;
  /** Whether a request's (first) `Origin` value is allowed. Byte-for-byte, never throws. */
  matches(origin: string): boolean;
}

interface CompileOptions {
  /** Whether a lone `*` may stand for every origin; when false, the message to refuse it with. */
  any: true | string;
}

// One port rule per (scheme, host) key: `any` for `:*`, else the allowed explicit ports ('' = none).
interface PortRule {
  any: boolean;
  ports: Set<string>;
}

// Browsers never send an origin longer than scheme (64) + "://" + host (253) + ":65535".
const MAX_ORIGIN_LENGTH = 64 + 3 + 253 + 6;
const SCHEME = /^[a-z][a-z0-9+.-]*$/;
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const PORT = /^[1-9]\d{0,4}$/;
// A request's Origin, split into scheme, host and port; anything else never matches a pattern.
const REQUEST_ORIGIN = /^([a-z][a-z0-9+.-]*):\/\/(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(?::(\d{1,5}))?$/;

/**
 * Compiles a list of origin patterns found at `at` in the options. Every problem found is
 * pushed onto `problems` (one sentence each, naming the value, located at the offending
 * pattern); the returned matcher is only meaningful when none were.
 */
export function compileOrigins(
  patterns: readonly string[],
  options: CompileOptions,
  problems: OptionProblem[],
  at: readonly (string | number)[],
): OriginMatcher {
  if (patterns.length === 0) problems.push({ at: [...at], message: 'the origin list is empty' });
  const star = patterns.indexOf('*');
  if (star >= 0) {
    if (options.any !== true) problems.push({ at: [...at, star], message: options.any });
    return { any: true, matches: () => true };
  }
  const exact = new Set<string>();
  // Keyed by `scheme://host` for `:*` patterns and by `scheme://base` for `*.base` patterns.
  const anyPortHosts = new Map<string, PortRule>();
  const subdomainBases = new Map<string, PortRule>();
  for (const [i, raw] of patterns.entries()) {
    const problem = checkPattern(raw);
    if (problem) {
      problems.push({ at: [...at, i], message: `origin ${JSON.stringify(raw)} ${problem}` });
      continue;
    }
    const parsed = splitPattern(raw);
    if (!parsed.wildcardHost && parsed.port !== '*') {
      exact.add(raw);
      continue;
    }
    const table = parsed.wildcardHost ? subdomainBases : anyPortHosts;
    const key = `${parsed.scheme}://${parsed.host}`;
    const rule = table.get(key) ?? { any: false, ports: new Set<string>() };
    if (parsed.port === '*') rule.any = true;
    else rule.ports.add(parsed.port);
    table.set(key, rule);
  }
  if (anyPortHosts.size === 0 && subdomainBases.size === 0) {
    return { any: false, matches: (origin) => exact.has(origin) };
  }
  return {
    any: false,
    matches(origin) {
      if (exact.has(origin)) return true;
      if (origin.length > MAX_ORIGIN_LENGTH) return false;
      const m = REQUEST_ORIGIN.exec(origin);
      if (!m) return false;
      const scheme = m[1]!;
      const host = m[2]!;
      const port = m[3] ?? '';
      if (anyPortHosts.get(`${scheme}://${host}`)?.any) return true;
      if (subdomainBases.size === 0 || host.startsWith('[')) return false;
      // Empty labels (`a..example.test`, `.example.test`) are not hosts a browser sends.
      if (host.startsWith('.') || host.includes('..')) return false;
      // Try every proper suffix that starts at a label boundary: `a.b.example.test` tries
      // `b.example.test`, `example.test`, `test`. The base itself never matches `*.base`.
      for (let i = host.indexOf('.'); i > 0; i = host.indexOf('.', i + 1)) {
        const rule = subdomainBases.get(`${scheme}://${host.slice(i + 1)}`);
        if (rule && (rule.any || rule.ports.has(port))) return true;
      }
      return false;
    },
  };
}

/**
 * The request's first `Origin` value, or null. Repeated `Origin` lines arrive joined by
 * `, ` and only the first is judged, as the Fetch standard lets a browser send only one.
 */
export function requestOrigin(headers: Headers): string | null {
  const value = headers.get('origin');
  if (value === null) return null;
  const comma = value.indexOf(',');
  return comma < 0 ? value : value.slice(0, comma);
}

interface SplitPattern {
  scheme: string;
  /** Host without the leading `*.` when `wildcardHost`. */
  host: string;
  wildcardHost: boolean;
  /** '' for no explicit port, '*' for any port, else the digits. */
  port: string;
}

// Only called on patterns `checkPattern` accepted.
function splitPattern(pattern: string): SplitPattern {
  const sep = pattern.indexOf('://');
  const scheme = pattern.slice(0, sep);
  const authority = pattern.slice(sep + 3);
  const { host, port } = splitAuthority(authority);
  const wildcardHost = host.startsWith('*.');
  return { scheme, host: wildcardHost ? host.slice(2) : host, wildcardHost, port: port ?? '' };
}

function splitAuthority(authority: string): { host: string; port: string | null } {
  // Colons inside an IPv6 literal's brackets are not the port separator.
  const close = authority.lastIndexOf(']');
  if (close < 0 && authority.includes('[')) return { host: authority, port: null };
  const colon = authority.indexOf(':', Math.max(close, 0));
  if (colon < 0) return { host: authority, port: null };
  return { host: authority.slice(0, colon), port: authority.slice(colon + 1) };
}

/** Why `pattern` is refused (a phrase to follow the quoted value), or null when it is fine. */
export function checkPattern(pattern: string): string | null {
  if (pattern.toLowerCase() === 'null') {
    return 'is refused: the null origin is shared by sandboxed iframes, file: pages and redirects, so any site can send it';
  }
  if (pattern.length > MAX_ORIGIN_LENGTH + 2) return 'is too long to be an origin';
  const sep = pattern.indexOf('://');
  if (sep < 0) return 'is not an origin: expected scheme://host[:port], e.g. https://app.example.test';
  const scheme = pattern.slice(0, sep);
  if (!SCHEME.test(scheme.toLowerCase())) return `has an invalid scheme ${JSON.stringify(scheme)}`;
  if (scheme !== scheme.toLowerCase()) return 'has an uppercase scheme; browsers send it in lowercase, so it would never match';
  if (scheme === 'file') return 'uses the file: scheme, whose origin browsers send as null';
  const rest = pattern.slice(sep + 3);
  const end = rest.search(/[/?#]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  if (end >= 0) {
    const tail = rest.slice(end);
    if (tail === '/') return 'has a trailing slash; an origin never ends with one (write it without)';
    if (tail.startsWith('?')) return 'has a query; an origin is only scheme://host[:port]';
    if (tail.startsWith('#')) return 'has a fragment; an origin is only scheme://host[:port]';
    return 'has a path; an origin is only scheme://host[:port]';
  }
  if (authority.includes('@')) return 'has userinfo (user@); an origin is only scheme://host[:port]';
  const { host, port } = splitAuthority(authority);
  const portProblem = port === null ? null : checkPort(scheme, port);
  if (portProblem) return portProblem;
  return checkHost(host);
}

function checkPort(scheme: string, port: string): string | null {
  if (port === '*') return null;
  if (port.includes('*')) return 'has a wildcard in its port; only ":*" (any port) is supported';
  if (!PORT.test(port) || Number(port) > 65535) return `has an invalid port ${JSON.stringify(port)}`;
  if ((scheme === 'https' && port === '443') || (scheme === 'http' && port === '80')) {
    return `has the explicit default port :${port}; browsers omit it, so it would never match (write it without)`;
  }
  return null;
}

function checkHost(host: string): string | null {
  if (host === '') return 'has no host';
  if (/[^\x21-\x7e]/.test(host)) return 'has a host that is not plain ASCII; write international names in punycode (xn--…)';
  if (host !== host.toLowerCase()) return 'has an uppercase host; browsers send hosts in lowercase, so it would never match';
  const wildcard = host.startsWith('*.');
  const base = wildcard ? host.slice(2) : host;
  if (base.includes('*')) return 'has a wildcard that is not a leading "*."; only https://*.example.test style patterns are supported';
  if (base.startsWith('[')) {
    if (wildcard) return 'puts a wildcard on an IP address';
    return checkIpv6(base);
  }
  const labels = base.split('.');
  const last = labels[labels.length - 1]!;
  if (/^\d/.test(last)) {
    if (wildcard) return 'puts a wildcard on an IP address';
    return IPV4.test(base) ? null : `has an invalid IPv4 host ${JSON.stringify(base)} (browsers send dotted-quad form)`;
  }
  if (base.length > 253) return 'has a host longer than 253 characters';
  for (const label of labels) {
    if (!LABEL.test(label)) return `has an invalid host label ${JSON.stringify(label)}`;
  }
  if (wildcard && labels.length < 2 && base !== 'localhost') {
    return `would allow every site under the top-level domain ${JSON.stringify(base)}`;
  }
  return null;
}

function checkIpv6(bracketed: string): string | null {
  if (!bracketed.endsWith(']')) return 'has an unterminated IPv6 host';
  let canonical: string;
  try {
    canonical = new URL(`http://${bracketed}`).hostname;
  } catch {
    return `has an invalid IPv6 host ${bracketed}`;
  }
  return canonical === bracketed
    ? null
    : `has an IPv6 host browsers would send as ${canonical}; write it that way`;
}
