import { findHazard, type PathHazard } from './path-hazards.ts';
import { startsWithMount, type Mount } from './mount.ts';
import { decodeAllRepeatedly, decodeUnreserved, foldUnicode } from './percent.ts';

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

interface Segment {
  /** As sent. */
  raw: string;
  /** With unreserved escapes decoded, for matching. */
  decoded: string;
}

/**
 * Classifies a raw request path (the request-target before `?`) against a mount.
 *
 * Two readings are made. The *strict* one is the standard: decode unreserved escapes, split on
 * `/`, resolve `.` and `..` (RFC 3986 5.2.4) exactly once. The *lenient* one is what the
 * sloppiest server might do: decode every escape repeatedly, fold Unicode (NFKC), treat `\` as
 * `/`, drop `;params` and empty segments, then resolve dots. A path neither reading puts under the mount is
 * `outside` (even if odd: it is not this plugin's traffic). Otherwise any hazard (see
 * `findHazard`) makes it `bad`, and so does the lenient reading alone putting it under the
 * mount (`/api;v=1/x`, `/%EF%BD%81pi/x`): the prefix must not be dodgeable.
 */
export function classifyPath(rawPath: string, mount: Mount): PathVerdict {
  const strict = resolveStrict(rawPath);
  const strictInside = startsWithMount(strict.map((s) => s.decoded), mount);
  if (!strictInside && !lenientInside(rawPath, mount)) return { kind: 'outside' };
  const hazard = findHazard(rawPath);
  if (hazard) return { kind: 'bad', reason: hazard };
  if (!strictInside) return { kind: 'bad', reason: 'ambiguous_prefix' };
  const rest = strict.slice(mount.segments.length).map((s) => s.raw);
  return { kind: 'inside', rest: rest.length === 0 ? '' : '/' + rest.join('/') };
}

function resolveStrict(rawPath: string): Segment[] {
  const body = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  return resolveDots(body.split('/').map((raw) => ({ raw, decoded: decodeUnreserved(raw) })));
}

function lenientInside(rawPath: string, mount: Mount): boolean {
  // Without these characters the lenient reading equals the strict one.
  if (!/[%\\;\u0080-\uffff]|\/\//.test(rawPath)) return false;
  const parts = foldUnicode(decodeAllRepeatedly(rawPath)).replaceAll('\\', '/').split('/').slice(1);
  const kept = parts
    .map((part) => part.split(';', 1)[0]!)
    .filter((part, i) => part !== '' || i === parts.length - 1)
    .map((part) => ({ raw: part, decoded: part }));
  return startsWithMount(resolveDots(kept).map((s) => s.decoded), mount);
}

/** RFC 3986 remove_dot_segments on a segment list; a trailing `.`/`..` leaves a trailing slash. */
function resolveDots(segments: Segment[]): Segment[] {
  const out: Segment[] = [];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const last = i === segments.length - 1;
    if (segment.decoded === '.' || segment.decoded === '..') {
      if (segment.decoded === '..') out.pop();
      if (last) out.push({ raw: '', decoded: '' });
      continue;
    }
    out.push(segment);
  }
  if (out.length === 0) out.push({ raw: '', decoded: '' });
  return out;
}

/** The upstream path (before the query): the replacement mount plus the rest, never empty. */
export function upstreamPath(replacement: string, rest: string): string {
  const base = replacement === '/' ? '' : replacement;
  return base + rest || '/';
}
