import { parseArgs } from 'node:util';
import { createAdminState } from '../admin/admin-state.ts';
import { EPHEMERAL_KEY_ENV, ephemeralKey } from '../auth/index.ts';
import { adminSessionsHandler, openSessionRegistry } from '../server/admin-sessions.ts';
import { startAdminServer } from '../server/admin-server.ts';
import { ConfigError, formatProblem } from '../config/errors.ts';
import { loadConfigFile } from '../config/load.ts';
import { createAuth, openConfiguredState } from '../gateway/create-auth.ts';
import { createFdSink, createLogger } from '../log/logger.ts';
import { reportMetricsToSupervisor } from '../server/metrics-reporter.ts';
import { startServer } from '../server/server.ts';
import { superviseWorkers, workerCount } from '../server/workers.ts';
import { configPath } from './config-path.ts';

export const runHelp = `Usage: gatehouse run [-c FILE]

Serves the routes of a config. Reloads it on SIGHUP and when the file changes (an invalid
config is reported and the running one keeps serving). SIGTERM or SIGINT stop accepting,
let requests in flight finish (up to shutdown_timeout) and exit 0.

Options:
  -c, --config FILE   config file (default: $GATEHOUSE_CONFIG or ./gatehouse.yaml)
  -h, --help          this help`;

export async function runCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) return console.log(runHelp), 0;
  const file = configPath(values.config);
  let loaded;
  try {
    loaded = loadConfigFile(file);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const p of error.problems) console.error(`error: ${formatProblem(p)}`);
    return 1;
  }
  const sink = createFdSink(1);
  const log = createLogger({ sink, level: loaded.config.log.level });
  const workers = workerCount(loaded.config.workers);
  if (workers > 1 && !process.env.GATEHOUSE_WORKER) {
    // Without a configured key each process would invent its own; all workers must share one.
    const extraEnv: Record<string, string> = loaded.config.session.signing_key ? {} : { [EPHEMERAL_KEY_ENV]: ephemeralKey() };
    // The supervisor serves /readyz: it asks the workers' shared state itself.
    let state;
    try {
      state = openConfiguredState(loaded, log);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const p of error.problems) console.error(`error: ${formatProblem(p)}`);
      return 1;
    }
    // The supervisor has no gateway: its session endpoints open a registry of their own.
    const opened = loaded.config.admin?.token ? openSessionRegistry(loaded, { log }) : undefined;
    const sessions = opened ? adminSessionsHandler({ token: loaded.config.admin!.token, registry: () => opened.registry }) : undefined;
    return superviseWorkers({ count: workers, log, config: loaded.config, extraEnv, checks: { state: () => state.ping() }, sessions });
  }

  const admin = createAdminState();
  let server;
  try {
    server = await startServer({ configFile: file, log, accessSink: sink, admin, createAuth, reusePort: Boolean(process.env.GATEHOUSE_WORKER) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const p of error.problems) console.error(`error: ${formatProblem(p)}`);
    return 1;
  }
  const adminConfig = loaded.config.admin;
  const adminServer =
    adminConfig && !process.env.GATEHOUSE_WORKER
      ? startAdminServer(adminConfig.listen, admin, { sessions: adminSessionsHandler({ token: adminConfig.token, registry: () => server.gateway.sessionRegistry }) })
      : undefined;
  const reporter = process.env.GATEHOUSE_WORKER ? reportMetricsToSupervisor(admin) : undefined;
  process.on('SIGHUP', () => void server.reload());
  return new Promise((resolve) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info('shutting down', { signal });
      adminServer?.stop(true);
      await server.stop();
      reporter?.stop();
      sink.flush();
      resolve(0);
      // Requests cut off at shutdown_timeout may still hold upstream sockets and timers that
      // would keep the process alive; give the log a moment to drain, then leave.
      setTimeout(() => process.exit(0), 500).unref();
    };
    process.on('SIGTERM', () => void stop('SIGTERM'));
    process.on('SIGINT', () => void stop('SIGINT'));
  });
}
