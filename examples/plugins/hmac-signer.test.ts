import { afterEach, expect, test } from 'bun:test';
import { createHash, createHmac } from 'node:crypto';
import { createTestGateway, type PluginTestGateway, type RecordedRequest } from 'gatehouse/testing';
import { stringToSign, UNSIGNED_PAYLOAD } from './hmac-signer.ts';

const plugin = new URL('./hmac-signer.ts', import.meta.url);
const SECRET = 'test-secret-0123456789abcdef0123456789';
let gateway: PluginTestGateway | undefined;
afterEach(() => gateway?.stop());

/** The gateway with the secret taken from `${HMAC_SECRET}`, as a config would do it. */
async function start(options: Record<string, unknown> = {}) {
  gateway = await createTestGateway({ plugin, options: { secret: '${HMAC_SECRET}', ...options }, env: { HMAC_SECRET: SECRET } });
  return gateway;
}

/** What an upstream does: recompute the signature over what it received. */
function verify(received: RecordedRequest): boolean {
  const timestamp = received.headers.get('x-signature-timestamp')!;
  const digest = received.headers.get('x-content-sha256')!;
  if (digest !== UNSIGNED_PAYLOAD && digest !== createHash('sha256').update(received.body).digest('hex')) return false;
  const expected = createHmac('sha256', SECRET).update(stringToSign(timestamp, received.method, received.path, digest)).digest('hex');
  return received.headers.get('x-signature') === expected;
}

test('signs method, path with query, timestamp and the empty body of a GET', async () => {
  const gw = await start();
  await gw.request('/orders?id=7&x=%2F');
  const [received] = gw.upstreamRequests;
  expect(received!.path).toBe('/orders?id=7&x=%2F');
  expect(Math.abs(Number(received!.headers.get('x-signature-timestamp')) - Date.now() / 1000)).toBeLessThan(5);
  expect(received!.headers.get('x-content-sha256')).toBe(createHash('sha256').update('').digest('hex'));
  expect(verify(received!)).toBe(true);
});

test('hashes a body within max_body_bytes and still delivers it', async () => {
  const gw = await start({ max_body_bytes: 64 });
  const response = await gw.request('/orders', { method: 'POST', body: '{"item":"tea"}', headers: { 'content-type': 'application/json' } });
  expect(((await response.json()) as { body: string }).body).toBe('{"item":"tea"}');
  const [received] = gw.upstreamRequests;
  expect(received!.headers.get('x-content-sha256')).toBe(createHash('sha256').update('{"item":"tea"}').digest('hex'));
  expect(verify(received!)).toBe(true);
});

test('a body over max_body_bytes or without Content-Length is streamed and signed as UNSIGNED-PAYLOAD', async () => {
  const gw = await start({ max_body_bytes: 8 });
  await gw.request('/big', { method: 'PUT', body: 'x'.repeat(9) });
  const chunks = ['a', 'b', 'c'];
  const stream = new ReadableStream({ pull: (c) => (chunks.length ? c.enqueue(new TextEncoder().encode(chunks.shift())) : c.close()) });
  await gw.request('/chunked', { method: 'POST', body: stream });
  const [big, chunked] = gw.upstreamRequests;
  expect(big!.body).toBe('x'.repeat(9));
  expect(chunked!.body).toBe('abc');
  for (const r of [big!, chunked!]) {
    expect(r.headers.get('x-content-sha256')).toBe(UNSIGNED_PAYLOAD);
    expect(verify(r)).toBe(true);
  }
});

test('client-sent signature headers never reach the upstream; header names are configurable', async () => {
  const gw = await start({ signature_header: 'X-Hub-Signature', timestamp_header: 'X-Hub-Time', digest_header: 'X-Hub-Digest' });
  await gw.request('/', { headers: { 'x-signature': 'forged', 'x-hub-signature': 'forged' } });
  const [received] = gw.upstreamRequests;
  expect(received!.headers.get('x-signature')).toBe('forged'); // not ours to remove: the upstream now reads X-Hub-Signature
  expect(received!.headers.get('x-hub-signature')).not.toBe('forged');
  expect(received!.headers.get('x-hub-signature')).toMatch(/^[0-9a-f]{64}$/);
  expect(received!.headers.get('x-hub-time')).toMatch(/^\d+$/);
});

test('the secret must be set and long enough', async () => {
  await expect(createTestGateway({ plugin, options: { secret: '${HMAC_MISSING}' } })).rejects.toThrow(/HMAC_MISSING is not set/);
  await expect(start({ secret: 'short' })).rejects.toThrow(/at least 32 characters/);
  await expect(createTestGateway({ plugin })).rejects.toThrow(/secret/);
});
