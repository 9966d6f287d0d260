import type { Subprocess } from 'bun';
import { join } from 'node:path';

export const ROOT = join(import.meta.dir, '..', '..');
export const MAIN = join(ROOT, 'src', 'main.ts');
/** The bun running the tests. */
export const BUN = process.execPath;

export interface Spawned {
  proc: Subprocess<'ignore', 'pipe', 'pipe'>;
  /** stdout and stderr lines so far. */
  stdout: string[];
  stderr: string[];
  /** stdout lines that are JSON (log lines), parsed. */
  logs(): Record<string, unknown>[];
  /** Waits for a stdout JSON line matching `predicate`; fails after `ms` or when the process exits. */
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, ms: number, what: string): Promise<Record<string, unknown>>;
  /** Sends `signal` if still running. */
  kill(signal?: NodeJS.Signals): void;
  exited: Promise<number>;
}

/** Spawns `cmd` with piped output collected line by line. */
export function spawnProcess(cmd: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): Spawned {
  const proc = Bun.spawn(cmd, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env } as Record<string, string>,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const pump = async (stream: ReadableStream<Uint8Array>, into: string[]) => {
    const decoder = new TextDecoder();
    let partial = '';
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      partial += decoder.decode(value, { stream: true });
      const lines = partial.split('\n');
      partial = lines.pop()!;
      into.push(...lines);
    }
    if (partial) into.push(partial);
  };
  const pumped = Promise.all([pump(proc.stdout, stdout), pump(proc.stderr, stderr)]);
  const logs = () =>
    stdout.flatMap((l) => {
      try {
        const parsed = JSON.parse(l);
        return parsed && typeof parsed === 'object' ? [parsed as Record<string, unknown>] : [];
      } catch {
        return [];
      }
    });
  let exitedFlag = false;
  const exited = proc.exited.then(async (code) => {
    exitedFlag = true;
    await pumped;
    return code;
  });
  return {
    proc,
    stdout,
    stderr,
    logs,
    exited,
    kill(signal = 'SIGTERM') {
      if (!exitedFlag) proc.kill(signal);
    },
    async waitForLog(predicate, ms, what) {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        const found = logs().find(predicate);
        if (found) return found;
        if (exitedFlag) break;
        await Bun.sleep(25);
      }
      throw new Error(`no log line for ${what} within ${ms} ms; exited=${exitedFlag}\nstdout:\n${stdout.join('\n')}\nstderr:\n${stderr.join('\n')}`);
    },
  };
}

/** Runs `gatehouse <args>` from source to completion. */
export async function runCli(args: string[], options: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = spawnProcess([BUN, MAIN, ...args], options);
  const timer = setTimeout(() => p.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, stdout: p.stdout.join('\n'), stderr: p.stderr.join('\n') };
}

/** Starts `gatehouse run` (source, or `binary`) and waits until it listens; returns its URL too. */
export async function startRun(configFile: string, options: { cwd?: string; env?: Record<string, string | undefined>; binary?: string } = {}): Promise<Spawned & { url: string }> {
  const cmd = options.binary ? [options.binary, 'run', '-c', configFile] : [BUN, MAIN, 'run', '-c', configFile];
  const p = spawnProcess(cmd, options);
  try {
    const line = await p.waitForLog((l) => l.msg === 'gatehouse listening', 30_000, 'gatehouse listening');
    return Object.assign(p, { url: String(line.url) });
  } catch (error) {
    p.kill('SIGKILL');
    throw error;
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): number {
  const server = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}

/**
 * Kills process `pid` once this test process is gone: `bun test` runs no `exit` handlers, and a
 * killed test runner runs nothing at all, so servers a test starts would otherwise outlive it.
 * A small shell polls both every half second.
 */
export function killWhenTestsEnd(pid: number): void {
  const sh = Bun.which('sh');
  if (!sh) return;
  const script = `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${pid} 2>/dev/null; do sleep 0.5; done; kill -0 ${process.pid} 2>/dev/null || kill -CONT ${pid} 2>/dev/null; kill -0 ${process.pid} 2>/dev/null || kill -KILL ${pid} 2>/dev/null; exit 0`;
  Bun.spawn([sh, '-c', script], { stdin: 'ignore', stdout: 'ignore', stderr: 'ignore' }).unref();
}
