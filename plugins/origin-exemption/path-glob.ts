/**
 * Path globs for exemption rules, matched on segment boundaries: `*` stands for part of one
 * segment, a `**` segment for any number of segments (none included). `/api/*` matches
 * `/api/x` but not `/api/x/y` or `/apix`; `/api/**` matches `/api`, `/api/` and `/api/x/y`.
 */

/** A compiled list of globs. */
export interface PathMatcher {
  /** Whether a request path (`URL.pathname`, still percent-encoded) matches any glob. */
  matches(path: string): boolean;
}

// An encoded slash, backslash or dot can be decoded by the upstream into a different path
// than the one judged here (`/api/..%2fadmin`), so such paths never match an exemption.
const AMBIGUOUS = /%2f|%5c|%2e/i;

/** Compiles `globs`; problems (naming each glob) are pushed onto `problems`, prefixed with `what`. */
export function compilePaths(globs: readonly string[], what: string, problems: string[]): PathMatcher {
  const sources: string[] = [];
  if (globs.length === 0) problems.push(`${what} is empty (leave it out to match every path)`);
  for (const glob of globs) {
    const problem = checkGlob(glob);
    if (problem) problems.push(`${what}: ${JSON.stringify(glob)} ${problem}`);
    else sources.push(globSource(glob));
  }
  const regex = new RegExp(`^(?:${sources.join('|')})$`);
  return { matches: (path) => !AMBIGUOUS.test(path) && regex.test(path) };
}

function checkGlob(glob: string): string | null {
  if (!glob.startsWith('/')) return 'must start with "/"';
  if (/[?#]/.test(glob)) return 'may not contain "?" or "#"; paths are matched without the query';
  if (/[\s\\]/.test(glob)) return 'may not contain whitespace or "\\"';
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
