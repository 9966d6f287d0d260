import { beforeAll, expect, test } from 'bun:test';
import * as v from 'valibot';
import { configSchema } from '../../config/schema.ts';
import { generateSigningKeyPem } from '../tokens/keys.ts';
import { createAuthRuntime, type AuthRuntime } from '../runtime.ts';
import { memoryLogger } from '../../../test/support/memory-logger.ts';

let runtime: AuthRuntime;
beforeAll(async () => {
  const config = v.parse(configSchema, {
    authenticate: { url: 'https://auth.example.test', provider: 'static', static: { users: [] } },
    session: { signing_key: generateSigningKeyPem() },
    routes: [{ from: 'https://app.example.test', to: 'http://127.0.0.1:1', policy: { allow_any_authenticated_user: true } }],
  });
  runtime = await createAuthRuntime(config, {
    log: memoryLogger(),
    routeOrigins: ['https://app.example.test'],
    endpoints: { '/.gatehouse/token': () => new Response('token endpoint') },
  });
});
const call = (url: string, init?: RequestInit) => runtime.handle(new Request(url, init), { requestId: 'r', clientIp: '127.0.0.1', url: new URL(url) });

test('route traffic is left to the pipeline', async () => {
  expect(await call('https://app.example.test/')).toBeNull();
  expect(await call('https://app.example.test/.gatehouse')).toBeNull();
  expect(await call('https://unknown.example.test/anything')).toBeNull();
});

test('the reserved prefix is answered on every host, never proxied', async () => {
  const res = await call('https://app.example.test/.gatehouse/nope');
  expect(res!.status).toBe(404);
  expect(await res!.json()).toEqual({ error: 'not_found', request_id: 'r' });
  expect((await call('https://app.example.test/.gatehouse/oidc/callback'))!.status).toBe(404);
});

test('everything on the sign-in host is answered', async () => {
  expect((await call('https://auth.example.test/other'))!.status).toBe(404);
  const home = await call('https://auth.example.test/');
  expect(home!.status).toBe(302);
  expect(home!.headers.get('location')).toBe('/.gatehouse/sign_in');
  expect((await call('https://auth.example.test/.gatehouse/sign_in'))!.status).toBe(200);
});

test('methods are checked', async () => {
  const res = await call('https://app.example.test/.gatehouse/user', { method: 'DELETE' });
  expect(res!.status).toBe(405);
  expect(res!.headers.get('allow')).toBe('GET, HEAD');
  expect((await call('https://app.example.test/.gatehouse/sign_in', { method: 'POST' }))!.status).toBe(405);
  expect((await call('https://app.example.test/.well-known/gatehouse/jwks.json', { method: 'POST' }))!.status).toBe(405);
});

test('extra endpoints (issue 4: /.gatehouse/token) plug in', async () => {
  expect(await (await call('https://app.example.test/.gatehouse/token?audience=x'))!.text()).toBe('token endpoint');
});

test('loginUrl goes through the host the browser is on', () => {
  expect(runtime.session.loginUrl('https://app.example.test/a?b=c')).toBe(
    'https://app.example.test/.gatehouse/sign_in?redirect_uri=https%3A%2F%2Fapp.example.test%2Fa%3Fb%3Dc',
  );
});

test('a declared body over 16 KiB gets 413 on Gatehouse endpoints, and is left alone on route traffic', async () => {
  const big = { method: 'POST', headers: { 'content-length': String(16 * 1024 + 1) }, body: 'x'.repeat(16 * 1024 + 1) };
  for (const url of ['https://app.example.test/.gatehouse/user', 'https://auth.example.test/.gatehouse/sign_in', 'https://auth.example.test/']) {
    const res = await call(url, big);
    expect(res!.status).toBe(413);
    expect(await res!.json()).toEqual({ error: 'payload_too_large', message: expect.any(String), request_id: 'r' });
  }
  expect(await call('https://app.example.test/upload', big)).toBeNull();
});

test('sign-out: GET shows a page, only POST acts', async () => {
  const page = await call('https://app.example.test/.gatehouse/sign_out');
  expect(page!.status).toBe(200);
  expect(page!.headers.get('content-type')).toStartWith('text/html');
  expect(page!.headers.getSetCookie().some((c) => c.startsWith('_gatehouse='))).toBe(false);
  expect((await call('https://app.example.test/.gatehouse/sign_out', { method: 'POST' }))!.status).toBe(400);
  expect((await call('https://app.example.test/.gatehouse/sign_out', { method: 'PUT' }))!.status).toBe(405);
});
