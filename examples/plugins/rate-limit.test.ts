import { afterEach, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestGateway, type PluginTestGateway, type TestGatewayOptions } from 'gatehouse/testing';

const plugin = new URL('./rate-limit.ts', import.meta.url);
const gateways: PluginTestGateway[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.stop()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(options: Record<string, unknown>, more: TestGatewayOptions = {}) {
  const gateway = await createTestGateway({ plugin, options, ...more });
  gateways.push(gateway);
  return gateway;
}

/** A state file of its own for the test, as `state: sqlite:PATH` would name it. */
function stateFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rate-limit-state-'));
  dirs.push(dir);
  return join(dir, 'state.db');
}

test('lets `limit` requests through per window, then answers 429 with Retry-After', async () => {
  const gw = await start({ limit: 2, window: '1m' });
  expect((await gw.request('/a')).status).toBe(200);
  expect((await gw.request('/b')).status).toBe(200);
  const limited = await gw.request('/c');
  expect(limited.status).toBe(429);
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(59);
  expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
  const body = (await limited.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ error: 'rate_limited', retry_after: Number(limited.headers.get('retry-after')) });
  expect(body.request_id).toBe(limited.headers.get('x-request-id'));
  expect(gw.upstreamRequests.map((r) => r.path)).toEqual(['/a', '/b']);
});

test('counts each identity on its own; anonymous callers share their IP bucket', async () => {
  const gw = await start({ limit: 1 });
  expect((await gw.request('/', { identity: 'alice@example.test' })).status).toBe(200);
  expect((await gw.request('/', { identity: 'alice@example.test' })).status).toBe(429);
  expect((await gw.request('/', { identity: 'bob@example.test' })).status).toBe(200);
  expect((await gw.request('/')).status).toBe(200);
  expect((await gw.request('/')).status).toBe(429);
});

test('by: ip counts every caller from one address together', async () => {
  const gw = await start({ limit: 1, by: 'ip' });
  expect((await gw.request('/', { identity: 'alice@example.test' })).status).toBe(200);
  expect((await gw.request('/', { identity: 'bob@example.test' })).status).toBe(429);
});

test('window is a duration as in the config: a bare number is seconds', async () => {
  const gw = await start({ limit: 1, window: 90 });
  expect((await gw.request('/')).status).toBe(200);
  const limited = await gw.request('/');
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(60);
  expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(90);
});

test('a new window starts once the old one has passed', async () => {
  const gw = await start({ limit: 1, window: '200ms' });
  expect((await gw.request('/')).status).toBe(200);
  const limited = await gw.request('/');
  expect(limited.status).toBe(429);
  expect(limited.headers.get('retry-after')).toBe('1');
  await Bun.sleep(250);
  expect((await gw.request('/')).status).toBe(200);
});

test('the limit holds across two gateways sharing one state, as workers and machines do', async () => {
  const root = { watch: false, state: `sqlite:${stateFile()}` };
  const a = await start({ limit: 4 }, { root });
  const b = await start({ limit: 4 }, { root });
  for (let i = 0; i < 3; i++) expect((await a.request('/')).status).toBe(200);
  expect((await b.request('/')).status).toBe(200);
  const limited = await b.request('/');
  expect(limited.status).toBe(429);
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(59);
  expect((await a.request('/')).status).toBe(429);
  expect(a.upstreamRequests).toHaveLength(3);
  expect(b.upstreamRequests).toHaveLength(1);
});

test('a reload keeps counting when the state is shared', async () => {
  const gw = await start({ limit: 1 }, { root: { watch: false, state: `sqlite:${stateFile()}` } });
  expect((await gw.request('/')).status).toBe(200);
  await gw.reload();
  expect((await gw.request('/')).status).toBe(429);
});

/** Holds SQLite's write lock on `file` (as a stuck process would) until the returned function runs. */
function lockState(file: string): () => void {
  const db = new Database(file);
  db.run('BEGIN EXCLUSIVE');
  return () => {
    db.run('ROLLBACK');
    db.close();
  };
}

test('when the state cannot answer, requests go through uncounted and the outage is logged once', async () => {
  const file = stateFile();
  const gw = await start({ limit: 1 }, { root: { watch: false, state: { url: `sqlite:${file}`, timeout: '50ms' } } });
  expect((await gw.request('/')).status).toBe(200);
  const unlock = lockState(file);
  try {
    expect((await gw.request('/')).status).toBe(200);
    expect((await gw.request('/')).status).toBe(200);
  } finally {
    unlock();
  }
  expect((await gw.request('/')).status).toBe(429);
  const lines = gw.logs().filter((l) => l.plugin === 'rate-limit');
  expect(lines.map((l) => [l.level, l.msg])).toEqual([
    ['warn', 'rate limit state unavailable; letting requests through uncounted'],
    ['info', 'rate limit state available again'],
  ]);
  expect(lines[0]!.error).toContain('state store (sqlite) unavailable');
});

test('on_state_error: deny answers 503 while the state cannot answer', async () => {
  const file = stateFile();
  const gw = await start({ limit: 5, on_state_error: 'deny' }, { root: { watch: false, state: { url: `sqlite:${file}`, timeout: '50ms' } } });
  expect((await gw.request('/')).status).toBe(200);
  const unlock = lockState(file);
  let refused: Response;
  try {
    refused = await gw.request('/');
  } finally {
    unlock();
  }
  expect(refused.status).toBe(503);
  expect(refused.headers.get('retry-after')).toBe('1');
  expect(await refused.json()).toMatchObject({ error: 'rate_limit_unavailable', retry_after: 1 });
  expect((await gw.request('/')).status).toBe(200);
  expect(gw.upstreamRequests).toHaveLength(2);
});

test('refuses bad options at load, naming the key', async () => {
  await expect(start({ limit: 0 })).rejects.toThrow(/limit/);
  await expect(start({ window: 'soon' })).rejects.toThrow(/"soon" is not a duration/);
  await expect(start({ window: 0 })).rejects.toThrow(/longer than 0/);
  await expect(start({ limt: 5 })).rejects.toThrow(/unknown key "limt"; did you mean "limit"\?/);
  await expect(start({ on_state_error: 'ignore' })).rejects.toThrow(/on_state_error/);
});
