import { afterEach, expect, test } from 'bun:test';
import { createTestGateway, type PluginTestGateway, type TestGatewayOptions } from 'gatehouse/testing';

const plugin = new URL('./audit-denied.ts', import.meta.url);
const rateLimit = new URL('./rate-limit.ts', import.meta.url).href;
let gateway: PluginTestGateway | undefined;
afterEach(() => gateway?.stop());

async function start(more: TestGatewayOptions = {}) {
  gateway = await createTestGateway({ plugin, ...more });
  return gateway;
}

const audits = (gw: PluginTestGateway) => gw.logs().filter((line) => line.msg === 'request denied');

test('logs and counts a 403 from the upstream with identity, route and request id', async () => {
  const gw = await start({ upstream: () => new Response('no', { status: 403 }) });
  const response = await gw.request('/admin/users?token=secret', { identity: 'alice@example.test' });
  expect(response.status).toBe(403);
  const [line] = audits(gw);
  expect(line).toMatchObject({
    level: 'warn',
    plugin: 'audit-denied',
    status: 403,
    route: 'routes[0]',
    request_id: response.headers.get('x-request-id'),
    identity: 'alice@example.test',
    via: 'test-identity',
    method: 'GET',
    host: 'app.test',
    path: '/admin/users',
  });
  expect(JSON.stringify(line)).not.toContain('secret');
  expect(gw.metrics()).toContain('gatehouse_denied_requests_total{route="routes[0]",status="403"} 1');
});

test('sees the 429 of a rate limiter after it, and leaves allowed requests alone', async () => {
  const gw = await start({ after: [{ use: rateLimit, limit: 1 }] });
  expect((await gw.request('/')).status).toBe(200);
  expect((await gw.request('/')).status).toBe(429);
  expect(audits(gw)).toHaveLength(1);
  expect(audits(gw)[0]).toMatchObject({ status: 429, identity: null, client_ip: '127.0.0.1' });
  expect(gw.metrics()).toContain('status="429"} 1');
  expect(gw.metrics()).not.toContain('status="200"');
});

test('sees the 401 the route policy gives an anonymous caller', async () => {
  const gw = await start({ config: { policy: { allow_any_authenticated_user: true } } });
  const response = await gw.request('/');
  expect(response.status).toBe(401);
  expect(audits(gw)[0]).toMatchObject({ status: 401, identity: null });
  expect(gw.upstreamRequests).toHaveLength(0);
});

test('statuses and level are configurable', async () => {
  const gw = await start({ options: { statuses: [404], level: 'info' }, upstream: () => new Response(null, { status: 404 }) });
  await gw.request('/missing');
  expect(audits(gw)[0]).toMatchObject({ level: 'info', status: 404 });
  await expect(start({ options: { statuses: [] } })).rejects.toThrow(/statuses/);
});
