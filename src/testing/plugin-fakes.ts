/**
 * Test-only helpers: a fake request context and load-time services, so plugin unit tests run a
 * handler without a server. The path and address readings and the option schemas are the
 * engine's own, so a plugin is judged by the rules it will run under. Never imported by plugin code.
 */
import { traceContextOf } from '../http/trace-context.ts';
import * as v from 'valibot';
import { identityFromClaims } from '../auth/tokens/identity.ts';
import { SESSION_AUDIENCE } from '../auth/tokens/jwt-services.ts';
import { tokenShapeProblem } from '../auth/tokens/token-shape.ts';
import { optionSchemas } from '../gateway/route-pipeline.ts';

/** The engine's option schemas (`duration`, `requestHeaders`, `token`), for tests that parse options themselves. */
export { optionSchemas };
import { createSharedTtlStore, pluginNamespace } from '../gateway/shared-ttl-store.ts';
import { ipServices } from '../http/cidr.ts';
import { pathServices } from '../http/path/index.ts';
import { createMemoryStore } from '../state/memory-store.ts';
import { createTtlStore } from '../util/ttl-store.ts';
import type {
  Handler,
  LocalTtlStoreOptions,
  Logger,
  OptionSchemas,
  Plugin,
  PluginInstance,
  PluginServices,
  RequestContext,
  RouteInfo,
  SharedTtlStoreOptions,
} from '../plugin-api/index.ts';

const silent: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silent,
};

const route: RouteInfo = {
  id: 'routes[0]',
  from: 'https://api.example.test',
  origin: 'https://api.example.test',
  prefix: '/',
  policy: { allow_any_authenticated_user: true },
};

export interface FakeRequest {
  method?: string;
  url?: string;
  headers?: Record<string, string> | Array<[string, string]>;
  clientIp?: string;
}

/** A request context like the engine's: identity and exemption null, `error()` as JSON. */
export function fakeContext(init: FakeRequest = {}): RequestContext {
  const url = init.url ?? 'https://api.example.test/';
  const request = new Request(url, { method: init.method ?? 'GET', headers: init.headers });
  const requestId = 'req-test';
  return {
    requestId,
    request,
    url: new URL(url),
    clientIp: init.clientIp ?? '127.0.0.1',
    route,
    identity: null,
    exemption: null,
    allowedOrigin: null,
    upstream: {
      upstream: { urls: ['http://127.0.0.1:1'], timeoutMs: 1000 },
      path: new URL(url).pathname,
      headers: new Headers(),
      passIdentityHeaders: false,
    },
    trace: traceContextOf(request.headers.get('traceparent'), request.headers.get('tracestate')),
    log: silent,
    state: new Map(),
    error(status, code, extra, headers) {
      const h = new Headers(headers);
      h.set('content-type', 'application/json');
      h.set('x-request-id', requestId);
      return new Response(JSON.stringify({ error: code, request_id: requestId, ...extra }), { status, headers: h });
    },
  };
}

/**
 * Load-time services; `warnings` collects what the plugin passed to `warn()`, `stripped` what it
 * passed to `stripFromUpstream()`, `capabilities` what it asked for (`session.acceptIssuedTokens()`).
 * The token facts (`jwt.shapeProblem`, `jwt.identityFromClaims`, `session.audience`) are the
 * engine's; signing and verifying are not available. `ttlStore` is the engine's, `shared: true`
 * on a `memory` state of these services' own. `overrides` replaces members.
 */
export function fakeServices(
  overrides: Partial<PluginServices> = {},
): PluginServices & { warnings: string[]; stripped: { cookies: string[]; headers: string[] }; capabilities: { acceptsIssuedTokens: boolean } } {
  const warnings: string[] = [];
  const stripped = { cookies: [] as string[], headers: [] as string[] };
  const capabilities = { acceptsIssuedTokens: false };
  let sharedState: ReturnType<typeof createMemoryStore> | undefined;
  const unused = () => {
    throw new Error('not available in unit tests');
  };
  return {
    warnings,
    stripped,
    capabilities,
    v,
    log: silent,
    route,
    warn: (message) => warnings.push(message),
    stripFromUpstream(what) {
      stripped.cookies.push(...(what.cookies ?? []));
      stripped.headers.push(...(what.headers ?? []));
    },
    upstream: unused,
    jwt: { sign: unused, verifyOwn: unused, verifier: unused, shapeProblem: tokenShapeProblem, identityFromClaims },
    session: {
      cookieName: '_gatehouse',
      audience: SESSION_AUDIENCE,
      acceptIssuedTokens: () => void (capabilities.acceptsIssuedTokens = true),
      loginUrl: unused,
      serviceToken: unused,
    },
    paths: pathServices,
    ip: ipServices,
    cookies: { get: unused, serialize: unused },
    counter: () => ({ inc() {} }),
    ttlStore: ((o?: LocalTtlStoreOptions | SharedTtlStoreOptions) =>
      o?.shared === true
        ? createSharedTtlStore((sharedState ??= createMemoryStore()), { namespace: pluginNamespace(route.id, 'fake') })
        : createTtlStore(o)) as PluginServices['ttlStore'],
    fetch: unused,
    secret: unused,
    timingSafeEqual: (a, b) => a.length === b.length && a === b,
    configDir: '/tmp',
    ...overrides,
  };
}

/** Validates `options` with the plugin's schema and creates the handler, as the engine would. */
export async function instantiate(
  plugin: Plugin,
  options: Record<string, unknown>,
  services = fakeServices(),
  schemas: OptionSchemas = optionSchemas,
): Promise<{ handle: Handler; services: PluginServices & { warnings: string[] } }> {
  const parsed = plugin.options ? v.parse(plugin.options(v, schemas), options) : options;
  const made: Handler | PluginInstance = await plugin.create(parsed as never, services);
  return { handle: typeof made === 'function' ? made : made.handle, services };
}

/** A `next()` that records whether it ran and answers with `response` (a fresh 200 by default). */
export function fakeNext(response?: () => Response): (() => Promise<Response>) & { calls: number } {
  const next = Object.assign(
    async () => {
      next.calls++;
      return response ? response() : new Response('upstream', { status: 200 });
    },
    { calls: 0 },
  );
  return next;
}

/** Every `Access-Control-*` header of a response, lowercased names. */
export function corsHeaders(response: Response): Record<string, string> {
  const out: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name.startsWith('access-control-')) out[name] = value;
  });
  return out;
}
