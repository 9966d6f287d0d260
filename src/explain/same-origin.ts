/**
 * Failures CORS has nothing to do with: the page called its own origin (or Gatehouse's token
 * endpoint) and the config sent the call to the wrong place or without the credential the API
 * wants. Each rule is narrow on purpose: it fires only on the answer the browser recorded for
 * that very mistake, never on an API's ordinary 404 or 401.
 */
import type { Config } from '../config/schema.ts';
import type { RouteLookup } from '../gateway/gateway.ts';
import { pageOrigin, type Exchange } from './exchange.ts';
import { credentialFix, pathMountFix, serviceTokenFix, TECHNIQUE } from './fixes.ts';
import type { Finding } from './judge.ts';
import { mountCovers, routeFacts, type RouteFacts } from './route-facts.ts';

type Lookup = (url: URL) => RouteLookup;

/** The path prefix a same-origin API call uses; `/api` only, so an app's own 404s stay the app's. */
const API_PATH = /^\/api(?=\/|$)/;

/**
 * A script's call that expects data: `fetch`/`xhr` in the HAR, or a CORS-mode (or same-origin
 * mode) request that accepts JSON.
 */
function dataCall(e: Exchange): boolean {
  if (e.resourceType === 'fetch' || e.resourceType === 'xhr') return true;
  const mode = e.requestHeaders.get('sec-fetch-mode');
  return (mode === 'cors' || mode === 'same-origin') && /json/i.test(e.requestHeaders.get('accept') ?? '');
}

/**
 * `api_not_mounted`: a same-origin data call under `/api` that the route forwarded to its own
 * upstream (no `path-prefix` covers the path) and that upstream answered 404. The app does not
 * serve the API; a mount would send the call to the API instead.
 *
 * `service_token_not_sent`: a call a `path-prefix` mount forwarded to an API that wants a service
 * token (a Gatehouse route whose policy allows services, or any upstream when the config declares
 * `service_tokens`) without `X-Gatehouse-Client-Id`, answered 401.
 */
export function judgeSameOrigin(e: Exchange, route: RouteFacts, config: Config, lookup: Lookup): Finding | null {
  if (pageOrigin(e) !== e.url.origin) return null;
  const path = e.url.pathname;
  const mount = route.mounts.find((m) => mountCovers(m.prefix, path));
  if (!mount) {
    const api = API_PATH.exec(path)?.[0];
    if (e.status !== 404 || !api || !dataCall(e)) return null;
    const upstream = apiUpstream(config, route);
    return {
      step: 'api_not_mounted',
      message: `the page's ${e.method} to ${path} on its own origin went to ${route.id}'s upstream (${route.to}), which answered 404: no path-prefix mounts ${api} on ${e.url.host}, so the API never saw the call${upstream ? `; the API's upstream is ${upstream.to} (${upstream.id})` : ''}`,
      fix: pathMountFix(route, api, upstream?.to),
    };
  }
  if (e.status !== 401 || mount.setHeaders.includes('x-gatehouse-client-id')) return null;
  const target = URL.canParse(mount.to) ? mountTarget(new URL(mount.to), path, mount.prefix, config, lookup) : undefined;
  const services = target ? serviceNames(target.policy) : [];
  if (services.length === 0 && config.service_tokens.length === 0) return null;
  const declared = config.service_tokens.find((t) => services.length === 0 || services.includes(t.name));
  const name = declared?.name ?? services[0]!;
  const where = target ? `${target.id} (${target.from}), whose policy allows ${services.length ? `services [${services.join(', ')}]` : 'no service token'}` : mount.to;
  return {
    step: 'service_token_not_sent',
    message: `the path-prefix mount ${mount.prefix} of ${route.id} forwarded the ${e.method} to ${where}, without a service token (no X-Gatehouse-Client-Id / X-Gatehouse-Client-Secret in its set_request_headers), so the answer was 401`,
    fix: serviceTokenFix(route, mount, name, declared !== undefined),
  };
}

/**
 * `token_refused`: `/.gatehouse/token` answered 404 (no route accepts Gatehouse tokens, so the
 * endpoint is off) or 400 (the audience is not such a route): the route named by the audience
 * needs `header-jwt`.
 */
export function judgeTokenRequest(e: Exchange, config: Config, lookup: Lookup): Finding | null {
  if (e.url.pathname !== '/.gatehouse/token' || (e.status !== 404 && e.status !== 400)) return null;
  const wanted = e.url.searchParams.get('audience') ?? '';
  const audience = URL.canParse(wanted) ? new URL(wanted) : undefined;
  const why = e.status === 404 ? 'no route accepts Gatehouse tokens (header-jwt), so the endpoint is off' : `${wanted || 'the audience'} is not the origin of a route that accepts Gatehouse tokens`;
  const found = audience ? lookup(audience) : undefined;
  const origin = pageOrigin(e) ?? e.url.origin;
  if (!audience || found?.kind !== 'route') {
    return {
      step: 'token_refused',
      message: `/.gatehouse/token answered ${e.status}: ${why}; ${audience ? `no route serves ${audience.origin}` : 'the request names no audience URL'}, and the page's calls with the token get 401`,
      fix: {
        technique: TECHNIQUE.headerToken,
        yaml: `routes:\n  - from: ${audience?.origin ?? 'https://API-HOST'}   # the API's route (placeholder)\n    plugins:\n      - use: header-jwt\n# and in the page: fetch('/.gatehouse/token?audience=' + encodeURIComponent(API_ORIGIN))\n`,
      },
    };
  }
  const route = routeFacts(config, indexOf(found.route.id));
  return {
    step: 'token_refused',
    message: `/.gatehouse/token answered ${e.status}: ${why}; the audience ${audience.origin} is ${route.id}${route.headerJwt ? ', whose header-jwt does not accept Gatehouse tokens (own_tokens: false)' : ', which has no header-jwt'}, so the page gets no token and its calls to ${audience.host} get 401`,
    fix: credentialFix(route, origin, audience, false),
  };
}

function indexOf(id: string): number {
  return Number(/\d+/.exec(id)![0]);
}

/** The route the mount forwards to, when its `to` is a host this config routes. */
function mountTarget(to: URL, path: string, prefix: string, config: Config, lookup: Lookup): RouteFacts | undefined {
  const rest = path.slice(prefix.replace(/\/$/, '').length);
  const url = new URL(to.href.replace(/\/$/, '') + (rest.startsWith('/') ? rest : `/${rest}`));
  const found = lookup(url);
  return found.kind === 'route' ? routeFacts(config, indexOf(found.route.id)) : undefined;
}

function serviceNames(policy: Record<string, unknown>): string[] {
  const allow = policy.allow as { services?: unknown } | undefined;
  return Array.isArray(allow?.services) ? allow.services.map(String) : [];
}

/** Another route that looks like the API's (its host's first label says `api`), for its upstream. */
function apiUpstream(config: Config, app: RouteFacts): RouteFacts | undefined {
  const index = config.routes.findIndex((r, i) => i !== app.index && URL.canParse(r.from) && /(^|-)api(-|$)/.test(new URL(r.from).hostname.split('.')[0]!));
  return index === -1 ? undefined : routeFacts(config, index);
}
