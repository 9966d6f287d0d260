import { parseHost } from '../http/host-header.ts';
import type { HostPattern } from './host-pattern.ts';

export interface Routable {
  /** The route's `from`, compiled once at load. */
  pattern: HostPattern;
  prefix: string;
}

interface Entry<R> {
  pattern: HostPattern;
  prefix: string;
  /** Lower-cased, for the case-folded (lenient) reading. */
  foldedPrefix: string;
  route: R;
}

/**
 * Picks a route for a request: exact host beats wildcard (longer wildcard suffix first), then the
 * longest path prefix on a segment boundary. Built once per config; lookups allocate nothing
 * for the common exact-host case.
 */
export class Router<R extends Routable> {
  private readonly exact = new Map<string, Entry<R>[]>();
  private readonly wildcards: Entry<R>[] = [];
  /** Some prefix has an upper-case letter: then even a lower-case path may be read as another route's by a case-folding server. */
  readonly hasUpperCasePrefix: boolean;

  constructor(routes: readonly R[]) {
    for (const route of routes) {
      const prefix = trimSlash(route.prefix);
      const entry = { pattern: route.pattern, prefix, foldedPrefix: prefix.toLowerCase(), route };
      if (entry.pattern.wildcard) this.wildcards.push(entry);
      else {
        const list = this.exact.get(entry.pattern.host) ?? [];
        list.push(entry);
        this.exact.set(entry.pattern.host, list);
      }
    }
    // Longest prefix first; for one prefix, a route naming the port before one that takes any.
    const byPrefix = (a: Entry<R>, b: Entry<R>) => b.prefix.length - a.prefix.length || Number(b.pattern.port !== undefined) - Number(a.pattern.port !== undefined);
    for (const list of this.exact.values()) list.sort(byPrefix);
    this.wildcards.sort((a, b) => b.pattern.host.length - a.pattern.host.length || byPrefix(a, b));
    this.hasUpperCasePrefix = routes.some((r) => /[A-Z]/.test(r.prefix));
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
      if (portMatches(entry.pattern, port) && underPrefix(matchPath, foldCase ? entry.foldedPrefix : entry.prefix)) return entry;
    }
    for (const entry of this.wildcards) {
      if (
        host.length > entry.pattern.host.length + 1 &&
        host.endsWith(`.${entry.pattern.host}`) &&
        portMatches(entry.pattern, port) &&
        underPrefix(matchPath, foldCase ? entry.foldedPrefix : entry.prefix)
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

function trimSlash(prefix: string): string {
  return prefix.length > 1 && prefix.endsWith('/') ? prefix.slice(0, -1) : prefix === '/' ? '' : prefix;
}

/** `/api` covers `/api` and `/api/…`, never `/apix`. */
function underPrefix(path: string, prefix: string): boolean {
  if (prefix === '') return true;
  return path.startsWith(prefix) && (path.length === prefix.length || path.charCodeAt(prefix.length) === 47);
}

const UNRESERVED_ESCAPE = /%(2[dDeE]|3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|5[fF]|7[eE])/g;

/**
 * The path as routing sees it: escapes of unreserved characters decoded and runs of slashes
 * merged, so neither `/%61pi` nor `//api` can dodge a `/api` route (fetch sends `//api/x` to the
 * upstream as `/api/x`).
 */
export function canonicalForMatching(path: string): string {
  let p = path.includes('%') ? path.replace(UNRESERVED_ESCAPE, (e) => String.fromCharCode(parseInt(e.slice(1), 16))) : path;
  if (p.includes('//')) p = p.replace(/\/{2,}/g, '/');
  return p;
}
