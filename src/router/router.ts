import { parseHost } from '../http/host-header.ts';
import { canonicalForMatching } from './canonical-path.ts';
import type { HostPattern } from './host-pattern.ts';
import { hasUpperCase, pathMatches, type PathMatch } from './path-matcher.ts';

export { canonicalForMatching };

export interface Routable {
  /** The route's `from`, compiled once at load. */
  pattern: HostPattern;
  prefix: string;
  /** A `path:` or `regex:` route: matched by this instead of `prefix`. */
  pathMatch?: PathMatch;
}

interface Entry<R> {
  pattern: HostPattern;
  prefix: string;
  /** Lower-cased, for the case-folded (lenient) reading. */
  foldedPrefix: string;
  /** Only on `path:`/`regex:` routes, so prefix routes pay one property check. */
  pathMatch: PathMatch | undefined;
  /** 0 an exact path, 1 a prefix, 2 a regex: the order they are tried in within one host. */
  rank: number;
  route: R;
}

const RANK = { exact: 0, prefix: 1, regex: 2 } as const;

/**
 * Picks a route for a request: exact host beats wildcard (longer wildcard suffix first); within
 * a host, an exact `path` first, then the longest `prefix` on a segment boundary, then `regex`
 * routes in config order. Built once per config; lookups allocate nothing for the common
 * exact-host case.
 */
export class Router<R extends Routable> {
  private readonly exact = new Map<string, Entry<R>[]>();
  private readonly wildcards: Entry<R>[] = [];
  /** Some prefix has an upper-case letter: then even a lower-case path may be read as another route's by a case-folding server. */
  readonly hasUpperCasePrefix: boolean;

  constructor(routes: readonly R[]) {
    for (const route of routes) {
      const prefix = trimSlash(route.prefix);
      const pathMatch = route.pathMatch;
      const entry = { pattern: route.pattern, prefix, foldedPrefix: prefix.toLowerCase(), pathMatch, rank: RANK[pathMatch?.kind ?? 'prefix'], route };
      if (entry.pattern.wildcard) this.wildcards.push(entry);
      else {
        const list = this.exact.get(entry.pattern.host) ?? [];
        list.push(entry);
        this.exact.set(entry.pattern.host, list);
      }
    }
    // Exact paths, prefixes (longest first), regexes (config order: the sort is stable); for one
    // prefix or path, a route naming the port before one that takes any.
    const byPrefix = (a: Entry<R>, b: Entry<R>) =>
      a.rank - b.rank || (a.rank === RANK.regex ? 0 : b.prefix.length - a.prefix.length || Number(b.pattern.port !== undefined) - Number(a.pattern.port !== undefined));
    for (const list of this.exact.values()) list.sort(byPrefix);
    this.wildcards.sort((a, b) => b.pattern.host.length - a.pattern.host.length || byPrefix(a, b));
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
    for (const entry of this.exact.get(host) ?? []) {
      if (portMatches(entry.pattern, port) && matches(entry, matchPath, foldCase)) return entry;
    }
    for (const entry of this.wildcards) {
      if (
        host.length > entry.pattern.host.length + 1 &&
        host.endsWith(`.${entry.pattern.host}`) &&
        portMatches(entry.pattern, port) &&
        matches(entry, matchPath, foldCase)
      ) {
        return entry;
      }
    }
    return undefined;
  }
}

function portMatches(pattern: HostPattern, port: string | undefined): boolean {
  return pattern.port === undefined || pattern.port === port;
}

function matches(entry: Entry<unknown>, matchPath: string, foldCase: boolean): boolean {
  if (entry.pathMatch) return pathMatches(entry.pathMatch, matchPath, foldCase);
  return underPrefix(matchPath, foldCase ? entry.foldedPrefix : entry.prefix);
}

function trimSlash(prefix: string): string {
  return prefix.length > 1 && prefix.endsWith('/') ? prefix.slice(0, -1) : prefix === '/' ? '' : prefix;
}

/** `/api` covers `/api` and `/api/…`, never `/apix`. */
function underPrefix(path: string, prefix: string): boolean {
  if (prefix === '') return true;
  return path.startsWith(prefix) && (path.length === prefix.length || path.charCodeAt(prefix.length) === 47);
}

