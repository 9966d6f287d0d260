import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pkg from '../package.json' with { type: 'json' };
import { startUpstream, type TestUpstream } from './support/gateway.ts';
import { freePort, runCli, startRun, type Spawned } from './support/process.ts';

setDefaultTimeout(60_000);

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-test-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

function upstream(handler?: (request: Request) => Response | Promise<Response>): TestUpstream {
  const u = startUpstream(handler);
  cleanup.push(() => u.stop());
  return u;
}

function track<T extends Spawned>(p: T): T {
  cleanup.push(() => p.kill('SIGKILL'));
  return p;
}

const BROKEN = `listen: "127.0.0.1:0"
routes:
  - from: https://api.example.test
    to: http://127.0.0.1:9000
    policy: { public: true }
    timout: 5s
`;

const VALID = (to = 'http://127.0.0.1:9000', head = 'listen: "127.0.0.1:0"\n') => `${head}routes:
  - from: http://api.example.test
    to: ${to}
    policy: { public: true }
`;

describe('gatehouse check', () => {
  test('a broken config: exit 1, each error with file:line:column and the key', async () => {
    const dir = tempDir({ 'broken.yaml': BROKEN });
    const { code, stderr } = await runCli(['check', '-c', 'broken.yaml'], { cwd: dir });
    expect(code).toBe(1);
    expect(stderr).toContain(`error: ${join(dir, 'broken.yaml')}:6:5: routes[0].timout: unknown key "timout"; did you mean "timeout"?`);
    expect(stderr).toContain('1 error; the config is not valid');
  });

  test('a config with a broken plugin entry fails check too (plugins are loaded and validated)', async () => {
    const dir = tempDir({
      'gatehouse.yaml': `${VALID()}    plugins: [{ use: ./p.ts, colour: red }]\n`,
      'p.ts': `export default { name: 'p', options: (v) => v.strictObject({ color: v.optional(v.string()) }), create: () => (c, n) => n() };`,
    });
    const { code, stderr } = await runCli(['check'], { cwd: dir });
    expect(code).toBe(1);
    expect(stderr).toContain(':6:30: routes[0].plugins[0].colour: route routes[0] (http://api.example.test), plugin "./p.ts": unknown key "colour"; did you mean "color"?');
  });

  test('warnings are printed with their place and the exit status is 0', async () => {
    const dir = tempDir({
      'gatehouse.yaml': `routes:
  - from: http://api.example.test
    to: http://127.0.0.1:9000
`,
    });
    const { code, stdout, stderr } = await runCli(['check'], { cwd: dir });
    expect(code).toBe(0);
    expect(stderr).toContain(`warning: ${join(dir, 'gatehouse.yaml')}:2:5: routes[0]: route routes[0] (http://api.example.test) has no policy, so it admits nobody`);
    expect(stdout).toContain('OK (1 route, 1 warning)');
  });

  test('a valid config: exit 0 and OK', async () => {
    const dir = tempDir({ 'gatehouse.yaml': VALID() });
    const { code, stdout, stderr } = await runCli(['check'], { cwd: dir });
    expect(code).toBe(0);
    expect(stdout).toContain(`${join(dir, 'gatehouse.yaml')}: OK (1 route, 0 warnings)`);
    expect(stderr).toBe('');
  });

  test('the config comes from -c, else $GATEHOUSE_CONFIG, else ./gatehouse.yaml', async () => {
    const dir = tempDir({ 'gatehouse.yaml': VALID(), 'broken.yaml': BROKEN, 'other.yaml': VALID() });
    expect((await runCli(['check'], { cwd: dir, env: { GATEHOUSE_CONFIG: undefined } })).code).toBe(0);
    expect((await runCli(['check'], { cwd: dir, env: { GATEHOUSE_CONFIG: 'broken.yaml' } })).code).toBe(1);
    expect((await runCli(['check', '--config', 'other.yaml'], { cwd: dir, env: { GATEHOUSE_CONFIG: 'broken.yaml' } })).code).toBe(0);
    const none = await runCli(['check'], { cwd: tempDir(), env: { GATEHOUSE_CONFIG: undefined } });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('gatehouse.yaml:0:0: cannot read config');
  });

  test('a missing environment variable is named', async () => {
    const dir = tempDir({ 'gatehouse.yaml': VALID('${GATEHOUSE_TEST_UPSTREAM}') });
    const { code, stderr } = await runCli(['check'], { cwd: dir, env: { GATEHOUSE_TEST_UPSTREAM: undefined } });
    expect(code).toBe(1);
    expect(stderr).toContain(':4:5: routes[0].to: environment variable GATEHOUSE_TEST_UPSTREAM is not set');
  });
});

describe('version and help', () => {
  test('`version` prints the version (from package.json when run from source)', async () => {
    const { code, stdout } = await runCli(['version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(`${pkg.version}-dev`);
  });

  test('--help on each command prints its usage and exits 0', async () => {
    for (const [command, usage] of [
      ['run', 'Usage: gatehouse run [-c FILE]'],
      ['check', 'Usage: gatehouse check [-c FILE]'],
      ['version', 'Usage: gatehouse version'],
    ] as const) {
      for (const flag of ['--help', '-h']) {
        const { code, stdout } = await runCli([command, flag]);
        expect({ command, flag, code, usage: stdout.startsWith(usage) }).toEqual({ command, flag, code: 0, usage: true });
      }
    }
  });

  test('--help alone lists the commands; no command or an unknown one exits 2', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['run', 'check', 'version']) expect(help.stdout).toMatch(new RegExp(`^  ${command}\\s`, 'm'));
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toContain('Usage: gatehouse <command>');
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });

  test('an unknown option is refused', async () => {
    const { code, stderr } = await runCli(['check', '--frobnicate']);
    expect(code).not.toBe(0);
    expect(stderr).toContain('frobnicate');
  });
});

describe('gatehouse run', () => {
  test('a broken config: exit 1 with the located error, nothing served', async () => {
    const dir = tempDir({ 'broken.yaml': BROKEN });
    const { code, stderr } = await runCli(['run', '-c', 'broken.yaml'], { cwd: dir });
    expect(code).toBe(1);
    expect(stderr).toContain('broken.yaml:6:5: routes[0].timout: unknown key "timout"');
  });

  test('SIGTERM with a slow request in flight: it completes, new connections are refused, exit 0', async () => {
    let arrived!: () => void;
    const reached = new Promise<void>((r) => (arrived = r));
    const up = upstream(async () => {
      arrived();
      await Bun.sleep(1500);
      return new Response('slow but complete');
    });
    const dir = tempDir({ 'gatehouse.yaml': VALID(up.url) });
    const gh = track(await startRun(join(dir, 'gatehouse.yaml')));
    const inFlight = fetch(`${gh.url}/slow`, { headers: { host: 'api.example.test' } });
    await reached;
    gh.kill('SIGTERM');
    await gh.waitForLog((l) => l.msg === 'shutting down', 10_000, 'shutting down');
    let refused = false;
    for (let i = 0; i < 40 && !refused; i++) {
      refused = await fetch(`${gh.url}/`, { headers: { host: 'api.example.test', connection: 'close' } }).then(
        () => false,
        () => true,
      );
      if (!refused) await Bun.sleep(25);
    }
    expect(refused).toBe(true);
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('slow but complete');
    expect(await gh.exited).toBe(0);
  });

  test('SIGTERM does not wait longer than shutdown_timeout for a stuck request, and still exits 0', async () => {
    const up = upstream(async () => {
      await Bun.sleep(20_000);
      return new Response('never seen');
    });
    const dir = tempDir({ 'gatehouse.yaml': VALID(up.url, 'listen: "127.0.0.1:0"\nshutdown_timeout: 300ms\n') });
    const gh = track(await startRun(join(dir, 'gatehouse.yaml')));
    const inFlight = fetch(`${gh.url}/stuck`, { headers: { host: 'api.example.test' } }).catch((e: Error) => e);
    for (let i = 0; i < 100 && up.received.length === 0; i++) await Bun.sleep(20);
    expect(up.received).toHaveLength(1);
    const before = Date.now();
    gh.kill('SIGTERM');
    expect(await gh.exited).toBe(0);
    expect(Date.now() - before).toBeLessThan(10_000);
    await inFlight;
  });

  test('SIGINT stops it too, exit 0', async () => {
    const dir = tempDir({ 'gatehouse.yaml': VALID() });
    const gh = track(await startRun(join(dir, 'gatehouse.yaml')));
    gh.kill('SIGINT');
    expect(await gh.exited).toBe(0);
  });

  test('SIGHUP reloads the config (here with watch off)', async () => {
    const a = upstream(() => new Response('a'));
    const b = upstream(() => new Response('b'));
    const dir = tempDir({ 'gatehouse.yaml': VALID(a.url, 'listen: "127.0.0.1:0"\nwatch: false\n') });
    const gh = track(await startRun(join(dir, 'gatehouse.yaml')));
    const get = async () => (await fetch(`${gh.url}/`, { headers: { host: 'api.example.test' } })).text();
    expect(await get()).toBe('a');
    writeFileSync(join(dir, 'gatehouse.yaml'), VALID(b.url, 'listen: "127.0.0.1:0"\nwatch: false\n'));
    await Bun.sleep(300);
    expect(await get()).toBe('a');
    gh.kill('SIGHUP');
    await gh.waitForLog((l) => l.msg === 'config reloaded', 10_000, 'config reloaded');
    expect(await get()).toBe('b');
    gh.kill('SIGTERM');
    expect(await gh.exited).toBe(0);
  });

  test('the access log goes to stdout as one JSON line per request', async () => {
    const up = upstream(() => new Response('ok'));
    const dir = tempDir({ 'gatehouse.yaml': VALID(up.url) });
    const gh = track(await startRun(join(dir, 'gatehouse.yaml')));
    const response = await fetch(`${gh.url}/logged`, { headers: { host: 'api.example.test' } });
    await response.text();
    const line = await gh.waitForLog((l) => l.type === 'access', 5000, 'an access line');
    expect(line).toMatchObject({ request_id: response.headers.get('x-request-id')!, method: 'GET', host: 'api.example.test', path: '/logged', status: 200, route: 'routes[0]', upstream: up.url });
    gh.kill('SIGTERM');
    expect(await gh.exited).toBe(0);
  });

  test('a state store that cannot be opened is a located config error, exit 1, for one process and for workers', async () => {
    for (const workers of [1, 2]) {
      const dir = tempDir({ 'gatehouse.yaml': VALID('http://127.0.0.1:9', `listen: "127.0.0.1:0"\nworkers: ${workers}\nstate: sqlite:/proc/gatehouse-nope/state.db\n`) });
      const { code, stderr } = await runCli(['run', '-c', join(dir, 'gatehouse.yaml')], { timeoutMs: 10_000 });
      expect(code).toBe(1);
      expect(stderr).toContain('gatehouse.yaml:3:1: state: state store (sqlite): cannot create the directory /proc/gatehouse-nope');
    }
  });

  test('the admin listener serves the session endpoints only with its bearer token', async () => {
    const up = upstream(() => new Response('ok'));
    const adminPort = freePort();
    const token = 'admin-token-0123456789';
    const dir = tempDir({ 'gatehouse.yaml': VALID(up.url, `listen: "127.0.0.1:0"\nadmin: { listen: "127.0.0.1:${adminPort}", token: "${token}" }\n`) });
    const gh = track(await startRun(join(dir, 'gatehouse.yaml')));
    const admin = `http://127.0.0.1:${adminPort}`;
    const anonymous = await fetch(`${admin}/sessions`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toStartWith('Bearer');
    expect((await fetch(`${admin}/sessions`, { headers: { authorization: 'Bearer admin-token-012345678X' } })).status).toBe(401);
    const listed = await fetch(`${admin}/sessions`, { headers: { authorization: `Bearer ${token}` } });
    expect(listed.status).toBe(200);
    expect(await listed.json()).toEqual({ sessions: [] });
    const revoked = await fetch(`${admin}/sessions/revoke`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"all":true}' });
    expect(revoked.status).toBe(200);
    gh.kill('SIGTERM');
    expect(await gh.exited).toBe(0);
  });

  test('/readyz reports a state store that does not answer (503), and the gateway keeps serving public routes', async () => {
    const up = upstream(() => new Response('ok'));
    const adminPort = freePort();
    const deadRedis = freePort();
    const dir = tempDir({ 'gatehouse.yaml': VALID(up.url, `listen: "127.0.0.1:0"\nadmin: { listen: "127.0.0.1:${adminPort}" }\nstate: { url: "redis://127.0.0.1:${deadRedis}/0", timeout: 200ms }\n`) });
    const gh = track(await startRun(join(dir, 'gatehouse.yaml')));
    const admin = `http://127.0.0.1:${adminPort}`;
    let ready: Response | undefined;
    for (let i = 0; i < 50; i++) {
      ready = await fetch(`${admin}/readyz`);
      if (ready.status === 503) break;
      await Bun.sleep(100);
    }
    expect(ready!.status).toBe(503);
    expect(await ready!.json()).toEqual({ ready: false, checks: { state: false } });
    expect((await fetch(`${gh.url}/x`, { headers: { host: 'api.example.test' } })).status).toBe(200);
    gh.kill('SIGTERM');
    expect(await gh.exited).toBe(0);
  });

  test('the admin listener serves /healthz, /readyz and Prometheus /metrics', async () => {
    const up = upstream(() => new Response('ok'));
    const adminPort = freePort();
    const dir = tempDir({ 'gatehouse.yaml': VALID(up.url, `listen: "127.0.0.1:0"\nadmin: { listen: "127.0.0.1:${adminPort}" }\n`) });
    const gh = track(await startRun(join(dir, 'gatehouse.yaml')));
    await (await fetch(`${gh.url}/x`, { headers: { host: 'api.example.test' } })).text();
    await (await fetch(`${gh.url}/x`, { headers: { host: 'nowhere.test' } })).text();
    const admin = `http://127.0.0.1:${adminPort}`;
    expect(await (await fetch(`${admin}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${admin}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: { state: true } });
    const metrics = await (await fetch(`${admin}/metrics`)).text();
    expect(metrics).toContain('# TYPE gatehouse_requests_total counter');
    expect(metrics).toContain('gatehouse_requests_total{route="routes[0]",code="2xx"} 1');
    expect(metrics).toContain('gatehouse_requests_total{route="none",code="4xx"} 1');
    expect((await fetch(`${admin}/other`)).status).toBe(404);
    gh.kill('SIGTERM');
    expect(await gh.exited).toBe(0);
  });
});
