/**
 * Runs one example: its app and API on free 127.0.0.1 ports, and Gatehouse on its
 * gatehouse.yaml with the ports filled in through environment variables.
 *
 *   bun examples/shared/run.ts <example> [--port 8080]
 *
 * Tests import `startExample` and pass the compiled binary and, to see the seed's failure,
 * a config with the fix taken out.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hosts, Origins, Upstream } from './kit.ts';

export const EXAMPLES_DIR = join(import.meta.dir, '..');
const MAIN = join(EXAMPLES_DIR, '..', 'src', 'main.ts');

/** The example's only user. */
export const USER = { email: 'user@example.test', password: 'example-password' };
/** The Worker-style example's service token (machine credentials; override through the environment). */
export const SERVICE_TOKEN = { id: 'worker-client', secret: 'example-worker-secret-change-me-0123456789' };

export interface RunningExample {
  origins: Origins;
  port: number;
  /** Gatehouse's output so far (when `output: 'pipe'`). */
  output: string[];
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Gatehouse executable; default: this checkout's src/main.ts under the running bun. */
  binary?: string;
  /** Config text to run instead of the example's gatehouse.yaml (same variables). */
  configText?: string;
  port?: number;
  output?: 'inherit' | 'pipe';
}

/** Starts `name` (a folder under examples/) and resolves once Gatehouse answers. */
export async function startExample(name: string, options: StartOptions = {}): Promise<RunningExample> {
  const dir = join(EXAMPLES_DIR, name);
  if (!existsSync(join(dir, 'gatehouse.yaml'))) throw new Error(`no example "${name}" (expected ${dir}/gatehouse.yaml)`);
  const appModule = (await import(join(dir, 'app.ts'))) as { default: Upstream; hosts: Hosts };
  const apiModule = (await import(join(dir, 'api.ts'))) as { default: Upstream };
  const port = options.port ?? freePort();
  const origins = { app: `http://${appModule.hosts.app}:${port}`, api: `http://${appModule.hosts.api}:${port}` };
  const app = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: appModule.default(origins) });
  const api = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: apiModule.default(origins) });

  let configFile = join(dir, 'gatehouse.yaml');
  if (options.configText !== undefined) {
    configFile = join(mkdtempSync(join(tmpdir(), `gatehouse-${name}-`)), 'gatehouse.yaml');
    writeFileSync(configFile, options.configText);
  }
  const cmd = options.binary ? [options.binary, 'run', '-c', configFile] : [process.execPath, MAIN, 'run', '-c', configFile];
  const pipe = options.output === 'pipe';
  const proc = Bun.spawn(cmd, {
    env: {
      ...process.env,
      GATEHOUSE_PORT: String(port),
      APP_PORT: String(app.port),
      API_PORT: String(api.port),
      WORKER_CLIENT_ID: process.env.WORKER_CLIENT_ID ?? SERVICE_TOKEN.id,
      WORKER_CLIENT_SECRET: process.env.WORKER_CLIENT_SECRET ?? SERVICE_TOKEN.secret,
    },
    stdin: 'ignore',
    stdout: pipe ? 'pipe' : 'inherit',
    stderr: pipe ? 'pipe' : 'inherit',
  });
  const output: string[] = [];
  if (pipe) for (const s of [proc.stdout, proc.stderr] as ReadableStream<Uint8Array>[]) void collect(s, output);
  const stop = async () => {
    proc.kill('SIGTERM');
    await proc.exited;
    app.stop(true);
    api.stop(true);
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`gatehouse did not start for "${name}" (exit ${proc.exitCode}):\n${output.join('')}`);
    }
    const up = await fetch(`http://127.0.0.1:${port}/.well-known/gatehouse/jwks.json`).then((r) => r.ok, () => false);
    if (up) break;
    await Bun.sleep(50);
  }
  return { origins, port, output, stop };
}

async function collect(stream: ReadableStream<Uint8Array>, into: string[]): Promise<void> {
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) into.push(decoder.decode(r.value, { stream: true }));
}

function freePort(): number {
  const listener = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

if (import.meta.main) {
  const [name, flag, value] = process.argv.slice(2);
  if (!name || name.startsWith('-')) {
    console.error('Usage: bun examples/shared/run.ts <example folder> [--port PORT (0: any free port)]');
    process.exit(2);
  }
  const running = await startExample(name, { port: flag === '--port' ? Number(value) || undefined : 8080 });
  console.log(`\n${name} is running.\n  Open:     ${running.origins.app}/\n  Sign in:  ${USER.email} / ${USER.password}\n  API:      ${running.origins.api}/\nCtrl-C stops it.`);
  const quit = () => void running.stop().then(() => process.exit(0));
  process.on('SIGINT', quit);
  process.on('SIGTERM', quit);
}
