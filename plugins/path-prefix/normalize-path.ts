import type { PathHazard, PathServices } from '../../src/plugin-api/index.ts';
import { startsWithMount, type Mount } from './mount.ts';

/** What the plugin does with a request path. */
export type PathVerdict =
  /** Not under the mount by any reading: the plugin stays out of the way. */
  | { kind: 'outside' }
  /**
   * Under the mount. `rest` is what follows the mount after dot segments are resolved: `''`
   * for `/api`, `/` for `/api/`, `/a%20b/c` for `/api/a%20b/c`, each segment as the client
   * encoded it.
   */
  | { kind: 'inside'; rest: string }
  /** Under the mount by some reading, but unsafe or ambiguous: answer `400 bad_path`. */
  | { kind: 'bad'; reason: PathHazard | 'ambiguous_prefix' };

/**
 * Classifies a raw request path (the request-target before `?`) against a mount.
 *
 * Two readings are made. The *strict* one is the standard: decode unreserved escapes, split on
 * `/`, resolve `.` and `..` (RFC 3986 5.2.4) exactly once. The *lenient* one is what the
 * sloppiest server might do: decode every escape repeatedly, fold Unicode (NFKC), treat `\` as
 * `/`, drop `;params` and empty segments, then resolve dots. A path neither reading puts under the mount is
 * `outside` (even if odd: it is not this plugin's traffic). Otherwise any hazard (see
 * `services.paths.hazard`) makes it `bad`, and so does the lenient reading alone putting it under the
 * mount (`/api;v=1/x`, `/%EF%BD%81pi/x`): the prefix must not be dodgeable.
 */
export function classifyPath(rawPath: string, mount: Mount, paths: PathServices): PathVerdict {
  const strict = paths.strictSegments(rawPath);
  const strictInside = startsWithMount(strict.map((s) => s.decoded), mount);
  if (!strictInside && !startsWithMount(paths.lenientSegments(rawPath), mount)) return { kind: 'outside' };
  const hazard = paths.hazard(rawPath);
  if (hazard) return { kind: 'bad', reason: hazard };
  if (!strictInside) return { kind: 'bad', reason: 'ambiguous_prefix' };
  const rest = strict.slice(mount.segments.length).map((s) => s.raw);
  return { kind: 'inside', rest: rest.length === 0 ? '' : '/' + rest.join('/') };
}

/** The upstream path (before the query): the replacement mount plus the rest, never empty. */
export function upstreamPath(replacement: string, rest: string): string {
  const base = replacement === '/' ? '' : replacement;
  return base + rest || '/';
}
