/**
 * The routes of one exact host, or of one wildcard suffix, in the order they are tried: exact
 * `path` routes, then the longest `prefix` on a segment boundary, then `regex` routes in config
 * order; for one path or prefix, a route naming the port before one that takes any. A short list
 * is scanned in that order; a long one (a config with thousands of prefixes on one host) is
 * indexed by path and prefix so a lookup costs the same whatever the number of routes, and finds
 * exactly the route the scan would.
 */
import type { HostPattern } from './host-pattern.ts';
import { LengthSet } from './length-set.ts';
import { pathMatches, type PathMatch } from './path-matcher.ts';

export interface RouteEntry<R> {
  pattern: HostPattern;
  /** Trailing slash trimmed; `/` is ``. */
  prefix: string;
  /** Lower-cased, for the case-folded (lenient) reading. */
  foldedPrefix: string;
  /** Only on `path:`/`regex:` routes, so prefix routes pay one property check. */
  pathMatch: PathMatch | undefined;
  /** 0 an exact path, 1 a prefix, 2 a regex: the order they are tried in within one host. */
  rank: number;
  route: R;
}

export const RANK = { exact: 0, prefix: 1, regex: 2 } as const;

// Up to this many routes a scan is as fast as the index and allocates nothing.
const SCANNED_UP_TO = 8;

export class HostRoutes<R> {
  /** In trying order. */
  private readonly entries: RouteEntry<R>[];
  private readonly index: RouteIndex<R> | undefined;

  /** `entries` in config order, all of one exact host or one wildcard suffix. */
  constructor(entries: RouteEntry<R>[]) {
    // Array.prototype.sort is stable, so regexes, and routes equal otherwise, keep config order.
    this.entries = entries.sort(tryingOrder);
    this.index = entries.length > SCANNED_UP_TO ? new RouteIndex(this.entries) : undefined;
  }

  /** The first route, in trying order, whose port and path match; see `Router.find`. */
  find(port: string | undefined, matchPath: string, foldCase: boolean): RouteEntry<R> | undefined {
    if (this.index && !(foldCase && this.index.foldingChangesLengths)) return this.index.find(port, matchPath, foldCase);
    for (const entry of this.entries) {
      if (portMatches(entry.pattern, port) && entryMatches(entry, matchPath, foldCase)) return entry;
    }
    return undefined;
  }
}

/** Exact paths, prefixes (longest first), regexes; for one prefix or path, the named port first. */
function tryingOrder(a: RouteEntry<unknown>, b: RouteEntry<unknown>): number {
  return a.rank - b.rank || (a.rank === RANK.regex ? 0 : b.prefix.length - a.prefix.length || Number(b.pattern.port !== undefined) - Number(a.pattern.port !== undefined));
}

/**
 * Maps from a path or prefix to its routes, each list a subsequence of the trying order. A prefix
 * covers a path only when it is one of the path's segment-boundary cuts (the whole path, the part
 * before each `/`, and ``), so trying those cuts from the longest, with each one's routes in
 * order, visits the matching prefixes in exactly the scan's order.
 */
class RouteIndex<R> {
  private readonly paths: Map<string, RouteEntry<R>[]>;
  private readonly foldedPaths: Map<string, RouteEntry<R>[]>;
  private readonly prefixes: Map<string, RouteEntry<R>[]>;
  private readonly foldedPrefixes: Map<string, RouteEntry<R>[]>;
  /** Cuts of other lengths are not sliced. */
  private readonly prefixLengths: LengthSet;
  private readonly regexes: RouteEntry<R>[];
  /**
   * Lower-casing changed some prefix's length (`İ` becomes two characters), so the folded cuts
   * would be tried in an order other than the scan's: the folded reading scans instead.
   */
  readonly foldingChangesLengths: boolean;

  constructor(entries: RouteEntry<R>[]) {
    const exact = entries.filter((e) => e.pathMatch?.kind === 'exact');
    const prefixed = entries.filter((e) => e.rank === RANK.prefix);
    this.regexes = entries.filter((e) => e.rank === RANK.regex);
    const exactPath = (e: RouteEntry<R>) => (e.pathMatch as Extract<PathMatch, { kind: 'exact' }>).path;
    const foldedPath = (e: RouteEntry<R>) => (e.pathMatch as Extract<PathMatch, { kind: 'exact' }>).folded;
    this.paths = groupBy(exact, exactPath);
    this.foldedPaths = exact.every((e) => exactPath(e) === foldedPath(e)) ? this.paths : groupBy(exact, foldedPath);
    this.prefixes = groupBy(prefixed, (e) => e.prefix);
    this.foldedPrefixes = prefixed.every((e) => e.prefix === e.foldedPrefix) ? this.prefixes : groupBy(prefixed, (e) => e.foldedPrefix);
    this.foldingChangesLengths = prefixed.some((e) => e.prefix.length !== e.foldedPrefix.length);
    this.prefixLengths = new LengthSet(this.prefixes.keys());
  }

  find(port: string | undefined, matchPath: string, foldCase: boolean): RouteEntry<R> | undefined {
    const byPath = firstForPort((foldCase ? this.foldedPaths : this.paths).get(matchPath), port);
    if (byPath) return byPath;
    const prefixes = foldCase ? this.foldedPrefixes : this.prefixes;
    if (this.prefixLengths.has(matchPath.length)) {
      const whole = firstForPort(prefixes.get(matchPath), port);
      if (whole) return whole;
    }
    for (let slash = matchPath.lastIndexOf('/'); slash > 0; slash = matchPath.lastIndexOf('/', slash - 1)) {
      if (!this.prefixLengths.has(slash)) continue;
      const cut = firstForPort(prefixes.get(matchPath.slice(0, slash)), port);
      if (cut) return cut;
    }
    const root = firstForPort(prefixes.get(''), port);
    if (root) return root;
    for (const entry of this.regexes) {
      if (portMatches(entry.pattern, port) && pathMatches(entry.pathMatch!, matchPath, foldCase)) return entry;
    }
    return undefined;
  }
}

function groupBy<R>(entries: RouteEntry<R>[], key: (entry: RouteEntry<R>) => string): Map<string, RouteEntry<R>[]> {
  const groups = new Map<string, RouteEntry<R>[]>();
  for (const entry of entries) {
    const group = groups.get(key(entry));
    if (group) group.push(entry);
    else groups.set(key(entry), [entry]);
  }
  return groups;
}

function firstForPort<R>(entries: RouteEntry<R>[] | undefined, port: string | undefined): RouteEntry<R> | undefined {
  if (entries) {
    for (const entry of entries) if (portMatches(entry.pattern, port)) return entry;
  }
  return undefined;
}

function portMatches(pattern: HostPattern, port: string | undefined): boolean {
  return pattern.port === undefined || pattern.port === port;
}

function entryMatches(entry: RouteEntry<unknown>, matchPath: string, foldCase: boolean): boolean {
  if (entry.pathMatch) return pathMatches(entry.pathMatch, matchPath, foldCase);
  return underPrefix(matchPath, foldCase ? entry.foldedPrefix : entry.prefix);
}

/** `/api` covers `/api` and `/api/…`, never `/apix`. */
function underPrefix(path: string, prefix: string): boolean {
  if (prefix === '') return true;
  return path.startsWith(prefix) && (path.length === prefix.length || path.charCodeAt(prefix.length) === 47);
}
