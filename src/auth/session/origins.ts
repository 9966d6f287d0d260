/**
 * Matching URLs against configured route origins (`https://api.example.test`,
 * `https://*.example.test`, with an optional port or `:*`), compiled once at load.
 */

const DEFAULT_PORT: Record<string, string> = { 'http:': '80', 'https:': '443' };

interface Pattern {
  protocol: string;
  /** An explicit port, `*` for any, or undefined for "no port given" (see `originMatcher`). */
  port: string | undefined;
  /** Exact hostname, or the `.example.test` suffix for a wildcard. */
  host: string;
  wildcard: boolean;
}

function compile(pattern: string): Pattern | undefined {
  const m = /^(https?):\/\/(\*\.)?([^/:?#@*]+)(?::(\d+|\*))?\/?$/i.exec(pattern.trim());
  if (!m) return undefined;
  const protocol = `${m[1]!.toLowerCase()}:`;
  return {
    protocol,
    port: m[4] === undefined || m[4] === '*' ? m[4] : String(Number(m[4])),
    host: (m[2] ? '.' : '') + m[3]!.toLowerCase(),
    wildcard: Boolean(m[2]),
  };
}

const portOf = (url: URL) => url.port || DEFAULT_PORT[url.protocol];

export interface OriginMatcherOptions {
  /** Ports that a pattern without a port matches too: the port(s) Gatehouse listens on. Default none. */
  ports?: readonly (string | number)[];
}

/**
 * Compiles origin patterns into a predicate over URLs. `*.example.test` matches any name below
 * `example.test` (one or more labels), never `example.test` itself nor `evilexample.test`.
 *
 * Ports: `host:8443` matches that port only and `host:*` any port. A pattern without a port
 * matches the scheme's default port, `options.ports`, and the port of `via` when given (the URL
 * of the request being answered: the port the browser reached Gatehouse on, which is how tests
 * and local setups serve `http://app.localhost` on a random port). Any other port of a route host
 * may be a different service on the same machine, so a sign-in does not send codes or users there.
 */
export function originMatcher(patterns: readonly string[], options: OriginMatcherOptions = {}): (url: URL, via?: URL) => boolean {
  const compiled = patterns.map(compile).filter((p): p is Pattern => p !== undefined);
  const listening = new Set((options.ports ?? []).map(String));
  return (url, via) => {
    const port = portOf(url);
    const host = url.hostname.toLowerCase();
    const portOk = (p: Pattern) =>
      p.port === '*' || (p.port === undefined ? port === DEFAULT_PORT[p.protocol] || listening.has(port!) || (via !== undefined && port === portOf(via)) : p.port === port);
    return compiled.some(
      (p) => p.protocol === url.protocol && portOk(p) && (p.wildcard ? host.endsWith(p.host) && host.length > p.host.length : host === p.host),
    );
  };
}
