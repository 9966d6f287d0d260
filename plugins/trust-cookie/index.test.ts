import { expect, test } from 'bun:test';
import type { Identity } from '../../src/plugin-api/index.ts';
import trustCookie from './index.ts';
import { fakeContext, fakeNext, fakeServices, instantiate } from '../../src/testing/plugin-fakes.ts';

const alice: Identity = { subject: 'alice', kind: 'user', groups: [], claims: {}, via: 'gatehouse' };

/** Services whose `verifyOwn` accepts only `good` and records every token it was asked about. */
function services(good = 'good.token.sig') {
  const s = fakeServices();
  const verified: string[] = [];
  s.jwt.verifyOwn = async (token) => (verified.push(token), token === good ? alice : null);
  s.session.loginUrl = (returnTo) => `https://auth.example.test/.gatehouse/sign-in?redirect_uri=${encodeURIComponent(returnTo)}`;
  return Object.assign(s, { verified });
}

test('the session cookie, whatever its name, is stripped from every upstream request', async () => {
  const custom = services();
  await instantiate(trustCookie, { cookie_name: 'app_session' }, custom);
  expect(custom.stripped).toEqual({ cookies: ['app_session'], headers: [] });
  const plain = services();
  await instantiate(trustCookie, {}, plain);
  expect(plain.stripped.cookies).toEqual(['_gatehouse']);
});

test('30 forged cookies cost at most two verifications', async () => {
  const s = services();
  const { handle } = await instantiate(trustCookie, {}, s);
  const cookie = Array.from({ length: 30 }, (_, i) => `_gatehouse=forged.${i}.sig`).join('; ');
  const ctx = fakeContext({ headers: { cookie, accept: 'application/json' } });
  const next = fakeNext();
  expect((await handle(ctx, next)).status).toBe(401);
  expect(next.calls).toBe(0);
  expect(s.verified).toEqual(['forged.0.sig', 'forged.1.sig']);
});

test('a stale host cookie before a valid domain cookie: the second one signs the user in', async () => {
  const s = services();
  const { handle } = await instantiate(trustCookie, {}, s);
  const ctx = fakeContext({ headers: { cookie: '_gatehouse=stale.token.sig; _gatehouse=good.token.sig' } });
  const next = fakeNext();
  expect((await handle(ctx, next)).status).toBe(200);
  expect(ctx.identity).toMatchObject({ subject: 'alice', via: 'trust-cookie' });
  expect(s.verified).toEqual(['stale.token.sig', 'good.token.sig']);
});

test('a valid third copy is not looked at', async () => {
  const s = services();
  const { handle } = await instantiate(trustCookie, {}, s);
  const ctx = fakeContext({ headers: { cookie: '_gatehouse=a.b.c; _gatehouse=d.e.f; _gatehouse=good.token.sig', accept: 'application/json' } });
  expect((await handle(ctx, fakeNext())).status).toBe(401);
  expect(s.verified).toHaveLength(2);
});
