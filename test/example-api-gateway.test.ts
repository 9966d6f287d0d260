/**
 * examples/api-gateway as its README promises: `gatehouse run` on the example's own
 * gatehouse.yaml (ports through its `${VAR:-default}`s) in front of the example's own upstreams
 * on free ports. Checked over HTTP: which route each path takes and the exact path and query
 * the service receives, `Location` mapped back, round robin, a drained replica taken out by
 * health checks, a broken one retried around, a stopped one skipped, both down, and
 * `gatehouse status`. The tests share one Gatehouse and run in order: later ones break replicas.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { join } from 'node:path';
import { exportsService, ordersReplica } from '../examples/api-gateway/upstreams.ts';
import type { RouteUpstreamStatus } from '../src/admin/upstream-status.ts';
import { freePort, killWhenTestsEnd, ROOT, runCli, startRun, type Spawned } from './support/process.ts';

setDefaultTimeout(60_000);

const CONFIG = join(ROOT, 'examples', 'api-gateway', 'gatehouse.yaml');

/** One of the example's upstreams on a free port, remembering the requests it served (not its /healthz or /mode). */
function serve(handler: (request: Request) => Response | Promise<Response>) {
  const served: string[] = [];
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(request) {
      const { pathname } = new URL(request.url);
      if (pathname !== '/healthz' && pathname !== '/mode') served.push(`${request.method} ${pathname}`);
      return handler(request);
    },
  });
  return { served, server, url: `http://127.0.0.1:${server.port}` };
}

const a = serve(ordersReplica('a'));
const b = serve(ordersReplica('b'));
const exportsUp = serve(exportsService());
const env = {
  GATEHOUSE_PORT: String(freePort()),
  ADMIN_PORT: String(freePort()),
  ORDERS_A_PORT: String(a.server.port),
  ORDERS_B_PORT: String(b.server.port),
  EXPORTS_PORT: String(exportsUp.server.port),
};
const admin = `http://127.0.0.1:${env.ADMIN_PORT}`;
let gatehouse: Spawned & { url: string };

beforeAll(async () => {
  gatehouse = await startRun(CONFIG, { env });
  killWhenTestsEnd(gatehouse.proc.pid);
});

afterAll(async () => {
  gatehouse?.kill('SIGTERM');
  const timer = setTimeout(() => gatehouse?.kill('SIGKILL'), 10_000);
  await gatehouse?.exited;
  clearTimeout(timer);
  for (const u of [a, b, exportsUp]) u.server.stop(true);
});

/** A request to the example's API host, as curl http://api.localhost:PORT/… sends it. */
function api(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('host', `api.localhost:${env.GATEHOUSE_PORT}`);
  return fetch(`${gatehouse.url}${path}`, { ...init, headers, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
}

async function json(path: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await api(path, init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Sets an orders replica's mode on its own port, as the README's curl -X PUT -d … does. */
async function setMode(replica: typeof a, mode: 'ok' | 'drain' | 'broken'): Promise<void> {
  const response = await fetch(`${replica.url}/mode`, { method: 'PUT', body: mode });
  expect(response.status).toBe(200);
}

async function members(): Promise<RouteUpstreamStatus[]> {
  return ((await (await fetch(`${admin}/status`)).json()) as { routes: RouteUpstreamStatus[] }).routes;
}

/** Whether `replica` is in `state` on both orders routes. */
async function replicaIs(replica: typeof a, state: 'up' | 'failing_checks'): Promise<boolean> {
  const rows = (await members()).filter((r) => r.route !== 'routes[0]').flatMap((r) => r.members.filter((m) => m.upstream === replica.url));
  return rows.length === 2 && rows.every((m) => m.state === state);
}

/** Polls `check` every 50 ms until it holds; fails after `ms`. */
async function waitFor(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await Bun.sleep(50);
  }
}

const replicasOf = async (count: number, prefix: string) => {
  const seen: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const { status, body } = await json(`${prefix}/${i}`);
    expect(status).toBe(200);
    seen.push(body.replica);
  }
  return seen;
};

describe('routes: which one, and what the service receives', () => {
  const rows: [string, string, string][] = [
    ['/api/v1/orders/export', 'exports', '/api/v1/orders/export'],
    ['/api/v1/orders/export?format=csv', 'exports', '/api/v1/orders/export?format=csv'],
    ['/api/v1/orders/7?expand=items', 'orders', '/v2/orders/7?expand=items'],
    ['/api/v1/orders/export/x', 'orders', '/v2/orders/export/x'],
    ['/api/v1/orders/export/', 'orders', '/v2/orders/export/'],
    ['/api/v1', 'orders', '/v2/'],
    ['/api/v1/', 'orders', '/v2/'],
    ['/customers/42/orders/7?expand=items', 'orders', '/v2/orders/7?customer=42&expand=items'],
    ['/customers/42/orders/7', 'orders', '/v2/orders/7?customer=42'],
  ];
  for (const [path, service, received] of rows) {
    test(`${path} → ${service} receives ${received}`, async () => {
      const { status, body } = await json(path);
      expect(status).toBe(200);
      expect(body.service).toBe(service);
      expect(body.path).toBe(received);
    });
  }

  for (const path of ['/customers/x/orders/7', '/customers/42/orders/7/x', '/api/v2/x', '/api/v1x', '/', '/v2/orders/7']) {
    test(`${path} matches no route: 404 no_route`, async () => {
      const { status, body } = await json(path);
      expect(status).toBe(404);
      expect(body.error).toBe('no_route');
      expect(typeof body.request_id).toBe('string');
    });
  }

  test('a replica redirecting to /v2/orders/1001 sends the client to /api/v1/orders/1001', async () => {
    const response = await api('/api/v1/orders/latest');
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/api/v1/orders/1001');
  });

  test('gatehouse status lists every member of every route, all up', async () => {
    const { code, stdout, stderr } = await runCli(['status', '-c', CONFIG], { env });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const rows = stdout.split('\n').filter((l) => l.startsWith('routes['));
    expect(rows).toHaveLength(5);
    expect(rows[0]).toMatch(new RegExp(`^routes\\[0\\] +http://api\\.localhost +${exportsUp.url} +up`));
    for (const route of ['routes[1]', 'routes[2]']) {
      for (const replica of [a, b]) expect(rows.some((r) => r.startsWith(route) && r.includes(` ${replica.url} `) && / up /.test(r))).toBe(true);
    }
    expect(stdout).toContain('5 members, 0 out');
  });
});

describe('two replicas', () => {
  test('round robin: consecutive requests alternate between a and b', async () => {
    const seen = await replicasOf(6, '/api/v1/orders');
    for (let i = 1; i < seen.length; i++) expect(seen[i]).not.toBe(seen[i - 1]);
    expect(new Set(seen)).toEqual(new Set(['a', 'b']));
  });

  test('a drained replica (healthz 503) is taken out by the health checks, then brought back', async () => {
    await setMode(b, 'drain');
    await waitFor('b to fail its checks on both orders routes', () => replicaIs(b, 'failing_checks'));
    const cli = await runCli(['status', '-c', CONFIG], { env });
    expect(cli.stdout).toMatch(new RegExp(`routes\\[1\\] +http://api\\.localhost +${b.url} +failing_checks .*health check answered 503`));
    expect(cli.stdout).toContain('5 members, 2 out');

    const before = b.served.length;
    expect(await replicasOf(6, '/api/v1/orders')).toEqual(['a', 'a', 'a', 'a', 'a', 'a']);
    expect(b.served.length).toBe(before);

    await setMode(b, 'ok');
    await waitFor('b to be back on both orders routes', () => replicaIs(b, 'up'));
    expect(new Set(await replicasOf(4, '/api/v1/orders'))).toEqual(new Set(['a', 'b']));
  });

  test('a broken replica (503 to everything): a GET is retried on the other, a POST is not', async () => {
    await setMode(b, 'broken');
    const before = b.served.length;
    // Two POSTs in a row: round robin sends one to each replica; b's 503 is not retried.
    const posts: number[] = [];
    for (let i = 0; i < 2; i++) posts.push((await api('/api/v1/orders', { method: 'POST', body: '{"item":1}', headers: { 'content-type': 'application/json' } })).status);
    expect(posts.sort()).toEqual([200, 503]);
    const gets = await replicasOf(6, '/api/v1/orders');
    expect(gets).toEqual(['a', 'a', 'a', 'a', 'a', 'a']);
    // b was asked for some of those GETs (its 503s were retried on a), before its checks took it out.
    expect(b.served.slice(before).filter((r) => r.startsWith('GET ')).length).toBeGreaterThan(0);

    await setMode(b, 'ok');
    await waitFor('b to be back on both orders routes', () => replicaIs(b, 'up'));
  });

  test('a stopped replica: every request is answered by the other, and status shows it out', async () => {
    b.server.stop(true);
    expect(await replicasOf(6, '/api/v1/orders')).toEqual(['a', 'a', 'a', 'a', 'a', 'a']);
    expect((await json('/customers/1/orders/2')).body.replica).toBe('a');
    const cli = await runCli(['status', '-c', CONFIG], { env });
    expect(cli.stdout).toMatch(new RegExp(`routes\\[1\\] +http://api\\.localhost +${b.url} +(cooling_down|failing_checks) `));
    expect(cli.stdout).toMatch(new RegExp(`routes\\[1\\] +http://api\\.localhost +${a.url} +up `));
  });

  test('both replicas down: 502 at once while passive health keeps the last one in, 503 with Retry-After once the checks take both out', async () => {
    a.server.stop(true);
    const refused = await api('/api/v1/orders/1');
    expect(refused.status).toBe(502);
    expect(((await refused.json()) as { error: string }).error).toBe('upstream_unavailable');

    await waitFor('both replicas to fail their checks on both orders routes', async () => (await replicaIs(a, 'failing_checks')) && (await replicaIs(b, 'failing_checks')));
    const out = await api('/api/v1/orders/2');
    expect(out.status).toBe(503);
    expect(Number(out.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await out.json()) as { error: string }).error).toBe('upstream_unavailable');
    // The exact-path route has its own upstream: unaffected.
    expect((await json('/api/v1/orders/export')).body.service).toBe('exports');
  });
});
