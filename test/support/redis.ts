/**
 * A real redis-server on 127.0.0.1 for the shared-state tests: no persistence (`--save ''
 * --appendonly no`), its own free port, foreground (one process, stopped with it). It can be
 * stopped and started again on the same port (the reconnect tests), and frozen with SIGSTOP (the
 * timeout tests). Every wait is bounded. A server still running when the test process ends is
 * killed by a small watchdog shell (`bun test` runs no `exit` handlers, and a killed test runner
 * runs nothing at all), so no redis-server outlives the tests.
 */
import type { Subprocess } from 'bun';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { freePort, killWhenTestsEnd } from './process.ts';
import { toolOrSkip } from './required-tool.ts';

/** Where redis-server is looked for, after `$REDIS_SERVER` and the PATH. */
const CANDIDATES = ['/usr/bin/redis-server', '/usr/local/bin/redis-server', '/usr/sbin/redis-server'];

/** The redis-server binary, or undefined when none is installed. */
export function findRedisServer(): string | undefined {
  const fromEnv = process.env.REDIS_SERVER;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  return Bun.which('redis-server') ?? CANDIDATES.find((p) => existsSync(p));
}

/**
 * The redis-server binary for `what`, or undefined when it is missing. In CI (`CI=true`) a
 * missing redis-server must fail loudly, so this throws; locally it warns loudly and the caller
 * skips.
 */
export function redisOrSkip(what: string): string | undefined {
  return toolOrSkip(findRedisServer(), { name: 'redis-server', lookedAt: `$REDIS_SERVER, PATH, ${CANDIDATES.join(', ')}`, aptPackage: 'redis-server' }, what);
}

export interface RedisServer {
  port: number;
  /** `redis://[:password@]127.0.0.1:PORT` (`rediss://` with TLS) */
  url: string;
  /** True while the process runs. */
  readonly running: boolean;
  /** Stops it (SIGTERM, then SIGKILL after 3 s) and waits until it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port (after `stop`); waits until it accepts connections. */
  start(): Promise<void>;
  /** Freezes it (SIGSTOP): connections stay open, nothing is answered. */
  pause(): void;
  /** Thaws it (SIGCONT). */
  resume(): void;
  /** Its output so far (for failure messages). */
  output(): string;
}

/** Servers this module started and has not stopped. */
const live = new Set<Subprocess>();
process.on('exit', () => {
  for (const proc of live) {
    try {
      proc.kill('SIGCONT');
      proc.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});


const READY_MS = 10_000;

/**
 * A shell that SIGKILLs `pid` once this process is gone; it checks twice a second and ends by
 * itself when `pid` has exited. Unreferenced: it never keeps the tests running.
 */

/**
 * Starts a redis-server (`bin`, default {@link findRedisServer}) on a free port of 127.0.0.1
 * (or `options.port`), with `options.password` as `requirepass` if given, and TLS only (no
 * plain port; clients need no certificate) when `options.tls` names a certificate and key.
 */
export async function startRedis(
  options: { bin?: string; port?: number; password?: string; tls?: { certFile: string; keyFile: string } } = {},
): Promise<RedisServer> {
  const bin = options.bin ?? findRedisServer();
  if (!bin) throw new Error('redis-server is not installed');
  // Nothing is persisted (no RDB, no AOF), so the working folder stays untouched.
  const dir = tmpdir();
  let port = options.port ?? freePort();
  let proc: Subprocess<'ignore', 'pipe', 'pipe'> | undefined;
  let lines: string[] = [];

  const launch = async (): Promise<void> => {
    const args = [bin, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--loglevel', 'notice'];
    if (options.tls) {
      args.push('--port', '0', '--tls-port', String(port), '--tls-cert-file', options.tls.certFile, '--tls-key-file', options.tls.keyFile, '--tls-auth-clients', 'no');
    } else {
      args.push('--port', String(port));
    }
    if (options.password) args.push('--requirepass', options.password);
    const child = Bun.spawn(args, { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
    proc = child;
    live.add(child);
    killWhenTestsEnd(child.pid);
    lines = [];
    let ready = false;
    const pump = async (stream: ReadableStream<Uint8Array>) => {
      const decoder = new TextDecoder();
      const reader = stream.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const text = decoder.decode(value, { stream: true });
        lines.push(text);
        if (/Ready to accept connections/.test(lines.join(''))) ready = true;
      }
    };
    void pump(child.stdout);
    void pump(child.stderr);
    let exited = false;
    void child.exited.then(() => {
      exited = true;
      live.delete(child);
    });
    const deadline = Date.now() + READY_MS;
    while (!ready && !exited && Date.now() < deadline) await Bun.sleep(20);
    if (!ready) {
      child.kill('SIGKILL');
      await child.exited;
      throw new Error(`redis-server on port ${port} did not become ready within ${READY_MS} ms (exited=${exited}):\n${lines.join('')}`);
    }
  };

  // The free port may be taken between the probe and the launch: try a few.
  for (let attempt = 1; ; attempt++) {
    try {
      await launch();
      break;
    } catch (error) {
      if (options.port !== undefined || attempt >= 3) throw error;
      port = freePort();
    }
  }

  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  const server: RedisServer = {
    get port() {
      return port;
    },
    get url() {
      return `${options.tls ? 'rediss' : 'redis'}://${auth}127.0.0.1:${port}`;
    },
    get running() {
      return proc !== undefined && live.has(proc);
    },
    async stop() {
      const child = proc;
      if (!child || !live.has(child)) return;
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await child.exited;
      clearTimeout(killer);
      live.delete(child);
    },
    async start() {
      if (proc && live.has(proc)) throw new Error('redis-server is already running');
      // The port was just released; a TIME_WAIT or a late exit may hold it a moment.
      const deadline = Date.now() + 5000;
      for (;;) {
        try {
          await launch();
          return;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await Bun.sleep(100);
        }
      }
    },
    pause() {
      proc?.kill('SIGSTOP');
    },
    resume() {
      proc?.kill('SIGCONT');
    },
    output() {
      return lines.join('');
    },
  };
  return server;
}
