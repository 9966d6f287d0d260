import { parseHost } from '../http/host-header.ts';
import { canonicalForMatching } from './canonical-path.ts';
import type { HostPattern } from './host-pattern.ts';
import { HostRoutes, RANK, type RouteEntry } from './host-routes.ts';
import { LengthSet } from './length-set.ts';
import { hasUpperCase, type PathMatch } from './path-matcher.ts';

export { canonicalForMatching };

export interface Routable {
  /** The route's `from`, compiled once at load. */
  pattern: HostPattern;
  prefix: string;
  /** A `path:` or `regex:` route: matched by this instead of `prefix`. */
  pathMatch?: PathMatch;
}

/**
 * Picks a route for a request: exact host beats wildcard (longer wildcard suffix first); within
 * a host, an exact `path` first, then the longest `prefix` on a segment boundary, then `regex`
 * routes in config order. Built once per config; a lookup costs about the same with 10,000
 * routes as with 10 (see host-routes.ts), and allocates nothing for the common exact-host case.
 */
export class Router<R extends Routable> {
  private readonly exact = new Map<string, HostRoutes<R>>();
  /** By the suffix after `*.`. */
  private readonly wildcards = new Map<string, HostRoutes<R>>();
  /** A host's suffixes of other lengths are not sliced. */
  private readonly wildcardLengths: LengthSet;
  /** Some prefix has an upper-case letter: then even a lower-case path may be read as another route's by a case-folding server. */
  readonly hasUpperCasePrefix: boolean;

  constructor(routes: readonly R[]) {
    const exact = new Map<string, RouteEntry<R>[]>();
    const wildcards = new Map<string, RouteEntry<R>[]>();
    for (const route of routes) {
      const prefix = trimSlash(route.prefix);
      const pathMatch = route.pathMatch;
      const entry = { pattern: route.pattern, prefix, foldedPrefix: prefix.toLowerCase(), pathMatch, rank: RANK[pathMatch?.kind ?? 'prefix'], route };
      const byHost = entry.pattern.wildcard ? wildcards : exact;
      const list = byHost.get(entry.pattern.host);
      if (list) list.push(entry);
      else byHost.set(entry.pattern.host, [entry]);
    }
    for (const [host, list] of exact) this.exact.set(host, new HostRoutes(list));
    for (const [suffix, list] of wildcards) this.wildcards.set(suffix, new HostRoutes(list));
    this.wildcardLengths = new LengthSet(wildcards.keys());
    this.hasUpperCasePrefix = routes.some((r) => (r.pathMatch ? hasUpperCase(r.pathMatch) : /[A-Z]/.test(r.prefix)));
  }

  /** The route for a `Host` value + `path` (path as sent, percent-encoded), or undefined. */
  match(hostHeader: string, scheme: string, path: string): { route: R; pattern: HostPattern } | undefined {
    const parsed = parseHost(hostHeader, scheme);
    return typeof parsed === 'string' ? undefined : this.find(parsed.hostname, parsed.port, canonicalForMatching(path));
  }

  /**
   * The route for a parsed host (lower-case, no trailing dot; port undefined when default) and a
   * path already in matching form (see `canonicalForMatching`). `foldCase` compares prefixes
   * case-insensitively, for the lenient reading of a path.
   */
  find(host: string, port: string | undefined, matchPath: string, foldCase = false): { route: R; pattern: HostPattern } | undefined {
    const exact = this.exact.get(host)?.find(port, matchPath, foldCase);
    if (exact) return exact;
    if (this.wildcards.size === 0) return undefined;
    // `*.example.test` takes `a.example.test` and `a.b.example.test`: try the host's suffixes after
    // each dot (never one at the start), longest (most specific) first.
    for (let dot = host.indexOf('.', 1); dot !== -1; dot = host.indexOf('.', dot + 1)) {
      if (!this.wildcardLengths.has(host.length - dot - 1)) continue;
      const entry = this.wildcards.get(host.slice(dot + 1))?.find(port, matchPath, foldCase);
      if (entry) return entry;
    }
    return undefined;
  }

  /** Whether some route's `from` names `host` (lower-case, no trailing dot), whatever its port and path. */
  servesHost(host: string): boolean {
    if (this.exact.has(host)) return true;
    for (let dot = host.indexOf('.', 1); dot !== -1; dot = host.indexOf('.', dot + 1)) {
      if (this.wildcardLengths.has(host.length - dot - 1) && this.wildcards.has(host.slice(dot + 1))) return true;
    }
    return false;
  }
}

function trimSlash(prefix: string): string {
  return prefix.length > 1 && prefix.endsWith('/') ? prefix.slice(0, -1) : prefix === '/' ? '' : prefix;
}
