/**
 * What a route's upstream receives as its path when the route rewrites it (`prefix_rewrite`,
 * `regex_rewrite`), and the way back: which upstream paths named in a response (`Location`,
 * `Set-Cookie` `Path`) stand for which public ones. Compiled once at load; routes without a
 * rewrite have none and do no work for it.
 */
import { canonicalForMatching } from '../router/canonical-path.ts';

export interface PathRewrite {
  /**
   * The path and query for the upstream, from the request's path (as sent, dots resolved) and
   * its `search` (with its `?`, or empty). Null when the result would read as another path
   * (a capture that became a `.` or `..` segment).
   */
  upstreamPath(pathname: string, search: string): string | null;
  /**
   * The public path and query for `path` + `query` named by the upstream in a response, or null
   * to leave it alone. `sent` is the path and query the upstream received; `pathname` and
   * `search` are the request's.
   */
  publicPath(path: string, query: string, sent: string, pathname: string, search: string): string | null;
}

/**
 * `prefix_rewrite`: the route's prefix is replaced by `replacement` segment-wise, so with
 * `prefix: /api` and `prefix_rewrite: /v2/`, `/api/x?q` goes up as `/v2/x?q` and `/api` as `/v2/`.
 * The request's own encoding of the rest of the path is kept. Mapped back: any upstream path
 * under `replacement` (`/v2/login` → `/api/login`).
 *
 * @param prefix the route's `prefix` (`/api`, `/api/` or `/`)
 * @param replacement the `prefix_rewrite` value
 */
export function prefixRewrite(prefix: string, replacement: string): PathRewrite {
  const publicRoot = prefix.replace(/\/+$/, '');
  const upstreamRoot = replacement.replace(/\/+$/, '');
  const segments = publicRoot.split('/').filter(Boolean).length;
  return {
    upstreamPath(pathname, search) {
      const rest = afterSegments(pathname, segments);
      return (rest === '' ? replacement : upstreamRoot + rest) + search;
    },
    publicPath(path, query) {
      // What the bare prefix goes up as comes back as the bare prefix (a cookie for `/api/`
      // would not reach `/api`).
      if (path === replacement) return (publicRoot || '/') + query;
      if (upstreamRoot !== '' && path !== upstreamRoot && !path.startsWith(upstreamRoot + '/')) return null;
      return (publicRoot + path.slice(upstreamRoot.length) || '/') + query;
    },
  };
}

/** `pathname` without its first `count` segments (empty ones skipped, as routing merges them). */
function afterSegments(pathname: string, count: number): string {
  let at = 0;
  for (let n = 0; n < count; n++) {
    while (pathname.charCodeAt(at) === 47) at++;
    const slash = pathname.indexOf('/', at);
    at = slash === -1 ? pathname.length : slash;
  }
  return pathname.slice(at);
}

/** A `regex_rewrite` template, split at its first `?`: literal text and group numbers. */
export interface RewriteTemplate {
  path: (string | number)[];
  /** After the `?`; undefined when the template has none. */
  query: (string | number)[] | undefined;
  /** The highest `\N` used. */
  highestGroup: number;
}

/**
 * Reads `regex_rewrite`: `\0` is the whole path, `\1`…`\9` the regex's groups, `\\` a backslash;
 * any other `\` is an error (returned as a string).
 */
export function parseRewriteTemplate(template: string): RewriteTemplate | string {
  const parts: (string | number)[] = [];
  let literal = '';
  let highestGroup = 0;
  let queryAt = -1;
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c === '?' && queryAt === -1) {
      parts.push(literal);
      literal = '';
      queryAt = parts.length;
      continue;
    }
    if (c !== '\\') {
      literal += c;
      continue;
    }
    const next = template[++i];
    if (next === '\\') literal += '\\';
    else if (next !== undefined && /[0-9]/.test(next)) {
      parts.push(literal, Number(next));
      literal = '';
      highestGroup = Math.max(highestGroup, Number(next));
    } else return `"\\${next ?? ''}" is not a group reference: write \\1 to \\9 for the regex's groups, \\0 for the whole path, \\\\ for a backslash`;
  }
  parts.push(literal);
  return queryAt === -1 ? { path: parts, query: undefined, highestGroup } : { path: parts.slice(0, queryAt), query: parts.slice(queryAt), highestGroup };
}

// Characters a path may hold as data that a query reads as structure (`+` is a space in forms).
const QUERY_STRUCTURE = /[&=+;]/g;

/** Names of the parameters in a query string (`a=1&b&c=2` → a, b, c), decoded as forms read them. */
function parameterNames(query: string): Set<string> {
  return new Set(query.split('&').filter(Boolean).map((pair) => formDecode(pair.split('=', 1)[0]!)));
}

/** `query` without the parameters named in `names` (compared as decoded). */
function withoutParameters(query: string, names: ReadonlySet<string>): string {
  return query
    .split('&')
    .filter((pair) => pair !== '' && !names.has(formDecode(pair.split('=', 1)[0]!)))
    .join('&');
}

function formDecode(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return text;
  }
}

/**
 * `regex_rewrite`: the path is rebuilt from `template` with the groups `regex` captured from the
 * path as routing read it. Groups placed in the query have `&`, `=`, `+` and `;` escaped, so a
 * path cannot add query parameters. The request's query follows the template's (`&`-joined),
 * without the parameters the template sets.
 * Mapped back: only the exact path and query the upstream received (to the request's own).
 */
export function regexRewrite(regex: RegExp, template: RewriteTemplate): PathRewrite {
  const fill = (parts: (string | number)[], groups: RegExpExecArray, inQuery: boolean) => {
    let out = '';
    for (const part of parts) {
      if (typeof part === 'string') out += part;
      else {
        const value = groups[part] ?? '';
        out += inQuery ? value.replace(QUERY_STRUCTURE, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) : value;
      }
    }
    return out;
  };
  return {
    upstreamPath(pathname, search) {
      const groups = regex.exec(canonicalForMatching(pathname));
      if (!groups) return pathname + search;
      const path = fill(template.path, groups, false);
      if (/(^|\/)\.\.?(\/|$)/.test(canonicalForMatching(path))) return null;
      const own = template.query ? fill(template.query, groups, true) : '';
      // A parameter the template sets is the template's alone: frameworks that read the last of
      // repeated parameters would otherwise let `?role=admin` override a fixed `role=user`.
      const theirs = own ? withoutParameters(search.slice(1), parameterNames(own)) : search.slice(1);
      return path + (own && theirs ? `?${own}&${theirs}` : own || theirs ? `?${own || theirs}` : '');
    },
    publicPath(path, query, sent, pathname, search) {
      return path + query === sent ? pathname + search : null;
    },
  };
}
