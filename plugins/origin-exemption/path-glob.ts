/**
 * Path globs for exemption rules, matched on segment boundaries: `*` stands for part of one
 * segment, a `**` segment for any number of segments (none included). `/api/*` matches
 * `/api/x` but not `/api/x/y` or `/apix`; `/api/**` matches `/api`, `/api/` and `/api/x/y`.
 * Matching is case-sensitive, and a path is only matched when every reading of it agrees.
 */
import type { OptionProblem, PathServices } from '../../src/plugin-api/index.ts';

/** A compiled list of globs. */
export interface PathMatcher {
  /** Whether a request path (`URL.pathname`, still percent-encoded) matches any glob. */
  matches(path: string): boolean;
}

// What an upstream may read as another path than the one judged here: `;` starts path parameters
// (`/public/..;/admin`), `\` is a slash to some servers, and encoded dots, slashes, backslashes,
// percent signs (decoded twice), semicolons and NULs decode into those. Such paths never match.
const AMBIGUOUS = /[;\\]|%(?:2e|2f|5c|25|3b|00)/i;

/** How the most lenient server might read a path (the engine's `services.paths`), as one string. */
export type LenientReading = (path: string) => string;

/** Builds the lenient reader from the engine's path services: case-folded, joined back with `/`. */
export function lenientReader(paths: PathServices): LenientReading {
  return (path) => '/' + paths.lenientSegments(path, { foldCase: true }).join('/');
}

/**
 * Compiles `globs`, found at `at` in the options; problems (naming each glob, located at it) are
 * pushed onto `problems`, prefixed with `what`. A path matches only when its lenient reading
 * matches the glob's lenient reading too, so `/public/..;/admin` (Tomcat: `/admin`) is never
 * exempted as `/public/**`.
 */
export function compilePaths(
  globs: readonly string[],
  what: string,
  problems: OptionProblem[],
  at: readonly (string | number)[],
  lenientReading: LenientReading,
): PathMatcher {
  const sources: string[] = [];
  const folded: string[] = [];
  if (globs.length === 0) problems.push({ at: [...at], message: `${what} is empty (leave it out to match every path)` });
  for (const [i, glob] of globs.entries()) {
    const problem = checkGlob(glob);
    if (problem) problems.push({ at: [...at, i], message: `${what}: ${JSON.stringify(glob)} ${problem}` });
    else {
      sources.push(globSource(glob));
      folded.push(globSource(lenientReading(glob)));
    }
  }
  const regex = new RegExp(`^(?:${sources.join('|')})$`);
  const lenient = new RegExp(`^(?:${folded.join('|')})$`);
  return { matches: (path) => !AMBIGUOUS.test(path) && regex.test(path) && lenient.test(lenientReading(path)) };
}

function checkGlob(glob: string): string | null {
  if (!glob.startsWith('/')) return 'must start with "/"';
  if (/[?#]/.test(glob)) return 'may not contain "?" or "#"; paths are matched without the query';
  if (/[\s\\]/.test(glob)) return 'may not contain whitespace or "\\"';
  if (AMBIGUOUS.test(glob)) return 'may not contain ";" or the escapes %2E, %2F, %5C, %25, %3B, %00: paths holding them are never exempted';
  for (const segment of glob.split('/').slice(1)) {
    if (segment === '.' || segment === '..') return 'may not contain "." or ".." segments';
    if (segment === '**') continue;
    if (segment.includes('**')) return 'uses "**" inside a segment; "**" must be a whole segment, as in /api/**';
    // One `*` per segment keeps matching linear in the path's length.
    if (segment.indexOf('*') !== segment.lastIndexOf('*')) return 'has more than one "*" in a segment';
  }
  return null;
}

function globSource(glob: string): string {
  let source = '';
  for (const segment of glob.split('/').slice(1)) {
    if (segment === '**') source += '(?:/.*)?';
    else source += `/${segment.split('*').map(escapeRegex).join('[^/]*')}`;
  }
  // `/**` alone leaves nothing before the optional group; the root path must still match.
  return source === '(?:/.*)?' ? '/.*' : source;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
