/**
 * `workers: N`: N processes serve the same port (SO_REUSEPORT); one that dies is restarted while
 * the others keep serving. Which process answered is told by a plugin that stamps its pid. The
 * supervisor's admin `/metrics` sums the workers' counters and shows each worker's gauges; its
 * `/status` (and `gatehouse status`) lists each worker's upstream members.
 */
import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startUpstream, type TestUpstream } from './support/gateway.ts';
import { BUN, MAIN, freePort, runCli, spawnProcess, type Spawned } from './support/process.ts';
import { closedPort } from './support/raw-http.ts';
import type { RouteUpstreamStatus } from '../src/admin/upstream-status.ts';

setDefaultTimeout(60_000);

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

const PID_PLUGIN = `export default {
  name: 'pid',
  create: () => async (ctx, next) => {
    const r = await next();
    const out = new Response(r.body, r);
    out.headers.set('x-worker-pid', String(process.pid));
    return out;
  },
};
`;

function upstream(): TestUpstream {
  const u = startUpstream(() => new Response('ok'));
  cleanup.push(() => u.stop());
  return u;
}

/**
 * Starts `gatehouse run` (the supervisor) on a config with `workers`; returns it and its port.
 * `routeKeys` are added to the route (YAML, one key a line).
 */
function startSupervisor(workers: string | number, to: string, options: { adminPort?: number; routeKeys?: string } = {}): { gh: Spawned; port: number } {
  const port = freePort();
  const admin = options.adminPort ? `admin: { listen: "127.0.0.1:${options.adminPort}" }\n` : '';
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-workers-test-'));
  writeFileSync(join(dir, 'pid.ts'), PID_PLUGIN);
  writeFileSync(
    join(dir, 'gatehouse.yaml'),
    `listen: "127.0.0.1:${port}"
workers: ${workers}
${admin}routes:
  - from: http://api.example.test
    to: ${to}
    policy: { public: true }
    plugins: [{ use: ./pid.ts }]
${(options.routeKeys ?? '').replace(/^(?=.)/gm, '    ')}
`,
  );
  const gh = spawnProcess([BUN, MAIN, 'run', '-c', join(dir, 'gatehouse.yaml')], { cwd: dir });
  cleanup.push(async () => {
    gh.kill('SIGTERM');
    const timer = setTimeout(() => gh.kill('SIGKILL'), 10_000);
    await gh.exited;
    clearTimeout(timer);
  });
  return { gh, port };
}

const listening = (gh: Spawned) => gh.logs().filter((l) => l.msg === 'gatehouse listening').length;

async function waitFor(probe: () => boolean | Promise<boolean>, ms: number, what: string, gh: Spawned): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await Bun.sleep(25);
  }
  throw new Error(`timed out waiting for ${what}\nstdout:\n${gh.stdout.join('\n')}\nstderr:\n${gh.stderr.join('\n')}`);
}

/** One request on a fresh connection; the pid of the worker that answered. */
async function pidOf(port: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/`, { headers: { host: 'api.example.test', connection: 'close' }, keepalive: false });
  expect(response.status).toBe(200);
  await response.text();
  return Number(response.headers.get('x-worker-pid'));
}

/** Sends requests on fresh connections until `want` distinct pids answered (at most `max` tries). */
async function collectPids(port: number, want: number, max = 400): Promise<Set<number>> {
  const pids = new Set<number>();
  for (let i = 0; i < max && pids.size < want; i++) pids.add(await pidOf(port));
  return pids;
}

/** The supervisor's `/metrics`, by series (`name{labels}`). */
async function scrape(adminPort: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out[line.slice(0, at)] = Number(line.slice(at + 1));
  }
  return out;
}

const ANSWERED = 'gatehouse_requests_total{route="routes[0]",code="2xx"}';

describe('workers', () => {
  test('workers: 2 serve one port from two processes; a killed worker is restarted and requests keep succeeding', async () => {
    const up = upstream();
    const { gh, port } = startSupervisor(2, up.url);
    await waitFor(() => listening(gh) === 2, 30_000, 'two workers listening', gh);

    const pids = await collectPids(port, 2);
    expect(pids.size).toBe(2);
    for (const pid of pids) expect(pid).not.toBe(gh.proc.pid);

    const [victim, survivor] = [...pids] as [number, number];
    process.kill(victim, 'SIGKILL');
    await waitFor(() => gh.logs().some((l) => l.msg === 'worker exited; restarting' && l.signal === 'SIGKILL'), 10_000, 'the supervisor to notice', gh);

    // While the worker is being replaced, the other one answers everything.
    for (let i = 0; i < 30; i++) {
      const pid = await pidOf(port);
      expect(pid).not.toBe(victim);
    }

    await waitFor(() => listening(gh) === 3, 30_000, 'the replacement worker to listen', gh);
    const after = await collectPids(port, 2);
    expect(after.size).toBe(2);
    expect(after.has(victim)).toBe(false);
    expect(after.has(survivor)).toBe(true);
    expect(gh.proc.exitCode).toBeNull();

    gh.kill('SIGTERM');
    expect(await gh.exited).toBe(0);
    expect(gh.logs().some((l) => l.msg === 'stopping workers')).toBe(true);
  });

  test("the supervisor's /metrics sums the workers' counters, and a restart does not make them go down", async () => {
    const up = upstream();
    const adminPort = freePort();
    const { gh, port } = startSupervisor(2, up.url, { adminPort });
    await waitFor(() => listening(gh) === 2, 30_000, 'two workers listening', gh);

    // Enough requests on fresh connections that both workers answered some (bounded).
    const pids = new Set<number>();
    let sent = 0;
    while (sent < 20 || (pids.size < 2 && sent < 400)) {
      pids.add(await pidOf(port));
      sent++;
    }
    expect(pids.size).toBe(2);

    let metrics: Record<string, number> = {};
    const showsAll = async () => (metrics = await scrape(adminPort))[ANSWERED] === sent;
    await waitFor(showsAll, 5000, `/metrics to count ${sent} requests`, gh);
    expect(metrics['gatehouse_worker_up{worker="1"}']).toBe(1);
    expect(metrics['gatehouse_worker_up{worker="2"}']).toBe(1);
    const perWorker = [metrics['gatehouse_worker_requests_total{worker="1"}']!, metrics['gatehouse_worker_requests_total{worker="2"}']!];
    expect(perWorker[0]! + perWorker[1]!).toBe(sent);
    expect(perWorker.every((n) => n > 0)).toBe(true);
    expect(metrics['gatehouse_worker_restarts_total'] ?? 0).toBe(0);

    // A killed worker's counts stay in the totals, before and after its replacement starts.
    process.kill([...pids][0]!, 'SIGKILL');
    await waitFor(() => gh.logs().some((l) => l.msg === 'worker exited; restarting'), 10_000, 'the supervisor to notice', gh);
    expect((await scrape(adminPort))[ANSWERED]).toBe(sent);
    await waitFor(() => listening(gh) === 3, 30_000, 'the replacement worker to listen', gh);
    metrics = await scrape(adminPort);
    expect(metrics[ANSWERED]).toBe(sent);
    expect(metrics['gatehouse_worker_restarts_total']).toBe(1);

    for (let i = 0; i < 10; i++, sent++) await pidOf(port);
    await waitFor(showsAll, 5000, `/metrics to count ${sent} requests`, gh);
    expect(metrics['gatehouse_worker_up{worker="1"}']).toBe(1);
    expect(metrics['gatehouse_worker_up{worker="2"}']).toBe(1);
    expect(metrics['gatehouse_worker_requests_total{worker="1"}']! + metrics['gatehouse_worker_requests_total{worker="2"}']!).toBe(sent);

    gh.kill('SIGTERM');
    expect(await gh.exited).toBe(0);
  });

  test("the supervisor's /status lists every worker's upstream members, /metrics their health by worker, and gatehouse status prints both", async () => {
    const good = upstream();
    const dead = `http://127.0.0.1:${closedPort()}`;
    const adminPort = freePort();
    const admin = `http://127.0.0.1:${adminPort}`;
    const { gh, port } = startSupervisor(2, `[${dead}, ${good.url}]`, {
      adminPort,
      routeKeys: 'health_check: { path: /, interval: 100ms, timeout: 1s, healthy: 1, unhealthy: 1 }',
    });
    await waitFor(() => listening(gh) === 2, 30_000, 'two workers listening', gh);
    // Both workers answer (the dead member is skipped, then left out by its checks, which keep it
    // out for as long as it is dead: a refusal alone would let it back in after 2 s).
    expect((await collectPids(port, 2)).size).toBe(2);

    type Status = { workers?: { worker: number; routes: RouteUpstreamStatus[] }[]; routes?: unknown };
    let status: Status = {};
    const deadOutEverywhere = async () => {
      status = (await (await fetch(`${admin}/status`)).json()) as Status;
      return status.workers?.length === 2 && status.workers.every((w) => w.routes[0]?.members[0]?.state === 'failing_checks');
    };
    await waitFor(deadOutEverywhere, 10_000, 'both workers to list the dead member out', gh);
    expect(status.routes).toBeUndefined();
    expect(status.workers!.map((w) => w.worker)).toEqual([1, 2]);
    for (const w of status.workers!) {
      expect(w.routes).toHaveLength(1);
      expect(w.routes[0]).toMatchObject({ route: 'routes[0]', from: 'http://api.example.test', health_check: true });
      expect(w.routes[0]!.members).toMatchObject([
        { upstream: dead, healthy: false, state: 'failing_checks' },
        { upstream: good.url, healthy: true, state: 'up' },
      ]);
    }

    // The gauge once per worker, never summed or without its worker.
    const metrics = await scrape(adminPort);
    const healthy = Object.entries(metrics).filter(([series]) => series.startsWith('gatehouse_upstream_healthy'));
    expect(Object.fromEntries(healthy)).toEqual({
      [`gatehouse_upstream_healthy{route="routes[0]",upstream="${dead}",worker="1"}`]: 0,
      [`gatehouse_upstream_healthy{route="routes[0]",upstream="${good.url}",worker="1"}`]: 1,
      [`gatehouse_upstream_healthy{route="routes[0]",upstream="${dead}",worker="2"}`]: 0,
      [`gatehouse_upstream_healthy{route="routes[0]",upstream="${good.url}",worker="2"}`]: 1,
    });

    const cli = await runCli(['status', '--admin', admin], { timeoutMs: 15_000 });
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    const lines = cli.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^WORKER\s+ROUTE\s+FROM\s+UPSTREAM\s+STATE\s+IN FLIGHT\s+LAST ERROR$/);
    const member = (worker: number, url: string, state: string) => new RegExp(`^${worker}\\s+routes\\[0\\]\\s+http://api\\.example\\.test\\s+${url}\\s+${state}`);
    expect(lines.slice(1, -1)).toHaveLength(4);
    expect(lines[1]).toMatch(member(1, dead, 'failing_checks'));
    expect(lines[2]).toMatch(member(2, dead, 'failing_checks'));
    expect(lines[3]).toMatch(member(1, good.url, 'up'));
    expect(lines[4]).toMatch(member(2, good.url, 'up'));
    expect(lines.at(-1)).toBe('2 workers, 2 members, 1 out');

    const json = await runCli(['status', '--admin', admin, '--json'], { timeoutMs: 15_000 });
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as Status).workers!.map((w) => w.worker)).toEqual([1, 2]);

    gh.kill('SIGTERM');
    expect(await gh.exited).toBe(0);
  });

  test('workers: auto starts one process per core', async () => {
    const up = upstream();
    const { gh, port } = startSupervisor('auto', up.url);
    const cores = availableParallelism();
    await waitFor(() => listening(gh) === cores, 30_000, `${cores} workers listening`, gh);
    expect(gh.logs().find((l) => l.msg === 'workers started')).toMatchObject({ workers: cores });
    // Every worker listens; requests spread over more than one of them (all of them would take
    // many tries on a machine with many cores).
    expect((await collectPids(port, Math.min(2, cores))).size).toBe(Math.min(2, cores));
    gh.kill('SIGTERM');
    expect(await gh.exited).toBe(0);
  });
});
