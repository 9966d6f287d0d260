import type { Admin } from '../admin/admin-state.ts';
import { ConfigError, type ConfigProblem } from '../config/errors.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { RouteConfig } from '../config/schema.ts';
import { compileCidrs } from '../http/cidr.ts';
import { jsonError } from '../http/json-error.ts';
import { createRequestGate, isRefusal } from '../http/request-gate.ts';
import { newRequestId } from '../http/request-id.ts';
import type { Logger, PluginInstance, RequestContext, RouteInfo } from '../plugin-api/index.ts';
import { Context } from '../pipeline/context.ts';
import { proxyRequest, type ConsumedCredentials, type ProxyRoute } from '../proxy/proxy.ts';
import { UpstreamPool } from '../proxy/upstream-pool.ts';
import type { TunnelData } from '../proxy/websocket.ts';
import { compileHostPattern } from '../router/host-pattern.ts';
import { resolveRoute } from '../router/resolve-route.ts';
import { canonicalForMatching, Router } from '../router/router.ts';
import { validateAuthConfig } from '../auth/index.ts';
import type { AuthRuntime } from '../auth/index.ts';
import { buildRoutePipeline } from './route-pipeline.ts';

/** Fields the access log line takes from routing and the pipeline. */
export interface AccessRecord {
  requestId?: string;
  /** The parsed request URL, so the access log does not parse it again. */
  url?: URL;
  route?: string;
  upstream?: string;
  exemption?: string;
  identity?: string;
  /** The client address the gate settled on. */
  clientIp?: string;
}

interface CompiledRoute {
  from: string;
  prefix: string;
  allowEncodedSlashes: boolean;
  info: RouteInfo;
  upstream: UpstreamPool;
  passIdentityHeaders: boolean;
  setRequestHeaders: [string, string][];
  run: (ctx: RequestContext) => Promise<Response>;
}

/** One loaded config, ready to serve: routes, their pipelines and the sign-in runtime. */
export interface Gateway {
  readonly loaded: LoadedConfig;
  readonly warnings: readonly ConfigProblem[];
  /** `upgrade` switches the client connection to a WebSocket tunnel (routes with `allow_websockets`). */
  /** `peerIp` is the TCP peer's address; the request gate decides the client's. */
  handle(request: Request, peerIp: string, record: AccessRecord, upgrade?: (data: TunnelData) => boolean): Promise<Response>;
  /** Waits (up to `graceMs`) for requests that started on this gateway, then closes its plugins. */
  retire(graceMs: number): Promise<void>;
}

export interface GatewayDeps {
  log: Logger;
  admin: Admin;
  createAuth(loaded: LoadedConfig, routeOrigins: string[], log: Logger): AuthRuntime | Promise<AuthRuntime>;
  /**
   * The ports Gatehouse listens on, known once the server is up. A route `from` without a port
   * answers on these and the scheme's default port only (`:*` for any).
   */
  listenPorts?: () => readonly string[];
}

/**
 * Builds everything a config needs before it serves a single request (patterns compiled, plugins
 * created, keys loaded), so a config that fails anywhere never replaces a working one.
 */
export async function buildGateway(loaded: LoadedConfig, deps: GatewayDeps): Promise<Gateway> {
  const { config } = loaded;
  const problems: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];
  // What sign-in may hand a session to: `:*` keeps its meaning there (any port of the host).
  const routeOrigins = config.routes.map((r) => {
    const pattern = compileHostPattern(r.from);
    return pattern.anyPort ? `${pattern.origin}:*` : pattern.origin;
  });
  for (const p of validateAuthConfig(config)) (p.severity === 'error' ? problems : warnings).push(loaded.problem(p.path, p.message));
  if (problems.length > 0) throw new ConfigError(problems);
  const auth = await deps.createAuth(loaded, routeOrigins, deps.log);
  const sessionCookie = auth.session.cookieName;
  const authHost = config.authenticate ? new URL(config.authenticate.url).host.toLowerCase() : undefined;
  const proxyProblems: string[] = [];
  const trustedProxies = config.trusted_proxies.length > 0 ? compileCidrs(config.trusted_proxies, 'trusted_proxies', proxyProblems) : null;
  for (const message of proxyProblems) problems.push(loaded.problem(['trusted_proxies'], message));
  const gate = createRequestGate({ trustedProxies });

  const instances: PluginInstance[] = [];
  const compiled: CompiledRoute[] = [];
  for (const [index, route] of config.routes.entries()) {
    const info: RouteInfo = {
      id: `routes[${index}]`,
      from: route.from,
      origin: compileHostPattern(route.from).origin,
      prefix: route.prefix,
      policy: route.policy ?? {},
    };
    if (!route.policy) {
      warnings.push(loaded.problem(['routes', index], `route ${info.id} (${route.from}) has no policy, so it admits nobody; add policy: { allow_any_authenticated_user: true } or policy: { public: true }`));
    }
    if (route.allow_encoded_slashes) {
      warnings.push(loaded.problem(['routes', index, 'allow_encoded_slashes'], `route ${info.id} (${route.from}) forwards %2F and %5C in paths untouched: its upstream must not decode them before routing or checking access`));
    }
    // The trust cookie never reaches an upstream; plugins add what they consume (stripFromUpstream).
    const consumed: ConsumedCredentials = { cookies: new Set([sessionCookie]), headers: new Set() };
    const upstream = new UpstreamPool(route.to, route.timeout);
    const proxyRoute = compileProxyRoute(route, upstream, consumed, config.underscores_in_headers, auth);
    const terminal = (ctx: RequestContext) => authorizeThenProxy(ctx as Context, route, proxyRoute, auth);
    const pipeline = await buildRoutePipeline(route, index, info, terminal, { loaded, log: deps.log, auth, admin: deps.admin, problems, warnings, consumed });
    instances.push(...pipeline.instances);
    compiled.push({
      from: route.from,
      prefix: route.prefix,
      allowEncodedSlashes: route.allow_encoded_slashes,
      info,
      upstream,
      passIdentityHeaders: route.pass_identity_headers,
      setRequestHeaders: Object.entries(route.set_request_headers),
      run: pipeline.run,
    });
  }
  if (problems.length > 0) {
    await closeAll(instances, auth, deps.log);
    throw new ConfigError(problems);
  }

  const router = new Router(compiled);
  let inFlight = 0;

  async function handle(request: Request, peerIp: string, record: AccessRecord, upgrade?: (data: TunnelData) => boolean): Promise<Response> {
    const requestId = newRequestId();
    record.requestId = requestId;
    record.clientIp = peerIp;
    const gated = gate(request, peerIp);
    if (isRefusal(gated)) return jsonError(gated.status, gated.code, requestId, { reason: gated.reason, message: gated.message }, gated.headers);
    const { url, host, clientIp } = gated;
    record.url = url;
    record.clientIp = clientIp;
    const path = url.pathname;
    const reserved = canonicalForMatching(path);
    if (reserved.startsWith('/.gatehouse/') || reserved === '/.gatehouse' || reserved.startsWith('/.well-known/gatehouse/') || host.host === authHost) {
      record.route = 'gatehouse';
      return (await auth.handle(request, { requestId, clientIp, url })) ?? jsonError(404, 'not_found', requestId);
    }
    const resolved = resolveRoute(router, host.hostname, host.port, path);
    if (resolved.kind === 'ambiguous') {
      return jsonError(400, 'ambiguous_path', requestId, { reason: resolved.reason, message: 'the path can be read as a different path by other servers' });
    }
    if (resolved.kind === 'none') return jsonError(404, 'no_route', requestId);
    const match = resolved;
    if (host.port !== undefined && match.pattern.port === undefined && !match.pattern.anyPort && deps.listenPorts && !deps.listenPorts().includes(host.port)) {
      // Another port in Host would become the upstream's X-Forwarded-Port and its absolute links.
      return jsonError(421, 'misdirected_request', requestId, { message: `this route does not answer on port ${host.port}; write the port in its from (or :*)` });
    }
    const route = match.route;
    record.route = route.info.id;
    const ctx = new Context(
      requestId,
      request,
      url,
      clientIp,
      route.info,
      // The route's own request headers travel with its upstream: a plugin that sends the request
      // elsewhere (path-prefix) starts from fresh headers, so they never leak to another service.
      { upstream: route.upstream, path: path + url.search, headers: new Headers(route.setRequestHeaders), passIdentityHeaders: route.passIdentityHeaders },
      deps.log,
      upgrade,
    );
    inFlight++;
    try {
      return withRequestId(await route.run(ctx), requestId);
    } finally {
      inFlight--;
      record.upstream = ctx.upstream.upstream.urls[0];
      if (ctx.exemption) record.exemption = `${ctx.exemption.plugin}:${ctx.exemption.rule}`;
      if (ctx.identity) record.identity = ctx.identity.subject;
    }
  }

  async function retire(graceMs: number): Promise<void> {
    const deadline = Date.now() + graceMs;
    while (inFlight > 0 && Date.now() < deadline) await Bun.sleep(20);
    await closeAll(instances, auth, deps.log);
  }

  return { loaded, warnings, handle, retire };
}

function compileProxyRoute(route: RouteConfig, ownUpstream: UpstreamPool, consumed: ConsumedCredentials, underscoresInHeaders: boolean, auth: AuthRuntime): ProxyRoute {
  return {
    ownUpstream,
    preserveHost: route.preserve_host_header,
    removeRequestHeaders: route.remove_request_headers.map((h) => h.toLowerCase()),
    setResponseHeaders: Object.entries(route.set_response_headers),
    consumed,
    underscoresInHeaders,
    allowWebsockets: route.allow_websockets,
    signAssertion: (ctx) => (ctx.identity ? auth.signAssertion(ctx.identity, ctx.route.origin) : Promise.resolve(undefined)),
  };
}

/** The route's policy, applied after the plugins: exemptions and public routes pass. */
async function authorizeThenProxy(ctx: Context, route: RouteConfig, proxyRoute: ProxyRoute, auth: AuthRuntime): Promise<Response> {
  if (!route.policy?.public && !ctx.exemption) {
    if (!ctx.identity) return ctx.error(401, 'unauthenticated', loginHint(ctx, auth));
    if (!route.policy || auth.evaluatePolicy(route.policy, ctx.identity) !== 'allow') return ctx.error(403, 'forbidden');
  }
  return proxyRequest(ctx, proxyRoute, ctx.upgrade);
}

function loginHint(ctx: RequestContext, auth: AuthRuntime): Record<string, unknown> | undefined {
  try {
    return { login_url: auth.session.loginUrl(ctx.url.href) };
  } catch {
    return undefined;
  }
}

async function closeAll(instances: PluginInstance[], auth: AuthRuntime, log: Logger): Promise<void> {
  for (const instance of instances) {
    try {
      await instance.close?.();
    } catch (error) {
      log.error('plugin close() failed', { error: (error as Error).message });
    }
  }
  await auth.close();
}

/** Stamps the request id on every answer; a plugin's response may have immutable headers. */
function withRequestId(response: Response, requestId: string): Response {
  try {
    response.headers.set('x-request-id', requestId);
    return response;
  } catch {
    const headers = new Headers(response.headers);
    headers.set('x-request-id', requestId);
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
}
