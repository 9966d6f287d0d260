/**
 * A small server around `createAuthRuntime().handle()` for sign-in tests over real HTTP: every
 * `*.localhost` host on one port, Gatehouse's own endpoints first, then for route hosts the
 * `trust-cookie` plugin, the route policy, and an upstream stand-in that answers who it saw.
 * It deliberately avoids the engine's server so that the sign-in flows are tested on their own.
 */
import { ipServices } from '../../src/http/cidr.ts';
import { pathServices } from '../../src/http/path/index.ts';
import * as v from 'valibot';
import { configSchema, type Config } from '../../src/config/schema.ts';
import { createAuthRuntime, type AuthRuntime, type AuthRuntimeOptions } from '../../src/auth/runtime.ts';
import { generateSigningKeyPem } from '../../src/auth/tokens/keys.ts';
import { memoryLogger, type LogLine } from './memory-logger.ts';
import { validateAuthConfig } from '../../src/auth/validate.ts';
import { optionSchemas } from '../../src/gateway/route-pipeline.ts';
import type { Handler, PluginServices, RequestContext, RouteInfo } from '../../src/plugin-api/index.ts';
import trustCookie from '../../plugins/trust-cookie/index.ts';
import type { Browser } from './browser-jar.ts';

export interface AuthTestServer {
  port: number;
  /** `http://<name>.localhost:<port>` */
  origin(name: string): string;
  runtime: AuthRuntime;
  config: Config;
  /** The session signing key (PKCS#8 PEM). */
  keyPem: string;
  logs: LogLine[];
  stop(): Promise<void>;
}

/** Fake plugin services backed by a real auth runtime (only what the auth plugins use is real). */
export function pluginServices(runtime: AuthRuntime, route: RouteInfo): PluginServices {
  const unused = () => {
    throw new Error('not available in the auth test server');
  };
  return {
    v,
    log: memoryLogger(),
    route,
    warn: () => {},
    stripFromUpstream: () => {},
    upstream: unused,
    jwt: runtime.jwt,
    paths: pathServices,
    ip: ipServices,
    session: runtime.sessionServices(route),
    cookies: runtime.cookies,
    counter: () => ({ inc() {} }),
    ttlStore: unused,
    fetch: unused,
    secret: unused,
    timingSafeEqual: (a, b) => a === b,
    configDir: '.',
  };
}

/** A request context good enough for auth plugins. */
export function testContext(request: Request, route: RouteInfo, url = new URL(request.url)): RequestContext {
  return {
    requestId: 'req-test',
    request,
    url,
    clientIp: '127.0.0.1',
    route,
    trace: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    identity: null,
    exemption: null,
    allowedOrigin: null,
    upstream: { upstream: { urls: [], timeoutMs: 1000 }, path: url.pathname + url.search, headers: new Headers(), passIdentityHeaders: false },
    log: memoryLogger(),
    state: new Map(),
    error(status, code, extra = {}, headers = {}) {
      const h = new Headers(headers);
      h.set('content-type', 'application/json');
      h.set('x-request-id', 'req-test');
      return new Response(JSON.stringify({ error: code, ...extra, request_id: 'req-test' }), { status, headers: h });
    },
  };
}

/**
 * Starts the server. `build(port)` returns the raw config (before validation); hosts in it should
 * be `http://<name>.localhost:<port>`. A signing key is added unless the config has one.
 */
export async function startAuthServer(
  build: (port: number) => Record<string, unknown> | Promise<Record<string, unknown>>,
  options: Partial<Omit<AuthRuntimeOptions, 'log' | 'routeOrigins'>> = {},
): Promise<AuthTestServer> {
  let handler: (request: Request, server: Bun.Server<undefined>) => Promise<Response> = async () => new Response('starting', { status: 503 });
  const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: (req, srv) => handler(req, srv) });
  const port = server.port!;
  const raw = await build(port);
  const keyPem = generateSigningKeyPem();
  const session = (raw.session ?? {}) as Record<string, unknown>;
  raw.session = { signing_key: keyPem, ...session };
  const config = v.parse(configSchema, raw);
  const errors = validateAuthConfig(config).filter((p) => p.severity === 'error');
  if (errors.length) throw new Error(`invalid auth config: ${JSON.stringify(errors)}`);
  const log = memoryLogger();
  const runtime = await createAuthRuntime(config, { ...options, log, routeOrigins: config.routes.map((r) => r.from) });

  const routes = await Promise.all(
    config.routes.map(async (r, i) => {
      const route: RouteInfo = { id: `routes[${i}]`, from: r.from, origin: new URL(r.from).origin, prefix: r.prefix, policy: r.policy ?? {} };
      const created = await trustCookie.create(v.parse(trustCookie.options!(v, optionSchemas), {}), pluginServices(runtime, route));
      return { route, handle: created as Handler, passIdentity: r.pass_identity_headers, hasPolicy: r.policy !== undefined };
    }),
  );

  let n = 0;
  handler = async (request, srv) => {
    const url = new URL(request.url);
    const info = { requestId: `req-${++n}`, clientIp: srv.requestIP(request)?.address ?? '127.0.0.1', url };
    const own = await runtime.handle(request, info);
    if (own) return own;
    const entry = routes.find((r) => r.route.origin === url.origin);
    if (!entry) return Response.json({ error: 'no_route' }, { status: 404 });
    const ctx = testContext(request, entry.route, url);
    return entry.handle(ctx, async () => {
      const allowed = entry.hasPolicy && runtime.evaluatePolicy(entry.route.policy, ctx.identity) === 'allow';
      if (!allowed) return ctx.error(ctx.identity ? 403 : 401, ctx.identity ? 'forbidden' : 'unauthenticated');
      const assertion = entry.passIdentity && ctx.identity ? await runtime.signAssertion(ctx.identity, entry.route.origin) : undefined;
      return Response.json({ host: url.host, path: url.pathname, identity: ctx.identity, assertion });
    });
  };

  return {
    port,
    origin: (name) => `http://${name}.localhost:${port}`,
    runtime,
    config,
    keyPem,
    logs: log.lines,
    async stop() {
      runtime.close();
      await server.stop(true);
    },
  };
}

export interface StaticSignIn {
  server: AuthTestServer;
  AUTH: string;
  APP: string;
  API: string;
  ADMIN: string;
  PASSWORD: string;
  /** Navigates to `url`, fills in the sign-in form it lands on, and follows the redirects. */
  signIn(browser: Browser, url: string, email?: string, password?: string): Promise<{ response: Response; url: string }>;
}

/**
 * The static-provider setup the sign-in tests share: sign-in host `auth`, routes `app` (any user,
 * identity headers on), `api` (any user) and `admin` (group `admins`); users alice (group dev)
 * and bob; plain-http cookies. `perUser` sets the failed sign-in limit (default 5).
 */
export async function startStaticSignIn(options: { perUser?: number } = {}): Promise<StaticSignIn> {
  const PASSWORD = 'correct horse battery staple';
  const hash = await Bun.password.hash(PASSWORD, { algorithm: 'argon2id' });
  const server = await startAuthServer(
    (port) => {
      const o = (n: string) => `http://${n}.localhost:${port}`;
      return {
        authenticate: {
          url: o('auth'),
          provider: 'static',
          static: {
            users: [
              { email: 'alice@example.test', password_hash: hash, name: 'Alice', groups: ['dev'] },
              { email: 'bob@example.test', password_hash: hash, groups: [] },
            ],
          },
        },
        session: { cookie_secure: false },
        routes: [
          { from: o('app'), to: 'http://127.0.0.1:1', policy: { allow_any_authenticated_user: true }, pass_identity_headers: true },
          { from: o('api'), to: 'http://127.0.0.1:1', policy: { allow_any_authenticated_user: true } },
          { from: o('admin'), to: 'http://127.0.0.1:1', policy: { allow: { groups: ['admins'] } } },
        ],
      };
    },
    { throttle: { perUser: options.perUser ?? 5, perIp: 50 } },
  );
  const AUTH = server.origin('auth');
  return {
    server,
    AUTH,
    APP: server.origin('app'),
    API: server.origin('api'),
    ADMIN: server.origin('admin'),
    PASSWORD,
    async signIn(browser, url, email = 'alice@example.test', password = PASSWORD) {
      const { response, url: at } = await browser.navigate(url);
      if (!at.startsWith(`${AUTH}/.gatehouse/sign_in`)) throw new Error(`expected the sign-in page, got ${at}`);
      return browser.submitForm(at, await response.text(), { email, password });
    },
  };
}
