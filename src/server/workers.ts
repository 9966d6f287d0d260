import { availableParallelism } from 'node:os';
import type { Subprocess } from 'bun';
import { createAdminState } from '../admin/admin-state.ts';
import { startAdminServer } from './admin-server.ts';
import { createSupervisorMetrics } from './supervisor-metrics.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../plugin-api/index.ts';

export function workerCount(setting: Config['workers']): number {
  return setting === 'auto' ? availableParallelism() : setting;
}

/** The command that starts this same program again (source file or compiled binary). */
function selfCommand(): string[] {
  const script = process.argv[1];
  const compiled = !script || script.startsWith('/$bunfs/') || script.startsWith('B:/~BUN/');
  return compiled ? [process.execPath, ...process.argv.slice(2)] : [process.execPath, script, ...process.argv.slice(2)];
}

/**
 * Runs `count` worker processes that share the listen port (SO_REUSEPORT), restarts any that
 * dies (with a growing delay if they keep dying), forwards SIGHUP to all, and on SIGTERM/SIGINT
 * stops them and exits 0 once they have drained. Its admin listener's `/metrics` sums the
 * workers' counters (sent over IPC), restarted ones included, and shows each running worker's
 * gauges; its `/status` lists each running worker's upstream members.
 */
export function superviseWorkers(options: {
  count: number;
  log: Logger;
  config: Config;
  extraEnv?: Record<string, string>;
  /** Added to `/readyz` (the supervisor checks the shared state itself). Default none. */
  checks?: Record<string, () => boolean | Promise<boolean>>;
  /** The admin listener's session endpoints. Default none. */
  sessions?: (request: Request) => Promise<Response | null>;
}): Promise<number> {
  const { count, log } = options;
  const admin = createAdminState();
  for (const [name, check] of Object.entries(options.checks ?? {})) admin.checks.set(name, check);
  const restarts = admin.metrics.counter('gatehouse_worker_restarts_total', 'Workers restarted after exiting unexpectedly.');
  const metrics = createSupervisorMetrics({ slots: count, own: admin.metrics });
  const adminServer = options.config.admin ? startAdminServer(options.config.admin.listen, admin, { metrics: metrics.render, status: metrics.upstreams, sessions: options.sessions }) : undefined;
  const workers = new Array<Subprocess | undefined>(count);
  let stopping = false;
  let resolveDone: (code: number) => void;
  const done = new Promise<number>((r) => (resolveDone = r));

  const spawn = (slot: number, failures = 0) => {
    const startedAt = Date.now();
    const counts = metrics.worker(slot, (message) => worker.send(message));
    const worker = Bun.spawn(selfCommand(), {
      env: { ...process.env, ...options.extraEnv, GATEHOUSE_WORKER: String(slot + 1) },
      stdio: ['ignore', 'inherit', 'inherit'],
      ipc: counts.receive,
      onExit(_proc, code, signal) {
        counts.exited();
        workers[slot] = undefined;
        if (stopping) {
          if (workers.every((w) => !w)) {
            adminServer?.stop(true);
            resolveDone(0);
          }
          return;
        }
        const quick = Date.now() - startedAt < 5000;
        const delay = quick ? Math.min(30_000, 250 * 2 ** failures) : 0;
        log.error('worker exited; restarting', { worker: slot + 1, code, signal, restart_in_ms: delay });
        restarts.inc();
        setTimeout(() => !stopping && spawn(slot, quick ? failures + 1 : 0), delay);
      },
    });
    workers[slot] = worker;
  };
  for (let i = 0; i < count; i++) spawn(i);
  admin.ready = true;
  log.info('workers started', { workers: count });

  process.on('SIGHUP', () => workers.forEach((w) => w?.kill('SIGHUP')));
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    admin.ready = false;
    log.info('stopping workers', { signal });
    workers.forEach((w) => w?.kill('SIGTERM'));
    if (workers.every((w) => !w)) resolveDone(0);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return done;
}
