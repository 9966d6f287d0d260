/**
 * One route of the config, compiled once at load: what plugins see of it, its host pattern, its
 * upstream, its proxy settings, and its pipeline of plugins in front of the policy check and the
 * proxy.
 */
import type { Admin } from '../admin/admin-state.ts';
import type { ConfigProblem } from '../config/errors.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { RouteConfig } from '../config/schema.ts';
import type { Logger, PluginInstance, RequestContext, RouteInfo } from '../plugin-api/index.ts';
import type { Context } from '../pipeline/context.ts';
import { proxyRequest, type ConsumedCredentials, type ProxyRoute } from '../proxy/proxy.ts';
import { createRouteUpstream } from '../proxy/route-upstream.ts';
import type { UpstreamPool } from '../proxy/upstream-pool.ts';
import { upstreamRegistry } from '../admin/upstream-status.ts';
import { recordDenial } from '../policy/denials.ts';
import type { HostPattern } from '../router/host-pattern.ts';
import type { PathMatch } from '../router/path-matcher.ts';
import type { AuthRuntime } from '../auth/index.ts';
import { buildRoutePipeline } from './route-pipeline.ts';
import { compileRoutePaths, restoringTerminal, rewritingRun } from './route-paths.ts';

export interface CompiledRoute {
  pattern: HostPattern;
  prefix: string;
  /** `path:` or `regex:`, matched instead of `prefix`. */
  pathMatch: PathMatch | undefined;
  allowEncodedSlashes: boolean;
  info: RouteInfo;
  upstream: UpstreamPool;
  passIdentityHeaders: boolean;
  setRequestHeaders: [string, string][];
  run: (ctx: RequestContext) => Promise<Response>;
}

export interface RouteCompileEnv {
  loaded: LoadedConfig;
  auth: AuthRuntime;
  log: Logger;
  admin: Admin;
  /** Load errors and warnings, located in the config file. */
  problems: ConfigProblem[];
  warnings: ConfigProblem[];
  /** Plugin instances made, so a config that fails later can close them. */
  instances: PluginInstance[];
}

/** Compiles `routes[index]`, whose `from` is already compiled into `pattern`. */
export async function compileRoute(route: RouteConfig, index: number, pattern: HostPattern, env: RouteCompileEnv): Promise<CompiledRoute> {
  const { loaded, auth, warnings } = env;
  const info: RouteInfo = { id: `routes[${index}]`, from: route.from, origin: pattern.origin, prefix: route.prefix, policy: route.policy ?? {} };
  const label = `route ${info.id} (${route.from})`;
  if (!route.policy) {
    warnings.push(loaded.problem(['routes', index], `${label} has no policy, so it admits nobody; add policy: { allow_any_authenticated_user: true } or policy: { public: true }`));
  }
  if (route.allow_encoded_slashes) {
    warnings.push(loaded.problem(['routes', index, 'allow_encoded_slashes'], `${label} forwards %2F and %5C in paths untouched: its upstream must not decode them before routing or checking access`));
  }
  // The trust cookie never reaches an upstream; plugins add what they consume (stripFromUpstream).
  const consumed: ConsumedCredentials = { cookies: new Set([auth.session.cookieName]), headers: new Set() };
  const routeUpstream = createRouteUpstream(route);
  for (const p of routeUpstream.problems) env.problems.push(loaded.problem(['routes', index, p.key], `${label}: ${p.message}`));
  for (const w of routeUpstream.warnings) warnings.push(loaded.problem(['routes', index, w.key], `${label}: ${w.message}`));
  const upstream = routeUpstream.pool;
  const proxy: ProxyRoute = {
    ownUpstream: upstream,
    preserveHost: route.preserve_host_header,
    removeRequestHeaders: route.remove_request_headers.map((h) => h.toLowerCase()),
    setResponseHeaders: Object.entries(route.set_response_headers),
    consumed,
    underscoresInHeaders: loaded.config.underscores_in_headers,
    allowWebsockets: route.allow_websockets,
    signAssertion: (ctx) => (ctx.identity ? auth.signAssertion(ctx.identity, ctx.route.origin) : Promise.resolve(undefined)),
  };
  const paths = compileRoutePaths(route);
  for (const p of paths.problems) env.problems.push(loaded.problem(['routes', index, p.key], `${label}: ${p.message}`));
  const proxied = (ctx: RequestContext) => authorizeThenProxy(ctx as Context, route, proxy, auth);
  const terminal = paths.rewrite ? restoringTerminal(proxied, paths.rewrite, upstream, route.set_response_headers) : proxied;
  const pipeline = await buildRoutePipeline(route, index, info, terminal, { ...env, consumed });
  env.instances.push(...pipeline.instances, upstream.start({ route: info.id, from: route.from, log: env.log, registry: upstreamRegistry(env.admin), metrics: env.admin.metrics }));
  return {
    pattern,
    prefix: route.prefix,
    pathMatch: paths.pathMatch,
    allowEncodedSlashes: route.allow_encoded_slashes,
    info,
    upstream,
    passIdentityHeaders: route.pass_identity_headers,
    setRequestHeaders: Object.entries(route.set_request_headers),
    run: paths.rewrite ? rewritingRun(pipeline.run, paths.rewrite) : pipeline.run,
  };
}

/**
 * The route's policy, applied after the plugins: exemptions and public routes pass; a denial's
 * 403 says why (reason and rule families, never the policy's lists).
 */
async function authorizeThenProxy(ctx: Context, route: RouteConfig, proxy: ProxyRoute, auth: AuthRuntime): Promise<Response> {
  if (!route.policy?.public && !ctx.exemption) {
    if (!ctx.identity) return ctx.error(401, 'unauthenticated', loginHint(ctx, auth));
    const verdict = auth.judgePolicy(route.policy, ctx.identity);
    if (verdict.outcome === 'deny') return ctx.error(403, 'forbidden', { ...recordDenial(ctx, verdict) });
  }
  return proxyRequest(ctx, proxy, ctx.upgrade);
}

function loginHint(ctx: RequestContext, auth: AuthRuntime): Record<string, unknown> | undefined {
  try {
    return { login_url: auth.session.loginUrl(ctx.url.href) };
  } catch {
    return undefined;
  }
}
