/**
 * Two readings of one raw request path. The *strict* one is what Gatehouse routes by and what a
 * standards-following server reads; the *lenient* one is what the sloppiest server in a chain
 * might read. A path whose two readings fall under different routes (or mounts, or exemption
 * globs) means two things, and is refused before anything acts on it.
 */
import { decodeAllRepeatedly, decodeUnreserved, foldUnicode } from './percent.ts';

/** One path segment: `raw` as the client encoded it, `decoded` with unreserved escapes decoded. */
export interface PathSegment {
  raw: string;
  decoded: string;
}

/**
 * RFC 3986: unreserved escapes decoded (`%61` = `a`, `%2e` = `.`), split on `/`, `.` and `..`
 * resolved exactly once. Segments keep their raw text so a forwarded path is never re-encoded.
 */
export function strictSegments(rawPath: string): PathSegment[] {
  const body = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  return resolveDots(body.split('/').map((raw) => ({ raw, decoded: decodeUnreserved(raw) })));
}

/**
 * Every escape decoded repeatedly, Unicode folded (NFKC), `\` read as `/`, `;params` and empty
 * segments dropped, dots resolved; with `foldCase`, lower-cased too (IIS, Windows, macOS).
 */
export function lenientSegments(rawPath: string, options: { foldCase?: boolean } = {}): string[] {
  let text = foldUnicode(decodeAllRepeatedly(rawPath)).replaceAll('\\', '/');
  if (options.foldCase) text = foldCase(text);
  const parts = text.split('/').slice(1);
  const kept = parts
    .map((part) => windowsDots(part.split(';', 1)[0]!))
    .filter((part, i) => part !== '' || i === parts.length - 1)
    .map((part) => ({ raw: part, decoded: part }));
  return resolveDots(kept).map((s) => s.decoded);
}

/**
 * Windows drops trailing dots and spaces: `.. ` and `...` name the parent, `. ` the folder
 * itself, and `admin.` or `admin ` is `admin`.
 */
function windowsDots(segment: string): string {
  if (/^\.\.[. ]*$/.test(segment)) return '..';
  if (/^\. *$/.test(segment)) return '.';
  return segment.replace(/[. ]+$/, '');
}

/**
 * Case folded the way case-insensitive matchers compare, character by character in both
 * directions (Java's `equalsIgnoreCase`): `ı` and `ſ` upper-case to `I` and `S`, so they fold to
 * `i` and `s`; `İ` folds to `i`.
 */
function foldCase(text: string): string {
  return /[^\x00-\x7f]/.test(text) ? text.toUpperCase().toLowerCase().replace(/\u0307/g, '') : text.toLowerCase();
}

/** Whether the lenient reading can differ from the strict one at all (cheap pre-check). */
export function mayReadDifferently(rawPath: string, options: { foldCase?: boolean } = {}): boolean {
  return /[%\\;\u0080-\uffff]|\/\/|[. ](\/|$)/.test(rawPath) || (options.foldCase === true && /[A-Z]/.test(rawPath));
}

/** RFC 3986 remove_dot_segments on a segment list; a trailing `.`/`..` leaves a trailing slash. */
export function resolveDots(segments: PathSegment[]): PathSegment[] {
  const out: PathSegment[] = [];
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

/** Segments back to a path: `['a', 'b']` → `/a/b`. */
export function joinSegments(segments: readonly string[]): string {
  return '/' + segments.join('/');
}
