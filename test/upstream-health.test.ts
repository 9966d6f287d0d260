/** Upstream health: passive (refusals, timeouts), active checks, all members out, /metrics, /status and `gatehouse status`. */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RouteUpstreamStatus } from '../src/admin/upstream-status.ts';
import { parseListen } from '../src/config/listen-address.ts';
import { startAdminServer } from '../src/server/admin-server.ts';
import { freePort, runCli } from './support/process.ts';
import { closedPort } from './support/raw-http.ts';
import { publicRoute } from './support/public-route.ts';
import { scoped } from './support/scoped.ts';
import type { TestGateway } from './support/gateway.ts';

setDefaultTimeout(30_000);

const { cleanup, upstream, gateway } = scoped();


/** Polls `check` every 25 ms until it holds; fails after `ms`. */
async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await Bun.sleep(25);
  }
}

/** The admin listener of an in-process gateway, on a free port. */
function adminOf(g: TestGateway, port = 0): string {
  const server = startAdminServer({ hostname: '127.0.0.1', port }, g.admin);
  cleanup.push(() => server.stop(true));
  return `http://127.0.0.1:${server.port}`;
}

async function status(admin: string): Promise<RouteUpstreamStatus[]> {
  return ((await (await fetch(`${admin}/status`)).json()) as { routes: RouteUpstreamStatus[] }).routes;
}

/** A test upstream whose `/healthz` answers 200 while `state.healthy`, 503 otherwise. */
function checkedUpstream(name: string) {
  const state = { healthy: true, checks: 0 };
  const up = upstream((request) => {
    if (new URL(request.url).pathname === '/healthz') {
      state.checks++;
      return new Response(null, { status: state.healthy ? 200 : 503 });
    }
    return new Response(name);
  });
  return { ...up, state, served: () => up.received.filter((r) => new URL(r.url).pathname !== '/healthz').length };
}

describe('passive health', () => {
  test('a member that stopped is skipped: every request is answered by the other', async () => {
    const a = upstream(() => new Response('a'));
    const b = upstream(() => new Response('b'));
    const g = await gateway(publicRoute([a.url, b.url]));
    a.stop();
    for (let i = 0; i < 6; i++) {
      const response = await g.request(`/r${i}`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('b');
    }
    expect(g.logs.json().filter((l) => l.msg === 'upstream member taken out for a while')).toHaveLength(1);
  });

  test('three timeouts in a row take a member out; fewer do not', async () => {
    const slow = upstream(async () => {
      await Bun.sleep(2000);
      return new Response('slow');
    });
    const fast = upstream(() => new Response('fast'));
    const g = await gateway(publicRoute([slow.url, fast.url], 'lb_policy: first\ntimeout: 150ms'));
    for (let i = 0; i < 3; i++) expect((await g.request(`/t${i}`)).status).toBe(504);
    expect(slow.received).toHaveLength(3);
    const after = await g.request('/after');
    expect(await after.text()).toBe('fast');
    expect(slow.received).toHaveLength(3);
  });

  test('passive health never takes out the last member in (as nginx with one server): a lone refusing member gets a fast 502 each time', async () => {
    const g = await gateway(publicRoute([`http://127.0.0.1:${closedPort()}`]));
    for (const path of ['/first', '/second', '/third']) {
      const started = performance.now();
      const response = await g.request(path);
      expect(response.status).toBe(502);
      expect(performance.now() - started).toBeLessThan(1000);
    }
  });

  test('two refusing members: the first is taken out, the last one stays in', async () => {
    const g = await gateway(publicRoute([`http://127.0.0.1:${closedPort()}`, `http://127.0.0.1:${closedPort()}`]));
    const admin = adminOf(g);
    expect((await g.request('/first')).status).toBe(502);
    const states = (await status(admin))[0]!.members.map((m) => m.state).sort();
    expect(states).toEqual(['cooling_down', 'up']);
    expect((await g.request('/second')).status).toBe(502);
  });
});

describe('every member out', () => {
  test('every member failing its checks: 503 upstream_unavailable with Retry-After at once, no attempt', async () => {
    const a = checkedUpstream('a');
    const g = await gateway(publicRoute([a.url], 'health_check: { path: /healthz, interval: 100ms, timeout: 1s, healthy: 2, unhealthy: 2 }'));
    const admin = adminOf(g);
    a.state.healthy = false;
    await waitFor('a to be out', async () => (await status(admin))[0]!.members[0]!.state === 'failing_checks');
    const before = a.served();
    const started = performance.now();
    const response = await g.request('/second');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: 'upstream_unavailable', request_id: response.headers.get('x-request-id')! });
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(a.served()).toBe(before);
  });
});

describe('active health checks', () => {
  test('failing checks take a member out and passing ones bring it back', async () => {
    const a = checkedUpstream('a');
    const b = checkedUpstream('b');
    const g = await gateway(publicRoute([a.url, b.url], 'health_check: { path: /healthz, interval: 100ms, timeout: 1s, healthy: 2, unhealthy: 2 }'));
    const admin = adminOf(g);
    await waitFor('the first checks', () => a.state.checks > 0 && b.state.checks > 0);

    a.state.healthy = false;
    await waitFor('a to be out', async () => (await status(admin))[0]!.members[0]!.state === 'failing_checks');
    const before = a.served();
    for (let i = 0; i < 6; i++) expect(await (await g.request(`/down${i}`)).text()).toBe('b');
    expect(a.served()).toBe(before);
    const out = (await status(admin))[0]!.members[0]!;
    expect(out).toMatchObject({ healthy: false, last_error: 'health check answered 503' });
    expect(g.admin.metrics.render()).toContain(`gatehouse_upstream_healthy{route="routes[0]",upstream="${a.url}"} 0`);
    expect(g.logs.json().some((l) => l.msg === 'upstream member failed its health checks; no requests go to it' && l.upstream === a.url)).toBe(true);

    a.state.healthy = true;
    await waitFor('a to be back', async () => (await status(admin))[0]!.members[0]!.healthy);
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add(await (await g.request(`/up${i}`)).text());
    expect(seen).toEqual(new Set(['a', 'b']));
    expect(g.admin.metrics.render()).toContain(`gatehouse_upstream_healthy{route="routes[0]",upstream="${a.url}"} 1`);
  });

  test('when every member fails its checks, requests get 503 with Retry-After and the upstream sees none', async () => {
    const a = checkedUpstream('a');
    a.state.healthy = false;
    const g = await gateway(publicRoute([a.url], 'health_check: { path: /healthz, interval: 100ms, timeout: 1s, healthy: 1, unhealthy: 1 }'));
    const admin = adminOf(g);
    await waitFor('a to be out', async () => !(await status(admin))[0]!.members[0]!.healthy);
    const response = await g.request('/');
    expect(response.status).toBe(503);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(a.served()).toBe(0);
  });

  test('checks stop when the config is reloaded and when the gateway stops', async () => {
    const a = checkedUpstream('a');
    const g = await gateway(publicRoute([a.url], 'health_check: { path: /healthz, interval: 50ms, timeout: 1s }'));
    await waitFor('checks', () => a.state.checks >= 2);
    writeFileSync(g.configFile, publicRoute([a.url], 'health_check: { path: /ready, interval: 50ms, timeout: 1s }'));
    expect((await g.server.reload()).ok).toBe(true);
    const readyChecks = () => a.received.filter((r) => new URL(r.url).pathname === '/ready').length;
    await waitFor('checks of the new config', () => readyChecks() >= 2);
    // A check aborted at the reload may still be on its way to the upstream: let it land.
    await Bun.sleep(100);
    const old = a.state.checks;
    await Bun.sleep(300);
    expect(a.state.checks).toBe(old);

    await g.server.stop();
    await Bun.sleep(100);
    const total = a.received.length;
    await Bun.sleep(300);
    expect(a.received.length).toBe(total);
  });

  test('health_check keys are checked, with the key and line', async () => {
    const error = await gateway(publicRoute(['http://127.0.0.1:1'], 'health_check: { path: healthz, interval: soon }')).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/gatehouse\.yaml:5:\d+: routes\[0\]\.health_check\.path: a health check path starts with \//);
    expect(error?.message).toMatch(/routes\[0\]\.health_check\.interval: "soon" is not a duration/);
  });
});

describe('gatehouse status', () => {
  test('GET /status lists every member with its state, and the CLI prints it as a table', async () => {
    const good = upstream(() => new Response('good'));
    const gone = `http://127.0.0.1:${closedPort()}`;
    const adminPort = freePort();
    const g = await gateway(`admin: { listen: "127.0.0.1:${adminPort}" }\n${publicRoute([gone, good.url])}`);
    const admin = adminOf(g, parseListen(`127.0.0.1:${adminPort}`)!.port);
    expect((await g.request('/')).status).toBe(200);

    const routes = await status(admin);
    expect(routes).toHaveLength(1);
    expect(routes[0]).toMatchObject({ route: 'routes[0]', from: 'http://api.example.test', lb_policy: 'round_robin', health_check: false });
    expect(routes[0]!.members).toEqual([
      { upstream: gone, healthy: false, state: 'cooling_down', in_flight: 0, back_at: expect.any(String), last_error: 'connection refused', last_error_at: expect.any(String) },
      { upstream: good.url, healthy: true, state: 'up', in_flight: 0 },
    ]);

    const cli = await runCli(['status', '-c', g.configFile]);
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    const lines = cli.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ROUTE\s+FROM\s+UPSTREAM\s+STATE\s+IN FLIGHT\s+LAST ERROR$/);
    expect(lines[1]).toMatch(new RegExp(`^routes\\[0\\]\\s+http://api\\.example\\.test\\s+${gone}\\s+cooling_down \\(back in \\ds\\)\\s+0\\s+connection refused, \\d+s ago$`));
    expect(lines[2]).toMatch(new RegExp(`^routes\\[0\\]\\s+http://api\\.example\\.test\\s+${good.url}\\s+up\\s+0$`));
    expect(lines.at(-1)).toBe('2 members, 1 out');
  });

  test('status says why when there is no admin listener to ask', async () => {
    const g = await gateway(publicRoute(['http://127.0.0.1:1']));
    const cli = await runCli(['status', '-c', join(g.dir, 'gatehouse.yaml')]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('the config has no admin listener (admin.listen)');
  });
});
