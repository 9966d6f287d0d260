/**
 * `gatehouse demo`: Gatehouse in front of an embedded app and API, on an embedded config, with a
 * demo user. After sign-in the app's page tries every cross-origin technique against the API.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createAdminState } from '../admin/admin-state.ts';
import { generateSigningKeyPem } from '../auth/index.ts';
import { ConfigError, formatProblem } from '../config/errors.ts';
import { createAuth } from '../gateway/create-auth.ts';
import { createFdSink, createLogger } from '../log/logger.ts';
import { startServer, type RunningServer } from '../server/server.ts';
import { demoApi } from './demo-api.ts';
import { DEMO_EMAIL, demoConfig, demoHosts } from './demo-config.ts';
import { demoPage } from './demo-page.ts';

export const demoHelp = `Usage: gatehouse demo [--port PORT] [--open]

Runs Gatehouse on 127.0.0.1 with an embedded config, an embedded app and JSON API, and a demo
user. Open the printed app URL, sign in with the printed credentials, and the page shows each
cross-origin technique working against the API. Ctrl-C stops everything and removes the
temporary folder that holds the config (it has a private signing key).

Options:
  -p, --port PORT   port to listen on (default 8080; 0 picks a free port)
      --open        open the app in the default browser
  -h, --help        this help`;

/** Runs the demo until SIGINT or SIGTERM; resolves to the exit code. */
export async function demoCommand(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { port: { type: 'string', short: 'p' }, open: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    console.error(`gatehouse demo: ${(error as Error).message}\n\n${demoHelp}`);
    return 2;
  }
  if (values.help) return console.log(demoHelp), 0;
  const requested = Number(values.port ?? 8080);
  if (!Number.isInteger(requested) || requested < 0 || requested > 65535) {
    console.error(`gatehouse demo: --port must be a number from 0 to 65535, got "${values.port}"`);
    return 2;
  }
  // Listening from the start: a Ctrl-C while starting up still stops cleanly, folder removed.
  let requestStop!: () => void;
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
  process.on('SIGINT', requestStop);
  process.on('SIGTERM', requestStop);

  // The port is part of every route's host, so it must be known before the config is written.
  const port = requested === 0 ? freePort() : requested;
  const hosts = demoHosts(port);
  const password = randomPassword();
  const app = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: (r) => appUpstream(r, hosts.api) });
  const api = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: demoApi });
  const dir = privateTempDir();
  const configFile = join(dir, 'gatehouse.yaml');
  const passwordHash = await Bun.password.hash(password, { algorithm: 'argon2id' });
  const signingKey = generateSigningKeyPem();
  writeFileSync(configFile, demoConfig({ port, appUpstream: app.url.origin, apiUpstream: api.url.origin, passwordHash, signingKey }), { mode: 0o600 });

  const sink = createFdSink(2);
  const log = createLogger({ sink, level: 'warn' });
  let server: RunningServer;
  try {
    server = await startServer({ configFile, log, accessSink: sink, admin: createAdminState(), createAuth });
  } catch (error) {
    app.stop(true);
    api.stop(true);
    process.off('SIGINT', requestStop);
    process.off('SIGTERM', requestStop);
    if (error instanceof ConfigError) for (const p of error.problems) console.error(`error: ${formatProblem(p)}`);
    else if ((error as { code?: string }).code === 'EADDRINUSE') console.error(`gatehouse demo: port ${port} is in use; try --port 0`);
    else console.error(`gatehouse demo: ${(error as Error).message}`);
    return 1;
  }

  console.log(`Gatehouse demo is running.

  Open this in your browser:  ${hosts.app}/
  Sign in as:                 ${DEMO_EMAIL}
  Password:                   ${password}

  The API (called cross-origin by the page): ${hosts.api}/
  The config it runs:                        ${configFile}

Press Ctrl-C to stop.`);
  if (values.open) openBrowser(`${hosts.app}/`);

  await stopRequested;
  try {
    await server.stop();
    app.stop(true);
    api.stop(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('Gatehouse demo stopped.');
  setTimeout(() => process.exit(0), 500).unref();
  return 0;
}

/**
 * A fresh folder only this user can read (it holds a private signing key), removed when the
 * process exits, whichever way that happens short of SIGKILL.
 */
function privateTempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-demo-'));
  chmodSync(dir, 0o700);
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The embedded app: the demo page at `/`, nothing else. */
function appUpstream(request: Request, apiOrigin: string): Response {
  const { pathname } = new URL(request.url);
  if (pathname !== '/' && pathname !== '/index.html') return Response.json({ error: 'not_found' }, { status: 404 });
  return new Response(demoPage(apiOrigin), { headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } });
}

function freePort(): number {
  const listener = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

function randomPassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  const chars = Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
  return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8)}`;
}

/** Best effort: a missing opener only means the user opens the URL by hand. */
function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? ['open', url] : process.platform === 'win32' ? ['cmd', '/c', 'start', '', url] : ['xdg-open', url];
  try {
    Bun.spawn(cmd, { stdio: ['ignore', 'ignore', 'ignore'] }).exited.catch(() => {});
  } catch {
    console.log(`(could not run ${cmd[0]}; open the URL by hand)`);
  }
}
