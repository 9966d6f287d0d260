import { beforeAll, expect, test } from 'bun:test';
import { createJwtServices } from '../tokens/jwt-services.ts';
import type { CachedVerification } from '../tokens/token-cache.ts';
import { generateSigningKeyPem, loadKeySet, type KeySet } from '../tokens/keys.ts';
import { createSessions, MAX_SESSION_COOKIES, type SessionSettings } from './sessions.ts';
import { memoryLogger } from '../../../test/support/memory-logger.ts';
import { TokenCache } from '../tokens/token-cache.ts';
import { createOwnTokens } from '../tokens/own-tokens.ts';

let keys: KeySet;
beforeAll(async () => {
  keys = await loadKeySet(generateSigningKeyPem());
});
const base: SessionSettings = { cookie_name: '_gatehouse', cookie_secure: true, cookie_http_only: true, cookie_same_site: 'lax', ttl: 14 * 3600_000 };
const make = (settings: Partial<SessionSettings> = {}, policyGroups?: Set<string>) => {
  const tokens = createOwnTokens(keys, 'https://auth.example.test');
  const log = memoryLogger();
  const jwt = createJwtServices(tokens, new TokenCache<CachedVerification>());
  return { sessions: createSessions({ ...base, ...settings }, tokens, jwt, { log, policyGroups }), log, jwt };
};

test('a session token carries iss, aud, sub, email, name, groups, iat, exp, sid, sat; exp = now + ttl', async () => {
  const { sessions, jwt } = make();
  const { token, session } = await sessions.issue({ sub: 'u', email: 'u@example.test', name: 'U', groups: ['dev'] });
  const identity = await jwt.verifyOwn(token);
  expect(identity!.claims).toEqual({
    iss: 'https://auth.example.test',
    aud: 'gatehouse',
    sub: 'u',
    email: 'u@example.test',
    name: 'U',
    groups: ['dev'],
    iat: expect.any(Number),
    exp: session.exp,
    sid: session.sid,
    sat: session.sat,
  });
  expect(session.exp - Number(identity!.claims.iat)).toBe(14 * 3600);
  expect(session.sat).toBe(Number(identity!.claims.iat));
});

test('a token re-issued for a session (a hand-off) keeps when the session began', async () => {
  const { sessions, jwt } = make();
  const carried = await sessions.issue({ sub: 'u', groups: [] }, { sid: 'sid-1', exp: Math.floor(Date.now() / 1000) + 60, sat: 1234 });
  expect((await jwt.verifyOwn(carried.token))!.claims.sat).toBe(1234);
  expect(carried.session.sat).toBe(1234);
});

test('cookie attributes come from the session config', async () => {
  const { sessions } = make({ cookie_same_site: 'strict', cookie_domain: '.example.test' });
  const exp = Math.floor(Date.now() / 1000) + 100;
  expect(sessions.setCookie('t', exp, 'app.example.test')).toMatch(/^_gatehouse=t; Path=\/; Domain=example\.test; Max-Age=(99|100); Secure; HttpOnly; SameSite=Strict$/);
  expect(sessions.setCookie('t', exp, 'other.test')).not.toContain('Domain=');
  const { sessions: plain } = make({ cookie_secure: false, cookie_http_only: false });
  expect(plain.setCookie('t', exp, 'app.example.test')).toMatch(/^_gatehouse=t; Path=\/; Max-Age=\d+; SameSite=Lax$/);
});

test('cookie_domain covers the domain and its subdomains only', () => {
  const { sessions } = make({ cookie_domain: '.example.test' });
  expect(sessions.covers('example.test')).toBe(true);
  expect(sessions.covers('a.b.example.test')).toBe(true);
  expect(sessions.covers('evilexample.test')).toBe(false);
  expect(make().sessions.covers('example.test')).toBe(false);
});

test('clearing removes both the host-only and the domain cookie', () => {
  const { sessions } = make({ cookie_domain: 'example.test' });
  const cleared = sessions.clearCookies('app.example.test');
  expect(cleared).toHaveLength(2);
  expect(cleared.every((c) => c.includes('Max-Age=0'))).toBe(true);
  expect(cleared[1]).toContain('Domain=example.test');
});

test('read tries every cookie value sent', async () => {
  const { sessions } = make();
  const { token } = await sessions.issue({ sub: 'u', groups: [] });
  const req = new Request('https://app.example.test/', { headers: { cookie: `_gatehouse=stale.bad.token; _gatehouse=${token}` } });
  expect((await sessions.read(req))?.subject).toBe('u');
  expect(await sessions.read(new Request('https://app.example.test/'))).toBeNull();
});

test('read verifies at most MAX_SESSION_COOKIES values, however many copies are sent', async () => {
  const { sessions, jwt } = make();
  const { token } = await sessions.issue({ sub: 'u', groups: [] });
  const asked: string[] = [];
  const verifyOwn = jwt.verifyOwn;
  jwt.verifyOwn = (t, o) => (asked.push(t), verifyOwn(t, o));
  const forged = Array.from({ length: 30 }, (_, i) => `_gatehouse=${token.slice(0, -4)}AA${String(i).padStart(2, '0')}`).join('; ');
  expect(await sessions.read(new Request('https://app.example.test/', { headers: { cookie: `${forged}; _gatehouse=${token}` } }))).toBeNull();
  expect(MAX_SESSION_COOKIES).toBe(2);
  expect(asked).toHaveLength(2);
});

test('a session that would not fit in a cookie keeps only the groups policies name', async () => {
  const many = Array.from({ length: 300 }, (_, i) => `directory-group-number-${i}`);
  const { sessions, log } = make({}, new Set(['directory-group-number-7']));
  const { token, session } = await sessions.issue({ sub: 'u', groups: many });
  expect(token.length).toBeLessThan(3800);
  expect(session.groups).toEqual(['directory-group-number-7']);
  expect(log.lines.some((l) => l.level === 'warn')).toBe(true);
});
