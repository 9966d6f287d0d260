import { parseArgs } from 'node:util';
import type { RouteUpstreamStatus, UpstreamMemberStatus } from '../admin/upstream-status.ts';
import { ConfigError, formatProblem } from '../config/errors.ts';
import { loadConfigFile } from '../config/load.ts';
import type { WorkerUpstreamStatus } from '../server/supervisor-metrics.ts';
import { configPath } from './config-path.ts';

export const statusHelp = `Usage: gatehouse status [-c FILE | --admin URL] [--json]

Asks a running Gatehouse's admin listener (GET /status) how its upstreams are: for every
route, each upstream member, whether requests go to it (up, cooling_down after refusals or
timeouts, failing_checks), requests waiting on it, and its last error. The listener's address
is admin.listen of the config.

With workers above 1 every worker keeps its own view of the upstreams: the table gets a WORKER
column, with each member's rows together (one per worker), and the last line counts the
workers, and a member as out when it is out on any of them.

Exit status: 0 answered, 1 the config has no admin listener or it could not be asked, 2 usage.

Options:
  -c, --config FILE   config file (default: $GATEHOUSE_CONFIG or ./gatehouse.yaml)
  --admin URL         the admin listener to ask instead (http://127.0.0.1:9090)
  --json              print the listener's JSON as it is
  -h, --help          this help`;

const ASK_TIMEOUT_MS = 5000;

/** `gatehouse status`: prints the upstream members of every route of a running Gatehouse. */
export async function statusCommand(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' }, admin: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    console.error(`gatehouse status: ${(error as Error).message}\n\n${statusHelp}`);
    return 2;
  }
  if (values.help) return console.log(statusHelp), 0;
  const base = values.admin ?? adminUrl(values.config);
  if (base === undefined) return 1;
  let response: Response;
  try {
    response = await fetch(new URL('/status', base), { signal: AbortSignal.timeout(ASK_TIMEOUT_MS) });
  } catch (error) {
    console.error(`gatehouse status: cannot reach the admin listener at ${base}: ${(error as Error).message}`);
    return 1;
  }
  const body = (await response.json().catch(() => null)) as { routes?: RouteUpstreamStatus[]; workers?: WorkerUpstreamStatus[]; message?: string } | null;
  const workers = Array.isArray(body?.workers) && body.workers.every((w) => typeof w?.worker === 'number' && Array.isArray(w.routes)) ? body.workers : undefined;
  if (!response.ok || (!workers && !Array.isArray(body?.routes))) {
    console.error(`gatehouse status: ${base}/status answered ${response.status}${body?.message ? `: ${body.message}` : ''}`);
    return 1;
  }
  console.log(values.json ? JSON.stringify(body, null, 2) : workers ? workersStatusTable(workers) : statusTable(body!.routes!));
  return 0;
}

/** `http://host:port` of the config's `admin.listen` (an any-address listener is asked on loopback). */
function adminUrl(file: string | undefined): string | undefined {
  try {
    const { config } = loadConfigFile(configPath(file));
    if (!config.admin) {
      console.error('gatehouse status: the config has no admin listener (admin.listen); add one, or pass --admin URL');
      return undefined;
    }
    const { hostname, port } = config.admin.listen;
    const host = hostname === '0.0.0.0' ? '127.0.0.1' : hostname === '::' ? '[::1]' : hostname.includes(':') ? `[${hostname}]` : hostname;
    return `http://${host}:${port}`;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const p of error.problems) console.error(`error: ${formatProblem(p)}`);
    return undefined;
  }
}

/** What comes from the listener reaches the terminal: control characters (escape sequences) are shown as `?`. */
const printable = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

/** One line per member, aligned, then a count of members out (a single process's `/status`). */
export function statusTable(routes: RouteUpstreamStatus[], now = Date.now()): string {
  return table(memberRows(routes), now);
}

/**
 * A workers' supervisor's `/status`: a WORKER column, each member's rows together (in config
 * order, one per worker), then the count of workers and of members out on any worker.
 */
export function workersStatusTable(workers: WorkerUpstreamStatus[], now = Date.now()): string {
  const rows = workers.flatMap((w) => memberRows(w.routes, w.worker));
  const order = new Map<string, number>();
  for (const row of rows) if (!order.has(row.key)) order.set(row.key, order.size);
  rows.sort((a, b) => order.get(a.key)! - order.get(b.key)!);
  return table(rows, now, workers.length);
}

interface MemberRow {
  /** The same member of the same route on every worker. */
  key: string;
  worker?: number;
  route: RouteUpstreamStatus;
  member: UpstreamMemberStatus;
}

const memberRows = (routes: RouteUpstreamStatus[], worker?: number): MemberRow[] =>
  routes.flatMap((route) => route.members.map((member, i) => ({ key: `${route.route}\u0000${i}`, worker, route, member })));

/**
 * Aligned lines, then `N members, M out`; with `workers` (their count), a WORKER column and
 * `W workers, N members, M out` (a member counts once however many workers list it).
 */
function table(rows: MemberRow[], now: number, workers?: number): string {
  const withWorker = workers !== undefined;
  const lines = [[...(withWorker ? ['WORKER'] : []), 'ROUTE', 'FROM', 'UPSTREAM', 'STATE', 'IN FLIGHT', 'LAST ERROR']];
  for (const { worker, route: r, member: m } of rows) {
    const back = m.back_at ? ` (back in ${Math.max(0, Math.ceil((Date.parse(m.back_at) - now) / 1000))}s)` : '';
    const error = m.last_error ? `${m.last_error}, ${ago(m.last_error_at, now)}` : '';
    lines.push([...(withWorker ? [String(worker)] : []), r.route, r.from, m.upstream, m.state + back, String(m.in_flight), error].map(printable));
  }
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((line) => line[i]!.length)));
  const text = lines.map((line) => line.map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
  const members = new Set(rows.map((row) => row.key)).size;
  const out = new Set(rows.filter((row) => !row.member.healthy).map((row) => row.key)).size;
  const counted = `${members} member${members === 1 ? '' : 's'}, ${out} out`;
  return `${text.join('\n')}\n${withWorker ? `${workers} worker${workers === 1 ? '' : 's'}, ${counted}` : counted}`;
}

function ago(iso: string | undefined, now: number): string {
  if (!iso) return '';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return seconds < 120 ? `${seconds}s ago` : seconds < 7200 ? `${Math.round(seconds / 60)}m ago` : `${Math.round(seconds / 3600)}h ago`;
}
