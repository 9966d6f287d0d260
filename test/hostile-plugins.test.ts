/**
 * The built-in auth and CORS plugins against hostile clients, over real HTTP, asserting what the
 * upstream received: credentials the plugins consume never reach it, a forged preflight is not
 * exempted, unverified emails and future-dated tokens are refused, thirty forged session cookies
 * cost at most two verifications, and the identity assertion names who vouched.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { decodeJwt, SignJWT } from 'jose';
import { generateSigningKeyPem, loadKeySet } from '../src/auth/tokens/keys.ts';
import { createOwnTokens, TokenType, verifyCount, type OwnTokens } from '../src/auth/tokens/own-tokens.ts';
import { startGateway, startUpstream, type TestGateway, type TestUpstream } from './support/gateway.ts';

const AUTH = 'http://auth.example.test';
const APP = 'https://app.example.test';
const EXT_ISS = 'https://idp.example.test';
const EXT_SECRET = 'an-external-shared-secret-of-32-chars!';
const API_KEY = 'api-key-0123456789abcdefghijklmnop';

let gw: TestGateway;
let upstream: TestUpstream;
let own: OwnTokens;

beforeAll(async () => {
  upstream = startUpstream();
  const keyPem = generateSigningKeyPem();
  own = createOwnTokens(await loadKeySet(keyPem), AUTH);
  const hash = await Bun.password.hash('pw', { algorithm: 'argon2id' });
  gw = await startGateway(
    `
authenticate:
  url: ${AUTH}
  provider: static
  static: { users: [{ email: alice@example.test, password_hash: "${hash}" }] }
session: { cookie_secure: false, signing_key_file: key.pem }
routes:
  - from: http://app.example.test
    to: ${upstream.url}
    policy: { allow_any_authenticated_user: true }
    pass_identity_headers: true
    plugins: [{ use: trust-cookie }]
  - from: http://custom.example.test
    to: ${upstream.url}
    policy: { allow_any_authenticated_user: true }
    plugins: [{ use: trust-cookie, cookie_name: app_session }]
  - from: http://exempt.example.test
    to: ${upstream.url}
    policy: { allow_any_authenticated_user: true }
    plugins:
      - use: origin-exemption
        rules:
          - { name: preflights, origins: [${APP}], methods: [OPTIONS] }
          - { name: keyed, origins: [${APP}], methods: [GET], paths: [/keyed/**], require_headers: [{ name: X-Api-Key, value: "${API_KEY}" }] }
      - use: header-jwt
      - use: trust-cookie
  - from: http://ext.example.test
    to: ${upstream.url}
    policy: { allow: { emails: [u1@idp.example.test] } }
    pass_identity_headers: true
    plugins:
      - use: header-jwt
        issuers: [{ issuer: ${EXT_ISS}, audience: api, secret: "${EXT_SECRET}", clock_skew: 30s }]
`,
    { files: { 'key.pem': keyPem } },
  );
});
afterAll(async () => {
  await gw?.stop();
  await upstream?.stop();
});

type Seen = { method: string; path: string; headers: Record<string, string>; body: string | null };
const call = (host: string, init: RequestInit = {}, path = '/data') => gw.request(path, { ...init, host });
const session = () => own.sign(TokenType.access, { sub: 'alice@example.test', email: 'alice@example.test', groups: [], sid: 's1' }, { audience: 'gatehouse', ttlSeconds: 600 });
const external = (claims: Record<string, unknown>) => {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: EXT_ISS, aud: 'api', sub: 'u1', email: 'u1@idp.example.test', iat: now, exp: now + 300, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(EXT_SECRET));
};
/** Thirty well-shaped session cookies with broken signatures, each worth a signature check. */
async function forgedCookies(name: string): Promise<string> {
  const [h, p, s] = (await session()).split('.') as [string, string, string];
  return Array.from({ length: 30 }, (_, i) => `${name}=${h}.${p}.${s.slice(0, -2)}${String(i).padStart(2, '0')}`).join('; ');
}

describe('trust-cookie', () => {
  test('a custom cookie_name is not forwarded upstream (other cookies are)', async () => {
    const r = await call('custom.example.test', { headers: { cookie: `app_session=${await session()}; theme=dark` } });
    expect(r.status).toBe(200);
    const seen = (await r.json()) as Seen;
    expect(seen.headers.cookie ?? '').not.toContain('app_session');
    expect(seen.headers.cookie).toContain('theme=dark');
  });

  test('30 forged session cookies on a route cost at most two verifications', async () => {
    const cookie = await forgedCookies('_gatehouse');
    const before = verifyCount.value;
    const r = await call('app.example.test', { headers: { cookie, accept: 'application/json' } });
    expect(r.status).toBe(401);
    expect(verifyCount.value - before).toBeGreaterThan(0);
    expect(verifyCount.value - before).toBeLessThanOrEqual(2);
  });

  test('30 forged session cookies on a Gatehouse endpoint cost at most two verifications', async () => {
    const cookie = await forgedCookies('_gatehouse');
    const before = verifyCount.value;
    const r = await call('app.example.test', { headers: { cookie } }, '/.gatehouse/user');
    expect(r.status).toBe(401);
    expect(verifyCount.value - before).toBeGreaterThan(0);
    expect(verifyCount.value - before).toBeLessThanOrEqual(2);
  });

  test('a stale host cookie before a valid domain cookie still signs the user in', async () => {
    const [stale] = (await forgedCookies('_gatehouse')).split('; ');
    const r = await call('app.example.test', { headers: { cookie: `${stale}; _gatehouse=${await session()}` } });
    expect(r.status).toBe(200);
  });

  test('the assertion says the trust cookie vouched, with no external issuer', async () => {
    const r = await call('app.example.test', { headers: { cookie: `_gatehouse=${await session()}` } });
    const claims = decodeJwt(((await r.json()) as Seen).headers['x-gatehouse-jwt-assertion']!);
    expect(claims).toMatchObject({ sub: 'alice@example.test', via: 'trust-cookie', iss: AUTH });
    expect(claims).not.toHaveProperty('iss_ext');
  });
});

describe('origin-exemption', () => {
  test('a forged OPTIONS (no Access-Control-Request-Method, JSON body, X-HTTP-Method-Override) is not exempted: 401', async () => {
    const before = upstream.received.length;
    const r = await call('exempt.example.test', {
      method: 'OPTIONS',
      headers: { origin: APP, 'content-type': 'application/json', 'x-http-method-override': 'DELETE', accept: 'application/json' },
      body: '{"id":1}',
    });
    expect(r.status).toBe(401);
    expect(upstream.received.length).toBe(before);
  });

  test('a real preflight is exempted and reaches the upstream', async () => {
    const r = await call('exempt.example.test', { method: 'OPTIONS', headers: { origin: APP, 'access-control-request-method': 'DELETE' } });
    expect(r.status).toBe(200);
    expect(((await r.json()) as Seen).method).toBe('OPTIONS');
  });

  test('neither the matched secret header nor a bearer token reaches the upstream of an exempted request', async () => {
    const r = await call('exempt.example.test', { headers: { origin: APP, 'x-api-key': API_KEY, authorization: `Bearer ${await session()}` } }, '/keyed/x');
    expect(r.status).toBe(200);
    const seen = (await r.json()) as Seen;
    expect(seen.headers['x-api-key']).toBeUndefined();
    expect(seen.headers.authorization).toBeUndefined();
  });
});

describe('header-jwt with an external issuer', () => {
  test('a verified email passes allow.emails; email_verified: false is refused with 403', async () => {
    expect((await call('ext.example.test', { headers: { 'x-gatehouse-authorization': await external({ email_verified: true }) } })).status).toBe(200);
    const r = await call('ext.example.test', { headers: { 'x-gatehouse-authorization': await external({ email_verified: false }) } });
    expect(r.status).toBe(403);
    expect(((await r.json()) as { error: string }).error).toBe('forbidden');
  });

  test('iat beyond the clock skew in the future: 401 invalid_token with a reason', async () => {
    const r = await call('ext.example.test', { headers: { 'x-gatehouse-authorization': await external({ iat: Math.floor(Date.now() / 1000) + 600 }) } });
    expect(r.status).toBe(401);
    const body = (await r.json()) as { error: string; detail: string };
    expect(body.error).toBe('invalid_token');
    expect(body.detail).toContain('iat');
    expect(r.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  test('the assertion names header-jwt and the external issuer', async () => {
    const r = await call('ext.example.test', { headers: { authorization: `Bearer ${await external({})}` } });
    expect(r.status).toBe(200);
    const seen = (await r.json()) as Seen;
    expect(seen.headers.authorization).toBeUndefined();
    expect(decodeJwt(seen.headers['x-gatehouse-jwt-assertion']!)).toMatchObject({ sub: 'u1', via: 'header-jwt', iss_ext: EXT_ISS, iss: AUTH });
  });
});
