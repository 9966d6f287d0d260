/**
 * A route's path keys made ready at load: the matcher for `path:` / `regex:` (the router uses
 * it instead of the prefix) and the rewrite for `prefix_rewrite` / `regex_rewrite`, wrapped
 * around the route's pipeline (the upstream path, set before the plugins run) and its terminal
 * (the response's paths, mapped back). A route without them gets neither wrapper.
 */
import type { RouteConfig } from '../config/schema.ts';
import type { RequestContext, Upstream } from '../plugin-api/index.ts';
import { parseRewriteTemplate, prefixRewrite, regexRewrite, type PathRewrite } from '../proxy/path-rewrite.ts';
import { restorePaths } from '../proxy/restore-paths.ts';
import { compileRegexMatch, exactPathMatch, type PathMatch } from '../router/path-matcher.ts';

type Handler = (ctx: RequestContext) => Promise<Response>;

export interface RoutePaths {
  pathMatch: PathMatch | undefined;
  rewrite: PathRewrite | undefined;
  /** Located by the key at fault (`regex`, `regex_rewrite`). */
  problems: { key: string; message: string }[];
}

/** Compiles the route's `path` / `regex` and its rewrite; problems are returned, not thrown. */
export function compileRoutePaths(route: RouteConfig): RoutePaths {
  const problems: RoutePaths['problems'] = [];
  if (route.path !== undefined) return { pathMatch: exactPathMatch(route.path), rewrite: undefined, problems };
  if (route.regex === undefined) {
    const rewrite = route.prefix_rewrite === undefined ? undefined : prefixRewrite(route.prefix, route.prefix_rewrite);
    return { pathMatch: undefined, rewrite, problems };
  }
  const compiled = compileRegexMatch(route.regex);
  if ('problem' in compiled) return { pathMatch: undefined, rewrite: undefined, problems: [{ key: 'regex', message: compiled.problem }] };
  if (route.regex_rewrite === undefined || compiled.kind !== 'regex') return { pathMatch: compiled, rewrite: undefined, problems };
  const template = parseRewriteTemplate(route.regex_rewrite);
  if (typeof template === 'string') problems.push({ key: 'regex_rewrite', message: template });
  else if (template.highestGroup > compiled.groups) {
    problems.push({ key: 'regex_rewrite', message: `"\\${template.highestGroup}" names a group the regex does not have (it has ${compiled.groups})` });
  }
  return { pathMatch: compiled, rewrite: typeof template === 'string' ? undefined : regexRewrite(compiled.regex, template), problems };
}

/** `run` with the upstream path rewritten first, so plugins see what the upstream will get. */
export function rewritingRun(run: Handler, rewrite: PathRewrite): Handler {
  return (ctx) => {
    const path = rewrite.upstreamPath(ctx.url.pathname, ctx.url.search);
    if (path === null) {
      return Promise.resolve(ctx.error(400, 'ambiguous_path', { reason: 'dot_segment', message: 'the rewritten path holds a . or .. segment, which the upstream would read as another path' }));
    }
    ctx.upstream.path = path;
    return run(ctx);
  };
}

/**
 * `terminal` with `Location` and `Set-Cookie` paths mapped back when the route's own upstream
 * answered (a plugin that sent the request elsewhere maps its own). Headers the route sets
 * itself (`set_response_headers`) are left as written.
 */
export function restoringTerminal(terminal: Handler, rewrite: PathRewrite, own: Upstream, setResponseHeaders: Record<string, string>): Handler {
  const names = new Set(Object.keys(setResponseHeaders).map((n) => n.toLowerCase()));
  const location = !names.has('location');
  const cookies = !names.has('set-cookie');
  return async (ctx) => {
    const response = await terminal(ctx);
    const { headers } = response;
    if (response.status === 101 || ctx.upstream.upstream !== own || (!headers.has('location') && !headers.has('set-cookie'))) return response;
    const sent = ctx.upstream.path;
    const { pathname, search, origin } = ctx.url;
    restorePaths(headers, (path, query) => rewrite.publicPath(path, query, sent, pathname, search), { publicOrigin: origin, location, cookies });
    return response;
  };
}
