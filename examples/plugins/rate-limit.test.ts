import { afterEach, expect, test } from 'bun:test';
import { createTestGateway, type PluginTestGateway, type TestGatewayOptions } from 'gatehouse/testing';

const plugin = new URL('./rate-limit.ts', import.meta.url);
let gateway: PluginTestGateway | undefined;
afterEach(() => gateway?.stop());

async function start(options: Record<string, unknown>, more: TestGatewayOptions = {}) {
  gateway = await createTestGateway({ plugin, options, ...more });
  return gateway;
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

test('a reload starts counting afresh', async () => {
  const gw = await start({ limit: 1 });
  expect((await gw.request('/')).status).toBe(200);
  expect((await gw.request('/')).status).toBe(429);
  await gw.reload();
  expect((await gw.request('/')).status).toBe(200);
});

test('refuses bad options at load, naming the key', async () => {
  await expect(start({ limit: 0 })).rejects.toThrow(/limit/);
  await expect(start({ window: 'soon' })).rejects.toThrow(/"soon" is not a duration/);
  await expect(start({ window: 0 })).rejects.toThrow(/longer than 0/);
  await expect(start({ limt: 5 })).rejects.toThrow(/unknown key "limt"; did you mean "limit"\?/);
});
