import type { Admin } from '../admin/admin-state.ts';
import { ConfigError } from '../config/errors.ts';
import { loadConfigFile, type LoadedConfig } from '../config/load.ts';
import { buildGateway, type AccessRecord, type Gateway, type GatewayDeps } from '../gateway/gateway.ts';
import { jsonError } from '../http/json-error.ts';
import { newRequestId } from '../http/request-id.ts';
import type { LineSink } from '../log/logger.ts';
import type { Logger } from '../plugin-api/index.ts';
import { tunnelHandler, wasUpgraded, type TunnelData } from '../proxy/websocket.ts';
import { createMemoryStore } from '../state/memory-store.ts';
import { writeAccessLine } from './access-log.ts';
import { openMainListener } from './main-listener.ts';
import { openRedirectListener } from './redirect-listener.ts';
import { withUsableTls } from './tls-options.ts';
import type { Serve } from 'bun';
import { parseListen, type ListenAddress } from '../config/listen-address.ts';
import { pluginFiles } from '../plugin-loader/load-plugin.ts';
import { watchConfigFiles, type ConfigWatcher } from './config-watcher.ts';

export interface ServerOptions {
  configFile: string;
  log: Logger;
  accessSink: LineSink;
  admin: Admin;
  createAuth: GatewayDeps['createAuth'];
  env?: Record<string, string | undefined>;
  /** Share the port with sibling worker processes. */
  reusePort?: boolean;
  /** Overrides `listen` from the config (tests use `127.0.0.1:0`). */
  listen?: string;
}

export interface RunningServer {
  readonly port: number;
  readonly url: string;
  readonly gateway: Gateway;
  /** Loads the config file again; the old config keeps serving when the new one is invalid. */
  reload(): Promise<{ ok: true } | { ok: false; error: string }>;
  /** Stops accepting, lets requests in flight finish (up to `shutdown_timeout`), closes plugins. */
  stop(): Promise<void>;
}

/**
 * Starts Gatehouse on a config file: validates and builds everything first, then listens. Reloads
 * on demand and when the file changes (`watch`, default on); SIGHUP and signals are the CLI's.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { log, admin } = options;
  let listeningOn: readonly string[] = [];
  // One memory state for this server's whole life: reloads keep sign-outs, codes and throttles.
  const processState = {
    memoryState: createMemoryStore({ log: log.child({ component: 'state' }) }),
    memorySessions: createMemoryStore({ maxEntries: 1_000_000, log: log.child({ component: 'state' }) }),
  };
  const deps: GatewayDeps = { log, admin, createAuth: options.createAuth, listenPorts: () => listeningOn, process: processState };
  let current = await buildGateway(withUsableTls(loadConfigFile(options.configFile, options.env)), deps);
  for (const w of current.warnings) log.warn(`config warning: ${w.message}`, { file: w.file, line: w.line, key: w.path });
  const config = current.loaded.config;
  const { hostname, port }: ListenAddress = (options.listen !== undefined ? parseListen(options.listen) : null) ?? config.listen;

  const serveOptions: Serve.Options<TunnelData> = {
    hostname,
    port,
    reusePort: options.reusePort ?? false,
    idleTimeout: 120,
    // Bun's development mode (its default unless NODE_ENV=production) costs ~10% throughput.
    development: false,
    // Bodies stream through to the upstream; Bun's default cap (128 MiB) would refuse large uploads with 413.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    async fetch(request, srv) {
      const startedAt = performance.now();
      const record: AccessRecord = {};
      let response: Response;
      try {
        const upgrade = (data: TunnelData) => srv.upgrade(request, { data });
        response = await current.handle(request, srv.requestIP(request)?.address ?? '', record, upgrade);
      } catch (error) {
        record.requestId ??= newRequestId();
        log.error('request failed', { request_id: record.requestId, error: (error as Error).stack ?? String(error) });
        response = jsonError(500, 'internal_error', record.requestId);
      }
      admin.meter.record(record.route ?? 'none', response.status, (performance.now() - startedAt) / 1000);
      if (current.loaded.config.log.access_log) writeAccessLine(options.accessSink, request, record.url, response.status, startedAt, record);
      return wasUpgraded(response) ? undefined : response;
    },
    websocket: tunnelHandler,
    error(error) {
      log.error('server error', { error: error.stack ?? String(error) });
      return jsonError(500, 'internal_error', newRequestId());
    },
  };
  const server = openMainListener(serveOptions, config.tls, log);
  const redirect = config.http_redirect_listen
    ? openRedirectListener({ address: config.http_redirect_listen, reusePort: options.reusePort, main: serveOptions, tlsPort: server.port, gateway: () => current, admin, accessSink: options.accessSink, log })
    : undefined;
  listeningOn = [String(server.port)];
  admin.checks.set('state', () => current.stateHealthy());
  admin.ready = true;
  const scheme = config.tls ? 'https' : 'http';
  const url = `${scheme}://${hostname === '0.0.0.0' ? '127.0.0.1' : hostname}:${server.port}`;
  log.info('gatehouse listening', { url, routes: config.routes.length, config: current.loaded.file });

  let reloading: Promise<unknown> = Promise.resolve();
  async function reloadNow(): Promise<{ ok: true } | { ok: false; error: string }> {
    let next: LoadedConfig;
    try {
      next = loadConfigFile(options.configFile, options.env);
      watched = next;
      withUsableTls(next);
      const gateway = await buildGateway(next, deps);
      const old = current;
      current = gateway;
      server.reloadTls(next.config.tls);
      for (const w of gateway.warnings) log.warn(`config warning: ${w.message}`, { file: w.file, line: w.line, key: w.path });
      for (const key of ['listen', 'workers', 'admin', 'http_redirect_listen'] as const) {
        if (JSON.stringify(next.config[key]) !== JSON.stringify(old.loaded.config[key])) {
          log.warn(`"${key}" changed; it takes effect on restart`);
        }
      }
      log.info('config reloaded', { config: next.file });
      void old.retire(gateway.loaded.config.shutdown_timeout);
      return { ok: true };
    } catch (error) {
      const message = error instanceof ConfigError ? error.message : (error as Error).stack ?? String(error);
      log.error('config reload failed; the previous config keeps serving', { error: message });
      return { ok: false, error: message };
    } finally {
      watcher?.update();
    }
  }
  const reload = () => {
    const result = reloading.then(reloadNow);
    reloading = result;
    return result;
  };

  // The newest config that parsed, even if it then failed to build: its plugin files are the ones being fixed.
  let watched: LoadedConfig = current.loaded;
  const watchedFiles = () => [watched.file, ...pluginFiles(watched.config.routes.flatMap((r) => r.plugins.map((p) => p.use)), watched.dir)];
  const watcher: ConfigWatcher | undefined = config.watch ? watchConfigFiles({ files: watchedFiles, onChange: () => void reload(), log }) : undefined;

  return {
    port: server.port!,
    url,
    get gateway() {
      return current;
    },
    reload,
    async stop() {
      watcher?.close();
      admin.ready = false;
      const grace = current.loaded.config.shutdown_timeout;
      // A cancellable timer: Bun.sleep would keep the process alive for the whole grace period.
      let graceTimer: Timer | undefined;
      await Promise.race([Promise.all([server.stop(false), redirect?.stop(false)]), new Promise((r) => (graceTimer = setTimeout(r, grace)))]);
      clearTimeout(graceTimer);
      void server.stop(true);
      void redirect?.stop(true);
      await current.retire(0);
      await processState.memoryState.close();
      await processState.memorySessions.close();
      options.accessSink.flush();
    },
  };
}
