/**
 * Gatehouse's test kit (`gatehouse/testing`): runs the real engine in process on 127.0.0.1 with a
 * config, a plugin under test and a test upstream, and talks HTTP to it. Plugin authors use
 * `createTestGateway()`; Gatehouse's own tests also use the lower-level `startGateway()` and
 * `startUpstream()`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { createAdminState, type Admin } from '../admin/admin-state.ts';
import { createAuth } from '../gateway/create-auth.ts';
import { createLogger, type LineSink } from '../log/logger.ts';
import { isPluginPath } from '../plugin-loader/load-plugin.ts';
import { startServer, type RunningServer } from '../server/server.ts';

/** A sink that keeps lines in memory so tests can read the logs. */
export function memorySink(): LineSink & { lines: string[]; json(): Record<string, unknown>[] } {
  const lines: string[] = [];
  return {
    lines,
    write: (line) => void lines.push(line),
    flush() {},
    json: () => lines.map((l) => JSON.parse(l)),
  };
}

export interface TestGateway {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  port: number;
  /** Folder holding `gatehouse.yaml`; write plugin files or secrets here. */
  dir: string;
  configFile: string;
  server: RunningServer;
  /** Process-wide state: the counters behind `/metrics`. */
  admin: Admin;
  logs: ReturnType<typeof memorySink>;
  accessLogs: ReturnType<typeof memorySink>;
  /** fetch against the gateway with `host` as the Host header (default: the first route's host). */
  request(path: string, init?: RequestInit & { host?: string }): Promise<Response>;
  stop(): Promise<void>;
}

/**
 * Starts Gatehouse in process on 127.0.0.1 with an ephemeral port from `yaml` (written to a temp
 * folder, along with `files`). `listen` overrides the address (default `127.0.0.1:0`, any free
 * port). Rejects with the ConfigError when the config is invalid.
 */
export async function startGateway(
  yaml: string,
  options: { files?: Record<string, string>; env?: Record<string, string | undefined>; listen?: string } = {},
): Promise<TestGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
  for (const [name, content] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), content);
  const configFile = join(dir, 'gatehouse.yaml');
  writeFileSync(configFile, yaml);
  const logs = memorySink();
  const accessLogs = memorySink();
  const admin = createAdminState();
  const server = await startServer({
    configFile,
    log: createLogger({ sink: logs, level: 'debug' }),
    accessSink: accessLogs,
    admin,
    createAuth,
    env: { ...process.env, ...options.env },
    listen: options.listen ?? '127.0.0.1:0',
  });
  const defaultHost = new URL(server.gateway.loaded.config.routes[0]!.from.replace('*.', 'wildcard.').replace(/:\*$/, '')).host;
  return {
    origin: server.url,
    port: server.port,
    dir,
    configFile,
    server,
    admin,
    logs,
    accessLogs,
    request(path, init = {}) {
      const { host, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (!headers.has('host')) headers.set('host', host ?? defaultHost);
      return fetch(server.url + path, { ...rest, headers, redirect: 'manual' });
    },
    stop: () => server.stop(),
  };
}

export interface TestUpstream {
  url: string;
  port: number;
  /** Every request the upstream received, in order. */
  received: Request[];
  stop(): Promise<void>;
}

/** The default upstream answer: `{method, path, headers, body}` as JSON, `path` being the raw target. */
async function echo(request: Request): Promise<Response> {
  const url = new URL(request.url);
  return Response.json({
    method: request.method,
    path: url.pathname + url.search,
    headers: Object.fromEntries(request.headers),
    body: request.body ? await request.text() : null,
  });
}

/**
 * A real upstream on 127.0.0.1. The default handler echoes `{method, path, headers, body}` as
 * JSON, where `path` is the raw request target the upstream saw.
 */
export function startUpstream(handler?: (request: Request) => Response | Promise<Response>): TestUpstream {
  const received: Request[] = [];
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(request) {
      received.push(request);
      return (handler ?? echo)(request);
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port!,
    received,
    stop: () => server.stop(true),
  };
}

// #region plugin-author types (copied verbatim into the types file `gatehouse plugin init` writes)

/** A plugin entry as written under a route's `plugins:`: `use` plus that plugin's options. */
export interface PluginEntry {
  use: string;
  [option: string]: unknown;
}

/** Who a test request claims to be; see `TestRequestInit.identity`. */
export interface TestIdentity {
  subject: string;
  /** Default `user`. */
  kind?: 'user' | 'service';
  email?: string;
  name?: string;
  /** Default `[]`. */
  groups?: string[];
  /** Default `{}`. */
  claims?: Record<string, unknown>;
}

export interface TestGatewayOptions {
  /** The plugin file under test: a path (relative to the current directory) or a `file:` URL. */
  plugin?: string | URL;
  /** Its options, exactly as they would sit next to `use:` in the config. Default `{}`. */
  options?: Record<string, unknown>;
  /** Plugins that run before the one under test (built-in names, or paths relative to the current directory). */
  before?: PluginEntry[];
  /** Plugins that run after it, closer to the upstream. */
  after?: PluginEntry[];
  /**
   * Route keys (an object or YAML text) over the default route:
   * `{from: "http://app.test", to: <the test upstream>, policy: {public: true}}`.
   * `${VAR}` and `*_file` work as in a config file.
   */
  config?: Record<string, unknown> | string;
  /** Top-level config keys (an object or YAML text), e.g. `service_tokens`; default `{watch: false}`. */
  root?: Record<string, unknown> | string;
  /** The test upstream's handler. Default: echo `{method, path, headers, body}` as JSON. */
  upstream?: (request: Request) => Response | Promise<Response>;
  /** Environment for `${VAR}` in the config, over `process.env`. */
  env?: Record<string, string | undefined>;
  /** Files written next to the generated `gatehouse.yaml` (secrets, keys): name to content. */
  files?: Record<string, string>;
}

export interface TestRequestInit extends RequestInit {
  /** The Host header; default the route's host (`app.test`). */
  host?: string;
  /**
   * Runs the request as this identity (a subject string, or its fields), set by the kit's
   * stand-in auth plugin, which sits first in the route. Without it the request is anonymous.
   */
  identity?: string | TestIdentity;
}

/** A request the test upstream received, body read in full. */
export interface RecordedRequest {
  method: string;
  /** Path and query as the upstream saw them. */
  path: string;
  headers: Headers;
  body: string;
}

export interface PluginTestGateway {
  /** `http://127.0.0.1:PORT` of the gateway. */
  origin: string;
  /** Folder holding the generated `gatehouse.yaml`. */
  dir: string;
  configFile: string;
  /** fetch through the gateway: `path` on the route's host, redirects not followed. */
  request(path: string, init?: TestRequestInit): Promise<Response>;
  /** Every request that reached the upstream, in order. */
  upstreamRequests: RecordedRequest[];
  /** Gatehouse's log lines so far (the plugin's `services.log` included), parsed. */
  logs(): Record<string, unknown>[];
  /** The counters in Prometheus text, as the admin `/metrics` endpoint serves them. */
  metrics(): string;
  /** Loads the config again: the plugin is created afresh and the old instance closed. */
  reload(): Promise<void>;
  /** Stops the gateway (closing the plugin) and the upstream; calling it again does nothing more. */
  stop(): Promise<void>;
}

/**
 * Runs a plugin in a one-route config against a test upstream, in process. The route is public
 * by default; pass `identity` per request to act as a signed-in caller. Rejects with the
 * config's errors (file, line, key, reason) when the plugin refuses its options or fails to load.
 */
export function createTestGateway(options?: TestGatewayOptions): Promise<PluginTestGateway>;
// #endregion
export async function createTestGateway(options: TestGatewayOptions = {}): Promise<PluginTestGateway> {
  const route: Record<string, unknown> = { from: 'http://app.test', policy: { public: true }, ...asObject(options.config, 'config') };
  if ('plugins' in route) throw new Error('createTestGateway: give plugins as `plugin`, `before` and `after`, not config.plugins');
  const root = asObject(options.root, 'root');
  const upstreamRequests: RecordedRequest[] = [];
  const upstream = startUpstream(async (request) => {
    const url = new URL(request.url);
    const body = await request.clone().text();
    upstreamRequests.push({ method: request.method, path: url.pathname + url.search, headers: new Headers(request.headers), body });
    return (options.upstream ?? echo)(request);
  });
  route.to ??= upstream.url;
  const isPublic = Boolean((route.policy as { public?: boolean } | undefined)?.public);
  route.plugins = [
    { use: `./${IDENTITY_PLUGIN_FILE}` },
    ...(options.before ?? []).map(absoluteEntry),
    ...(options.plugin ? [{ ...options.options, use: absolutePath(options.plugin) }] : []),
    ...(options.after ?? []).map(absoluteEntry),
  ];
  const config = { watch: false, ...root, routes: [route] };
  const files = { ...options.files, [IDENTITY_PLUGIN_FILE]: identityPlugin(isPublic ? 'other' : 'auth') };
  let gateway: TestGateway;
  let stopped: Promise<void> | undefined;
  try {
    gateway = await startGateway(toYaml(config), { files, env: options.env });
  } catch (error) {
    await upstream.stop();
    throw error;
  }
  return {
    origin: gateway.origin,
    dir: gateway.dir,
    configFile: gateway.configFile,
    request(path, init = {}) {
      const { identity, ...rest } = init;
      if (identity === undefined) return gateway.request(path, rest);
      const headers = new Headers(rest.headers);
      const fields = typeof identity === 'string' ? { subject: identity } : identity;
      headers.set(IDENTITY_HEADER, encodeURIComponent(JSON.stringify(fields)));
      return gateway.request(path, { ...rest, headers });
    },
    upstreamRequests,
    logs: () => gateway.logs.json(),
    metrics: () => gateway.admin.metrics.render(),
    async reload() {
      const result = await gateway.server.reload();
      if (!result.ok) throw new Error(result.error);
    },
    stop() {
      stopped ??= gateway.stop().then(() => upstream.stop());
      return stopped;
    },
  };
}

const IDENTITY_PLUGIN_FILE = 'gatehouse-test-identity.ts';
/** Client-sent `X-Gatehouse-*` headers never reach an upstream, so this one stays in the gateway. */
const IDENTITY_HEADER = 'x-gatehouse-test-identity';

/**
 * The stand-in auth plugin: sets `ctx.identity` from the kit's header. On a public route it is an
 * `other` plugin (auth plugins do not run there), elsewhere an `auth` plugin, so exemptions skip it.
 */
function identityPlugin(kind: 'auth' | 'other'): string {
  return `export default {
  name: 'test-identity',
  kind: '${kind}',
  create: () => (ctx, next) => {
    const raw = ctx.request.headers.get('${IDENTITY_HEADER}');
    if (raw) {
      const f = JSON.parse(decodeURIComponent(raw));
      ctx.identity = { kind: 'user', groups: [], claims: { sub: f.subject }, ...f, via: 'test-identity' };
    }
    return next();
  },
};
`;
}

function asObject(value: Record<string, unknown> | string | undefined, what: string): Record<string, unknown> {
  if (value === undefined) return {};
  const parsed = typeof value === 'string' ? parseYaml(value) : value;
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`createTestGateway: "${what}" must be a mapping`);
  return { ...(parsed as Record<string, unknown>) };
}

function absolutePath(file: string | URL): string {
  return file instanceof URL || file.startsWith('file:') ? fileURLToPath(file) : resolve(file);
}

function absoluteEntry(entry: PluginEntry): PluginEntry {
  return isPluginPath(entry.use) ? { ...entry, use: absolutePath(entry.use) } : entry;
}
