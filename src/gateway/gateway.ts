import type { Admin } from '../admin/admin-state.ts';
import { ConfigError, type ConfigProblem } from '../config/errors.ts';
import type { LoadedConfig } from '../config/load.ts';
import { stateProblem } from '../config/state-setting.ts';
import { compileCidrs } from '../http/cidr.ts';
import { jsonError } from '../http/json-error.ts';
import { createRequestGate, isRefusal, type GateRefusal, type GatedRequest } from '../http/request-gate.ts';
import { newRequestId } from '../http/request-id.ts';
import { traceContextOf } from '../http/trace-context.ts';
import type { Logger, PluginInstance, RouteInfo } from '../plugin-api/index.ts';
import { Context } from '../pipeline/context.ts';
import { denialOf } from '../policy/denials.ts';
import { RouteTarget } from '../proxy/route-target.ts';
import type { TunnelData } from '../proxy/websocket.ts';
import { compileHostPattern } from '../router/host-pattern.ts';
import { resolveRoute } from '../router/resolve-route.ts';
import { canonicalForMatching, Router } from '../router/router.ts';
import { shadowedRoutes } from '../router/shadowed-routes.ts';
import { validateAuthConfig } from '../auth/index.ts';
import type { AuthRuntime } from '../auth/index.ts';
import type { SessionRegistry } from '../auth/session/session-registry.ts';
import type { StateStore } from '../state/store.ts';
import { compileRoute, type CompiledRoute } from './compile-route.ts';

/** Fields the access log line takes from routing and the pipeline. */
export interface AccessRecord {
  requestId?: string;
  /** The parsed request URL, so the access log does not parse it again. */
  url?: URL;
  route?: string;
  upstream?: string;
  exemption?: string;
  identity?: string;
  /** `user` or `service`, with `identity`. */
  identityKind?: string;
  /** Why the route's policy refused the request (`policy_denied`, `service_not_allowed`, …). */
  denialReason?: string;
  /** The policy's rule families that did not admit, e.g. `groups` or `emails,groups`. */
  denialRule?: string;
  /** The client address the gate settled on. */
  clientIp?: string;
  /** The W3C trace id (the client's, or a new one). */
  traceId?: string;
}

/**
 * State a process keeps across config reloads. With `state: memory` the sessions, revocations
 * and counters live here, so a reload neither forgets a sign-out nor resets a throttle.
 */
export interface ProcessState {
  memoryState?: StateStore;
  /** Sessions and revocations, apart from everything else (see `AuthRuntimeOptions.sessionState`). */
  memorySessions?: StateStore;
}

/** One loaded config, ready to serve: routes, their pipelines and the sign-in runtime. */
export interface Gateway {
  readonly loaded: LoadedConfig;
  readonly warnings: readonly ConfigProblem[];
  /** `upgrade` switches the client connection to a WebSocket tunnel (routes with `allow_websockets`). */
  /** `peerIp` is the TCP peer's address; the request gate decides the client's. */
  handle(request: Request, peerIp: string, record: AccessRecord, upgrade?: (data: TunnelData) => boolean): Promise<Response>;
  /** Whether the shared state answered its last health check. */
  stateHealthy(): boolean;
  /** This config's server-side sessions (the admin listener lists and revokes through it). */
  readonly sessionRegistry: SessionRegistry;
  /** Waits (up to `graceMs`) for requests that started on this gateway, then closes its plugins. */
  retire(graceMs: number): Promise<void>;
  /** Where `url` would be routed, read-only and without running anything (`gatehouse explain`). */
  lookup(url: URL): RouteLookup;
  /** This config's request gate (the redirect listener validates with it too). */
  gate(request: Request, peerIp: string): GatedRequest | GateRefusal;
  /** Whether a route's `from` or the sign-in host names `hostname` (lower-case), whatever the port. */
  servesHost(hostname: string): boolean;
}

/** What `Gateway.lookup` finds for a URL: Gatehouse's own paths, a route, none, or a refusal. */
export type RouteLookup = { kind: 'gatehouse' } | { kind: 'route'; route: RouteInfo } | { kind: 'none' } | { kind: 'ambiguous'; reason: string };

export interface GatewayDeps {
  log: Logger;
  admin: Admin;
  createAuth(loaded: LoadedConfig, routeOrigins: string[], log: Logger, process?: ProcessState): AuthRuntime | Promise<AuthRuntime>;
  /** What outlives one config in this process (the `memory` state); reloads reuse it. */
  process?: ProcessState;
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
  const patterns = config.routes.map((r) => compileHostPattern(r.from));
  // What sign-in may hand a session to: `:*` keeps its meaning there (any port of the host).
  const routeOrigins = patterns.map((p) => (p.anyPort ? `${p.origin}:*` : p.origin));
  for (const p of validateAuthConfig(config)) (p.severity === 'error' ? problems : warnings).push(loaded.problem(p.path, p.message));
  const stateTrouble = stateProblem(config);
  if (stateTrouble) problems.push(loaded.problem(['state'], stateTrouble));
  if (problems.length > 0) throw new ConfigError(problems);
  const auth = await deps.createAuth(loaded, routeOrigins, deps.log, deps.process);
  const authHost = config.authenticate ? new URL(config.authenticate.url).host.toLowerCase() : undefined;
  const proxyProblems: string[] = [];
  const trustedProxies = config.trusted_proxies.length > 0 ? compileCidrs(config.trusted_proxies, 'trusted_proxies', proxyProblems) : null;
  for (const message of proxyProblems) problems.push(loaded.problem(['trusted_proxies'], message));
  const gate = createRequestGate({ trustedProxies });

  const instances: PluginInstance[] = [];
  const env = { loaded, auth, log: deps.log, admin: deps.admin, problems, warnings, instances };
  const compiled: CompiledRoute[] = [];
  for (const [index, route] of config.routes.entries()) compiled.push(await compileRoute(route, index, patterns[index]!, env));
  if (problems.length > 0) {
    await closeAll(instances, auth, deps.log);
    throw new ConfigError(problems);
  }

  const router = new Router(compiled);
  for (const s of shadowedRoutes(compiled)) warnings.push(loaded.problem(['routes', s.index, s.key], `route routes[${s.index}] (${config.routes[s.index]!.from}): ${s.message}`));
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
    const traceparent = request.headers.get('traceparent');
    const trace = traceContextOf(traceparent, traceparent === null ? null : request.headers.get('tracestate'), requestId);
    record.traceId = trace.traceId;
    const path = url.pathname;
    const matchPath = canonicalForMatching(path);
    if (matchPath.startsWith('/.gatehouse/') || matchPath === '/.gatehouse' || matchPath.startsWith('/.well-known/gatehouse/') || host.host === authHost) {
      record.route = 'gatehouse';
      return (await auth.handle(request, { requestId, clientIp, url })) ?? jsonError(404, 'not_found', requestId);
    }
    const resolved = resolveRoute(router, host.hostname, host.port, path, matchPath);
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
    if (!route.info.policy.public && auth.sessionRegistry.failedClosed()) {
      // Sessions cannot be checked for revocation any more: refuse rather than guess.
      return jsonError(503, 'state_unavailable', requestId, { message: 'sessions cannot be checked right now; try again shortly' }, { 'retry-after': '5' });
    }
    const ctx = new Context({
      requestId,
      request,
      url,
      clientIp,
      route: route.info,
      // The route's own request headers travel with its upstream: a plugin that sends the request
      // elsewhere (path-prefix) starts from fresh headers, so they never leak to another service.
      upstream: new RouteTarget(route.upstream, path + url.search, route.setRequestHeaders, route.passIdentityHeaders),
      trace,
      log: deps.log,
      upgrade,
    });
    inFlight++;
    try {
      return withRequestId(await route.run(ctx), requestId);
    } finally {
      inFlight--;
      record.upstream = ctx.upstream.upstream.urls[0];
      if (ctx.exemption) record.exemption = `${ctx.exemption.plugin}:${ctx.exemption.rule}`;
      if (ctx.identity) {
        record.identity = ctx.identity.subject;
        record.identityKind = ctx.identity.kind;
      }
      const denial = denialOf(ctx);
      record.denialReason = denial?.reason;
      record.denialRule = denial?.rule;
    }
  }

  async function retire(graceMs: number): Promise<void> {
    const deadline = Date.now() + graceMs;
    while (inFlight > 0 && Date.now() < deadline) await Bun.sleep(20);
    await closeAll(instances, auth, deps.log);
  }

  function lookup(url: URL): RouteLookup {
    const matchPath = canonicalForMatching(url.pathname);
    if (matchPath.startsWith('/.gatehouse/') || matchPath === '/.gatehouse' || matchPath.startsWith('/.well-known/gatehouse/') || url.host.toLowerCase() === authHost) return { kind: 'gatehouse' };
    const resolved = resolveRoute(router, url.hostname.toLowerCase().replace(/\.$/, ''), url.port || undefined, url.pathname, matchPath);
    return resolved.kind === 'route' ? { kind: 'route', route: resolved.route.info } : resolved;
  }

  const authHostname = config.authenticate ? new URL(config.authenticate.url).hostname.toLowerCase() : undefined;
  const servesHost = (hostname: string) => hostname === authHostname || router.servesHost(hostname);

  return { loaded, warnings, handle, retire, lookup, gate, servesHost, stateHealthy: () => auth.sessionRegistry.healthy(), sessionRegistry: auth.sessionRegistry };
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
