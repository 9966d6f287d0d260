const DEFAULT_PORT: Record<string, string> = { 'http:': '80', 'https:': '443' };

/** A route's `from`, compiled: an exact host or a `*.` wildcard, and an optional port. */
export interface HostPattern {
  scheme: 'http:' | 'https:';
  /** Lower-case host without the `*.`; for a wildcard, the suffix the host must end with (after a dot). */
  host: string;
  wildcard: boolean;
  /** Explicit non-default port, or undefined (any port). */
  port: string | undefined;
  /**
   * `:*` was written: sign-in hand-offs may target any port. Without a port they may target only
   * the scheme's default one and Gatehouse's own; routing takes any port either way.
   */
  anyPort: boolean;
  /** `https://api.example.test` style origin, for audiences and links. */
  origin: string;
}

/** Compiles `https://api.example.test`, `http://*.example.test:8080` (validated by the schema). */
export function compileHostPattern(from: string): HostPattern {
  const match = /^(https?):\/\/(\*\.)?([^/:]+)(?::(\d+|\*))?$/i.exec(from);
  if (!match) throw new Error(`"${from}" is not scheme://host[:port]`);
  const scheme = `${match[1]!.toLowerCase()}:` as HostPattern['scheme'];
  const host = stripDot(match[3]!.toLowerCase());
  const anyPort = match[4] === '*';
  const port = match[4] && !anyPort && match[4] !== DEFAULT_PORT[scheme] ? match[4] : undefined;
  const wildcard = Boolean(match[2]);
  return { scheme, host, wildcard, port, anyPort, origin: `${scheme}//${wildcard ? '*.' : ''}${host}${port ? `:${port}` : ''}` };
}

function stripDot(host: string): string {
  return host.endsWith('.') ? host.slice(0, -1) : host;
}
