/**
 * Routes of a config that no request can ever reach because of the routing order (exact paths,
 * then prefixes, then regexes): a regex route on a host whose catch-all prefix answers every
 * path first, and a second route with the same host, port and exact path or regex. Found once
 * at load, for `gatehouse check` and the start-up log.
 */
import type { Routable } from './router.ts';

export interface ShadowedRoute {
  index: number;
  key: 'path' | 'regex';
  /** Says which route answers instead, by its `routes[i]` id. */
  message: string;
}

export function shadowedRoutes(routes: readonly Routable[]): ShadowedRoute[] {
  const out: ShadowedRoute[] = [];
  const sameHost = (a: Routable, b: Routable) => a.pattern.host === b.pattern.host && a.pattern.wildcard === b.pattern.wildcard && a.pattern.port === b.pattern.port;
  routes.forEach((route, index) => {
    const match = route.pathMatch;
    if (!match) return;
    const catchAll = routes.findIndex((other) => !other.pathMatch && /^\/*$/.test(other.prefix) && sameHost(other, route));
    if (match.kind === 'regex' && catchAll !== -1) {
      out.push({ index, key: 'regex', message: `this route is never used: routes[${catchAll}] covers every path of the host with prefix /, and prefixes are tried before regexes; give that route a narrower prefix, or match these paths with a prefix or path instead` });
      return;
    }
    const twin = routes.findIndex((other, i) => i < index && other.pathMatch && sameHost(other, route) && sameMatch(other.pathMatch, match));
    if (twin !== -1) out.push({ index, key: match.kind === 'exact' ? 'path' : 'regex', message: `this route is never used: routes[${twin}] has the same host and ${match.kind === 'exact' ? 'path' : 'regex'}, and the first listed wins` });
  });
  return out;
}

function sameMatch(a: NonNullable<Routable['pathMatch']>, b: NonNullable<Routable['pathMatch']>): boolean {
  if (a.kind === 'exact' && b.kind === 'exact') return a.path === b.path;
  return a.kind === 'regex' && b.kind === 'regex' && a.source === b.source;
}
