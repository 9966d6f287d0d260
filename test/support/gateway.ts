import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdminState } from '../../src/admin/admin-state.ts';
import { createAuth } from '../../src/gateway/create-auth.ts';
import { createLogger, type LineSink } from '../../src/log/logger.ts';
import { startServer, type RunningServer } from '../../src/server/server.ts';

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
  logs: ReturnType<typeof memorySink>;
  accessLogs: ReturnType<typeof memorySink>;
  /** fetch against the gateway with `host` as the Host header (default: the first route's host). */
  request(path: string, init?: RequestInit & { host?: string }): Promise<Response>;
  stop(): Promise<void>;
}

/**
 * Starts Gatehouse in process on 127.0.0.1 with an ephemeral port from `yaml` (written to a temp
 * folder, along with `files`). Rejects with the ConfigError when the config is invalid.
 */
export async function startGateway(
  yaml: string,
  options: { files?: Record<string, string>; env?: Record<string, string | undefined> } = {},
): Promise<TestGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
  for (const [name, content] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), content);
  const configFile = join(dir, 'gatehouse.yaml');
  writeFileSync(configFile, yaml);
  const logs = memorySink();
  const accessLogs = memorySink();
  const server = await startServer({
    configFile,
    log: createLogger({ sink: logs, level: 'debug' }),
    accessSink: accessLogs,
    admin: createAdminState(),
    createAuth,
    env: { ...process.env, ...options.env },
    listen: '127.0.0.1:0',
  });
  const defaultHost = new URL(server.gateway.loaded.config.routes[0]!.from.replace('*.', 'wildcard.')).host;
  return {
    origin: server.url,
    port: server.port,
    dir,
    configFile,
    server,
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

/**
 * A real upstream on 127.0.0.1. The default handler echoes `{method, path, headers, body}` as
 * JSON, where `path` is the raw request target the upstream saw.
 */
export function startUpstream(handler?: (request: Request) => Response | Promise<Response>): TestUpstream {
  const received: Request[] = [];
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      received.push(request);
      if (handler) return handler(request);
      const url = new URL(request.url);
      return Response.json({
        method: request.method,
        path: url.pathname + url.search,
        headers: Object.fromEntries(request.headers),
        body: request.body ? await request.text() : null,
      });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port!,
    received,
    stop: () => server.stop(true),
  };
}
