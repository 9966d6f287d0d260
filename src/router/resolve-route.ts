/**
 * Routing with the path checked for a second meaning. The router matches the strict reading of
 * a path; a lenient upstream (nginx decoding `%2F`, Tomcat reading `;params`, IIS folding case)
 * may read another. A path is refused with `400 ambiguous_path` when it carries a hazard (an
 * encoded slash or backslash, an encoded or disguised dot segment, double encoding, a Unicode
 * look-alike, a malformed escape) or when its lenient reading falls under a different route.
 * Envoy's `path_with_escaped_slashes_action: REJECT_REQUEST` plus `normalize_path` is the model.
 */
import type { PathHazard } from '../plugin-api/index.ts';
import { findHazard } from '../http/path/hazards.ts';
import { joinSegments, lenientSegments, mayReadDifferently } from '../http/path/readings.ts';
import type { HostPattern } from './host-pattern.ts';
import { canonicalForMatching, type Routable, type Router } from './router.ts';

export interface PathRoutable extends Routable {
  /** The route forwards `%2F`/`%5C` untouched and is matched by the strict reading alone. */
  allowEncodedSlashes: boolean;
}

export type RouteResolution<R> =
  | { kind: 'route'; route: R; pattern: HostPattern }
  | { kind: 'none' }
  | { kind: 'ambiguous'; reason: PathHazard | 'ambiguous_route' };

// Routing merges `//` (so does nginx), so an empty segment changes no route.
const ALWAYS_IGNORED: ReadonlySet<PathHazard> = new Set(['empty_segment']);
const SLASHES_ALLOWED: ReadonlySet<PathHazard> = new Set(['empty_segment', 'encoded_slash', 'encoded_backslash']);
// Only paths with one of these can hold a hazard once Bun has resolved dot segments and `\`.
const MAY_HAVE_HAZARD = /[%;\u0080-\uffff]|\/\./;

/**
 * Resolves `pathname` (as forwarded: Bun has resolved dots) on `host`/`port` to a route.
 * `matchPath` is `canonicalForMatching(pathname)` when the caller has it already.
 */
export function resolveRoute<R extends PathRoutable>(
  router: Router<R>,
  host: string,
  port: string | undefined,
  pathname: string,
  matchPath = canonicalForMatching(pathname),
): RouteResolution<R> {
  const strict = router.find(host, port, matchPath);
  const encodedSlashesAllowed = strict?.route.allowEncodedSlashes === true;
  if (MAY_HAVE_HAZARD.test(pathname)) {
    const hazard = findHazard(pathname, encodedSlashesAllowed ? SLASHES_ALLOWED : ALWAYS_IGNORED);
    if (hazard) return { kind: 'ambiguous', reason: hazard };
  }
  if (!encodedSlashesAllowed && (router.hasUpperCasePrefix || mayReadDifferently(pathname, { foldCase: true }))) {
    const lenient = router.find(host, port, joinSegments(lenientSegments(pathname, { foldCase: true })), true);
    if (lenient?.route !== strict?.route) return { kind: 'ambiguous', reason: 'ambiguous_route' };
  }
  return strict ? { kind: 'route', route: strict.route, pattern: strict.pattern } : { kind: 'none' };
}
