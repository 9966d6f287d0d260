/**
 * Matching URLs against configured route origins (`https://api.example.test`,
 * `https://*.example.test`, with optional port), compiled once at load.
 */

const DEFAULT_PORT: Record<string, string> = { 'http:': '80', 'https:': '443' };

interface Pattern {
  protocol: string;
  /** Undefined: any port, as the router matches a `from` without one. */
  port: string | undefined;
  /** Exact hostname, or the `.example.test` suffix for a wildcard. */
  host: string;
  wildcard: boolean;
}

function compile(pattern: string): Pattern | undefined {
  const m = /^(https?):\/\/(\*\.)?([^/:?#@]+)(?::(\d+))?\/?$/i.exec(pattern.trim());
  if (!m) return undefined;
  const protocol = `${m[1]!.toLowerCase()}:`;
  return {
    protocol,
    port: m[4] ? String(Number(m[4])) : undefined,
    host: (m[2] ? '.' : '') + m[3]!.toLowerCase(),
    wildcard: Boolean(m[2]),
  };
}

/**
 * Compiles origin patterns into a predicate over URLs. `*.example.test` matches any name below
 * `example.test` (one or more labels), never `example.test` itself nor `evilexample.test`. A
 * pattern without a port matches any port of its host, like the router does.
 */
export function originMatcher(patterns: readonly string[]): (url: URL) => boolean {
  const compiled = patterns.map(compile).filter((p): p is Pattern => p !== undefined);
  return (url) => {
    const port = url.port || DEFAULT_PORT[url.protocol];
    const host = url.hostname.toLowerCase();
    return compiled.some(
      (p) =>
        p.protocol === url.protocol &&
        (p.port === undefined || p.port === port) &&
        (p.wildcard ? host.endsWith(p.host) && host.length > p.host.length : host === p.host),
    );
  };
}
