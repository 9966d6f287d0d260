import { afterEach, beforeEach, expect, test } from 'bun:test';
import { createSessionRegistry, type SessionRegistry } from '../auth/session/session-registry.ts';
import { silentLogger } from '../log/logger.ts';
import { createMemoryStore } from '../state/memory-store.ts';
import { StateUnavailableError, type StateStore } from '../state/store.ts';
import { adminSessionsHandler, revokeTarget } from './admin-sessions.ts';

const TOKEN = 'admin-token-0123456789';
const HOUR = 3_600_000;
let store: StateStore;
let registry: SessionRegistry;
beforeEach(async () => {
  store = createMemoryStore();
  registry = createSessionRegistry({ store, log: silentLogger, ttlMs: 14 * HOUR });
  const exp = Math.floor(Date.now() / 1000) + 3600;
  await registry.open({ sid: 'a1', sub: 'alice@example.test', email: 'alice@example.test', name: 'Alice', method: 'static', exp });
  await registry.open({ sid: 'a2', sub: 'alice@example.test', email: 'alice@example.test', method: 'static', exp });
  await registry.open({ sid: 'b1', sub: 'bob-sub', email: 'Bob@Example.test', method: 'oidc', exp });
});
afterEach(async () => {
  registry.close();
  await store.close();
});

const handler = (token: string | undefined = TOKEN, reg: () => SessionRegistry | undefined = () => registry) => adminSessionsHandler({ token, registry: reg });
const auth = { authorization: `Bearer ${TOKEN}` };
const get = (path: string, headers: Record<string, string> = auth) => handler()(new Request(`http://admin${path}`, { headers }));
const post = (body: unknown, headers: Record<string, string> = { ...auth, 'content-type': 'application/json' }) =>
  handler()(new Request('http://admin/sessions/revoke', { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) }));
const sids = async (response: Response | null) => ((await response!.json()) as { sessions: { sid: string }[] }).sessions.map((s) => s.sid).sort();

test('other paths are not its business', async () => {
  for (const path of ['/healthz', '/metrics', '/sessions/', '/sessionsx', '/sessions/revoke/x']) expect(await get(path)).toBeNull();
});

test('without a configured token the endpoints do not exist', async () => {
  for (const token of [undefined, '']) {
    const response = await adminSessionsHandler({ token, registry: () => registry })(new Request('http://admin/sessions', { headers: auth }));
    expect(response!.status).toBe(404);
  }
});

test('no token, a wrong token or another scheme: 401 with WWW-Authenticate: Bearer, nothing revoked', async () => {
  const cases: Record<string, string>[] = [{}, { authorization: `Bearer ${TOKEN}x` }, { authorization: `Basic ${btoa(`admin:${TOKEN}`)}` }, { authorization: TOKEN }, { authorization: 'Bearer ' }];
  for (const headers of cases) {
    for (const response of [await get('/sessions', headers), await post({ all: true }, { ...headers, 'content-type': 'application/json' })]) {
      expect(response!.status).toBe(401);
      expect(response!.headers.get('www-authenticate')).toStartWith('Bearer');
      expect(await response!.json()).toMatchObject({ error: 'unauthorized' });
    }
  }
  expect(await registry.list()).toHaveLength(3);
});

test('GET /sessions lists every session newest first, or one user by email (any case) or subject', async () => {
  const response = await get('/sessions');
  expect(response!.status).toBe(200);
  expect(response!.headers.get('cache-control')).toBe('no-store');
  const body = (await response!.json()) as { sessions: Record<string, unknown>[] };
  expect(body.sessions.map((s) => s.sid).sort()).toEqual(['a1', 'a2', 'b1']);
  expect(body.sessions.find((s) => s.sid === 'a1')).toEqual({
    sid: 'a1',
    sub: 'alice@example.test',
    email: 'alice@example.test',
    name: 'Alice',
    method: 'static',
    created: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    last_seen: expect.stringMatching(/Z$/),
    expires: expect.stringMatching(/Z$/),
  });
  expect(await sids(await get('/sessions?user=alice@example.test'))).toEqual(['a1', 'a2']);
  expect(await sids(await get('/sessions?user=bob@example.TEST'))).toEqual(['b1']);
  expect(await sids(await get('/sessions?user=bob-sub'))).toEqual(['b1']);
  expect(await sids(await get('/sessions?user=carol@example.test'))).toEqual([]);
  expect(await sids(await get('/sessions?limit=1'))).toHaveLength(1);
  for (const limit of ['0', '-1', 'x', '1.5', '10001']) expect((await get(`/sessions?limit=${limit}`))!.status).toBe(400);
});

test('POST /sessions/revoke: one session, a user, everything; each answers the live sessions it ended', async () => {
  const revoked = async (body: unknown) => {
    const response = await post(body);
    expect(response!.status).toBe(200);
    return ((await response!.json()) as { revoked: number }).revoked;
  };
  expect(await revoked({ session: 'a1' })).toBe(1);
  expect(await registry.check({ sid: 'a1', sub: 'alice@example.test', began: Math.floor(Date.now() / 1000) })).toBe('revoked');
  expect(await revoked({ session: 'a1' })).toBe(0);
  expect(await revoked({ session: 'never-was' })).toBe(0);
  expect(await revoked({ user: 'bob@example.test' })).toBe(1);
  expect(await registry.check({ sub: 'bob-sub', began: Math.floor(Date.now() / 1000) - 1 })).toBe('revoked');
  expect(await sids(await get('/sessions'))).toEqual(['a2']);
  expect(await revoked({ all: true })).toBe(1);
  expect(await registry.check({ sid: 'a2', sub: 'alice@example.test', began: Math.floor(Date.now() / 1000) - 1 })).toBe('revoked');
});

test('revoke refuses anything but exactly one target, non-JSON bodies, large bodies and other methods', async () => {
  for (const body of [{}, { all: false }, { all: 'yes' }, { session: '' }, { user: 3 }, { session: 'a1', user: 'x' }, [], null, 'x', { sessions: 'a1' }]) {
    const response = await post(body);
    expect(response!.status).toBe(400);
  }
  expect((await post('{not json'))!.status).toBe(400);
  expect((await post({ all: true }, { ...auth, 'content-type': 'text/plain' }))!.status).toBe(415);
  expect((await post({ all: true }, auth))!.status).toBe(415);
  expect((await post({ user: 'x'.repeat(5000) }))!.status).toBe(413);
  expect((await get('/sessions/revoke'))!.status).toBe(405);
  expect((await handler()(new Request('http://admin/sessions', { method: 'DELETE', headers: auth })))!.headers.get('allow')).toBe('GET, HEAD');
  expect(await registry.list()).toHaveLength(3);
});

test('no config served yet: 503; the state down: 503 state_unavailable with Retry-After', async () => {
  expect((await handler(TOKEN, () => undefined)(new Request('http://admin/sessions', { headers: auth })))!.status).toBe(503);
  const down = { ...registry, list: () => Promise.reject(new StateUnavailableError('redis', 'down')) };
  const response = await handler(TOKEN, () => down)(new Request('http://admin/sessions', { headers: auth }));
  expect(response!.status).toBe(503);
  expect(response!.headers.get('retry-after')).toBe('5');
  expect(await response!.json()).toMatchObject({ error: 'state_unavailable' });
});

test('revokeTarget reads exactly one target', () => {
  expect(revokeTarget({ session: ' s1 ' })).toEqual({ session: 's1' });
  expect(revokeTarget({ user: 'a@b.test' })).toEqual({ user: 'a@b.test' });
  expect(revokeTarget({ all: true })).toEqual({ all: true });
  expect(typeof revokeTarget({ all: true, user: 'x' })).toBe('string');
});
