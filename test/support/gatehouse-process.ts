/**
 * Real `gatehouse run` processes for the shared-state tests: several gateways (or one supervisor
 * with workers) sharing one signing key and one state store, each started from source as its own
 * OS process. Every process started here is stopped by `stop()` (SIGTERM, SIGKILL after 10 s) and,
 * should the test runner itself die, by a small watchdog shell, so none outlives the tests.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKeyPem } from '../../src/auth/tokens/keys.ts';
import { BUN, MAIN, spawnProcess, type Spawned } from './process.ts';

/** A plugin that stamps the answering process's pid on every response of its route. */
export const PID_PLUGIN = `export default {
  name: 'pid',
  create: () => async (ctx, next) => {
    const r = await next();
    const out = new Response(r.body, r);
    out.headers.set('x-worker-pid', String(process.pid));
    return out;
  },
};
`;

export const PASSWORD = 'shared state test password';

/**
 * A folder with `key.pem` (one signing key for every process) and `pid.ts`; the configs written
 * into it share both.
 */
export function clusterFolder(prefix = 'gatehouse-shared-state-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, 'key.pem'), generateSigningKeyPem());
  writeFileSync(join(dir, 'pid.ts'), PID_PLUGIN);
  return dir;
}

let cachedHash: Promise<string> | undefined;
/** The argon2id hash of {@link PASSWORD} (computed once). */
export function passwordHash(): Promise<string> {
  cachedHash ??= Bun.password.hash(PASSWORD, { algorithm: 'argon2id' });
  return cachedHash;
}

/** Kills `pid` once the test runner is gone (checks twice a second; ends with `pid`). */
function watchdog(pid: number): void {
  const sh = Bun.which('sh');
  if (!sh) return;
  const script = `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${pid} 2>/dev/null; do sleep 0.5; done; kill -0 ${process.pid} 2>/dev/null || kill -TERM ${pid} 2>/dev/null; sleep 2; kill -0 ${process.pid} 2>/dev/null || kill -KILL ${pid} 2>/dev/null; exit 0`;
  const child = Bun.spawn([sh, '-c', script], { stdin: 'ignore', stdout: 'ignore', stderr: 'ignore' });
  child.unref();
}

export interface GatehouseProcess extends Spawned {
  /** `http://127.0.0.1:PORT` */
  base: string;
  port: number;
  /** stdout and stderr, for failure messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after 10 s; waits for the exit. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Writes `yaml` to `dir/name` and starts `gatehouse run -c` on it (cwd `dir`); waits until
 * `listening` processes logged "gatehouse listening" (1, or the worker count). `port` is the
 * port written in the config's `listen`.
 */
export async function startGatehouse(dir: string, name: string, yaml: string, port: number, options: { listening?: number; env?: Record<string, string> } = {}): Promise<GatehouseProcess> {
  const file = join(dir, name);
  writeFileSync(file, yaml);
  const p = spawnProcess([BUN, MAIN, 'run', '-c', file], { cwd: dir, env: options.env });
  watchdog(p.proc.pid);
  const output = () => `stdout:\n${p.stdout.join('\n')}\nstderr:\n${p.stderr.join('\n')}`;
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      p.kill('SIGTERM');
      const timer = setTimeout(() => p.kill('SIGKILL'), 10_000);
      await p.exited;
      clearTimeout(timer);
    })());
  const want = options.listening ?? 1;
  const deadline = Date.now() + 30_000;
  let exited = false;
  void p.exited.then(() => (exited = true));
  while (p.logs().filter((l) => l.msg === 'gatehouse listening').length < want) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`gatehouse (${name}) did not start ${want} listener(s) within 30 s (exited=${exited})\n${output()}`);
    }
    await Bun.sleep(25);
  }
  return Object.assign(p, { base: `http://127.0.0.1:${port}`, port, output, stop });
}

/** Polls `probe` until it returns a value other than undefined; at most `ms` and `max` tries. */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, options: { ms: number; every?: number; max?: number; what: string }): Promise<T> {
  const deadline = Date.now() + options.ms;
  const max = options.max ?? 10_000;
  let last: unknown;
  for (let i = 0; i < max; i++) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) break;
    await Bun.sleep(options.every ?? 50);
  }
  throw new Error(`timed out after ${options.ms} ms waiting for ${options.what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
}
