/**
 * The example plugins under the compiled binary, copied alone into a folder with no
 * node_modules, as a user who downloaded Gatehouse would run them: one route with all three
 * (audit first, signer last), its effects checked over HTTP, in the logs and on /metrics, on a
 * SQLite state so the rate limit's shared store runs as it does for several workers.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringToSign } from '../examples/plugins/hmac-signer.ts';
import { bareFolder, ensureBinary } from './support/binary.ts';
import { startUpstream, type TestUpstream } from './support/gateway.ts';
import { freePort, ROOT, startRun, type Spawned } from './support/process.ts';

setDefaultTimeout(60_000);

const SECRET = 'binary-test-secret-0123456789abcdef';
const example = (name: string) => readFileSync(join(ROOT, 'examples', 'plugins', name), 'utf8');
let upstream: TestUpstream;
let gatehouse: Spawned & { url: string };
let adminPort: number;
let dir: string;
/** Headers and body of each upstream request, in order (Bun's requests do not outlive their handler). */
const received: Headers[] = [];
const bodies: string[] = [];

beforeAll(async () => {
  const binary = await ensureBinary();
  upstream = startUpstream(async (request) => {
    received.push(new Headers(request.headers));
    bodies.push(await request.text());
    return new URL(request.url).pathname === '/forbidden' ? new Response('no', { status: 403 }) : new Response('ok');
  });
  adminPort = freePort();
  dir = bareFolder({
    'audit-denied.ts': example('audit-denied.ts'),
    'rate-limit.ts': example('rate-limit.ts'),
    'hmac-signer.ts': example('hmac-signer.ts'),
    'gatehouse.yaml': `listen: "127.0.0.1:0"
admin: { listen: "127.0.0.1:${adminPort}" }
state: sqlite:state.db
routes:
  - from: http://api.example.test
    to: ${upstream.url}
    policy: { public: true }
    plugins:
      - use: ./audit-denied.ts
      - use: ./rate-limit.ts
        limit: 3
        window: 1h
      - use: ./hmac-signer.ts
        secret: \${HMAC_SECRET}
        max_body_bytes: 1024
`,
  });
  gatehouse = await startRun(join(dir, 'gatehouse.yaml'), { cwd: dir, binary, env: { HMAC_SECRET: SECRET } });
}, 180_000);

afterAll(async () => {
  gatehouse?.kill('SIGKILL');
  await upstream?.stop();
});

const send = (path: string, init: RequestInit = {}) =>
  fetch(gatehouse.url + path, { ...init, headers: { host: 'api.example.test', ...init.headers } });

test('hmac-signer: the upstream can verify what it received', async () => {
  expect((await send('/orders?id=1')).status).toBe(200);
  expect((await send('/orders', { method: 'POST', body: 'tea=1' })).status).toBe(200);
  expect(bodies).toEqual(['', 'tea=1']);
  for (const [i, method, path] of [[0, 'GET', '/orders?id=1'], [1, 'POST', '/orders']] as const) {
    const headers = received[i]!;
    const digest = headers.get('x-content-sha256')!;
    expect(digest).toBe(createHash('sha256').update(bodies[i]!).digest('hex'));
    const signed = stringToSign(headers.get('x-signature-timestamp')!, method, path, digest);
    expect(headers.get('x-signature')).toBe(createHmac('sha256', SECRET).update(signed).digest('hex'));
  }
});

test('audit-denied logs the upstream 403; rate-limit answers the fourth request 429', async () => {
  const forbidden = await send('/forbidden');
  expect(forbidden.status).toBe(403);
  const limited = await send('/orders');
  expect(limited.status).toBe(429);
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(3500);
  expect(received).toHaveLength(3);
  const state = new Database(join(dir, 'state.db'), { readonly: true });
  try {
    const row = state.query<{ value: string }, []>("SELECT value FROM kv WHERE key = 'plugin:routes[0]:rate-limit:3600000ms:ip:127.0.0.1'").get();
    expect(row?.value).toBe('4');
  } finally {
    state.close();
  }

  const audit = await gatehouse.waitForLog((l) => l.msg === 'request denied' && l.status === 429, 5000, 'the 429 audit line');
  expect(audit).toMatchObject({ plugin: 'audit-denied', route: 'routes[0]', request_id: limited.headers.get('x-request-id'), path: '/orders' });
  const denied = gatehouse.logs().filter((l) => l.msg === 'request denied');
  expect(denied.map((l) => l.status)).toEqual([403, 429]);
  expect(denied[0]!.request_id).toBe(forbidden.headers.get('x-request-id'));

  const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  expect(metrics).toContain('gatehouse_denied_requests_total{route="routes[0]",status="403"} 1');
  expect(metrics).toContain('gatehouse_denied_requests_total{route="routes[0]",status="429"} 1');
});
