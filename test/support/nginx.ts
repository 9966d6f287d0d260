/**
 * A real nginx on 127.0.0.1 for tests that need a lenient upstream: nginx percent-decodes the
 * path (`%2F` included), merges slashes and resolves `..` after decoding before it matches a
 * `location`, exactly what a gateway must never let an unauthenticated request rely on.
 *
 * Each instance runs in the foreground (`daemon off`, `master_process off`: one process, so
 * stopping it leaves no workers behind) from its own temporary prefix folder with its own pid
 * file, error log and access log, on a free port of 127.0.0.1. Every wait is bounded.
 */
import type { Subprocess } from 'bun';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, killWhenTestsEnd } from './process.ts';
import { toolOrSkip } from './required-tool.ts';

/** Where nginx is looked for, after `$NGINX` and the PATH (Debian installs it in /usr/sbin). */
const CANDIDATES = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx', '/usr/bin/nginx', '/usr/local/bin/nginx'];

/** The nginx binary, or undefined when none is installed. */
export function findNginx(): string | undefined {
  const fromEnv = process.env.NGINX;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  return Bun.which('nginx') ?? CANDIDATES.find((p) => existsSync(p));
}

/**
 * The nginx binary for `what`, or undefined when it is missing. In CI (`CI=true`) a missing nginx
 * must fail loudly, so this throws; locally it warns loudly and the caller skips.
 */
export function nginxOrSkip(what: string): string | undefined {
  return toolOrSkip(findNginx(), { name: 'nginx', lookedAt: `$NGINX, PATH, ${CANDIDATES.join(', ')}`, aptPackage: 'nginx' }, what);
}

export interface NginxServer {
  port: number;
  /** `http://127.0.0.1:PORT` */
  origin: string;
  /** The prefix folder (config, logs, temp paths). */
  dir: string;
  /**
   * Access log lines so far, one per request nginx answered, in the format
   * `<status> <x-request-id or -> <$uri> "<request line>"` ($uri is nginx's decoded,
   * slash-merged, dot-resolved reading of the path, the one `location` matched on).
   */
  accessLines(): string[];
  errorLog(): string;
  stop(): Promise<void>;
}

/** nginx processes this module started and has not stopped: killed if the test process exits first. */
const live = new Set<Subprocess>();
process.on('exit', () => {
  for (const proc of live) proc.kill('SIGKILL');
});


function config(dir: string, port: number, serverBody: string): string {
  return `# Written by test/support/nginx.ts
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 128; }
http {
    default_type text/plain;
    client_body_temp_path ${dir}/client_body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    log_format gatehouse_test '$status $http_x_request_id $uri "$request"';
    access_log ${dir}/access.log gatehouse_test;
    keepalive_timeout 5s;
    server {
        listen 127.0.0.1:${port};
        server_name _;
${serverBody.replace(/^/gm, '        ')}
    }
}
`;
}

async function canConnect(port: number): Promise<boolean> {
  try {
    const socket = await Bun.connect({ hostname: '127.0.0.1', port, socket: { data() {}, error() {} } });
    socket.end();
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts nginx with `serverBody` (directives inside `server { }`: `location`s and the like;
 * `listen` is added) on a free port of 127.0.0.1 and waits (at most `timeoutMs`) until it
 * accepts connections. Throws with nginx's error log when it does not start.
 */
export async function startNginx(serverBody: string, options: { bin?: string; timeoutMs?: number } = {}): Promise<NginxServer> {
  const bin = options.bin ?? findNginx();
  if (!bin) throw new Error('nginx is not installed');
  const timeoutMs = options.timeoutMs ?? 10_000;
  let lastError = '';
  // The free port can be taken between the probe and nginx's bind: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-nginx-'));
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 'logs')); // nginx looks for <prefix>/logs before it reads -e
    const port = freePort();
    writeFileSync(join(dir, 'nginx.conf'), config(dir, port, serverBody));
    const proc: Subprocess<'ignore', 'pipe', 'pipe'> = Bun.spawn([bin, '-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')], {
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
    });
    const read = (name: string) => {
      try {
        return readFileSync(join(dir, name), 'utf8');
      } catch {
        return '';
      }
    };
    live.add(proc);
    killWhenTestsEnd(proc.pid);
    let exited = false;
    void proc.exited.then(() => {
      exited = true;
      live.delete(proc);
    });
    const deadline = Date.now() + timeoutMs;
    let ready = false;
    while (!exited && Date.now() < deadline) {
      if (await canConnect(port)) {
        ready = true;
        break;
      }
      await Bun.sleep(25);
    }
    const stop = async () => {
      if (!exited) {
        proc.kill('SIGTERM');
        const done = await Promise.race([proc.exited.then(() => true), Bun.sleep(5000).then(() => false)]);
        if (!done) {
          proc.kill('SIGKILL');
          await Promise.race([proc.exited, Bun.sleep(2000)]);
        }
      }
      rmSync(dir, { recursive: true, force: true });
    };
    if (ready && !exited) {
      return {
        port,
        origin: `http://127.0.0.1:${port}`,
        dir,
        accessLines: () => read('access.log').split('\n').filter(Boolean),
        errorLog: () => read('error.log'),
        stop,
      };
    }
    const stderr = exited ? await new Response(proc.stderr).text() : '';
    lastError = `${read('error.log')}${stderr}`.trim() || (exited ? `exited with ${proc.exitCode}` : `not accepting connections after ${timeoutMs} ms`);
    await stop();
    if (!/address already in use/i.test(lastError)) break;
  }
  throw new Error(`nginx did not start: ${lastError}`);
}
