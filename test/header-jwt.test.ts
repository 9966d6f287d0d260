/**
 * `header-jwt` over real HTTP against the running gateway: the attack table (all 401, never 500
 * or 200), the happy paths, service tokens, `/.gatehouse/token`, a remote JWKS that rotates its
 * key, and an unreachable JWKS (503 quickly, never a hang).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { CompactEncrypt, exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWK } from 'jose';
import { generateSigningKeyPem, loadKeySet } from '../src/auth/tokens/keys.ts';
import { createOwnTokens, TokenType, type OwnTokens } from '../src/auth/tokens/own-tokens.ts';
import { startGateway, startUpstream, type TestGateway, type TestUpstream } from './support/gateway.ts';

const AUTH = 'http://auth.example.test';
const APP = 'http://app.example.test';
const API = 'http://api.example.test';
const EXT = 'http://ext.example.test';
const CF = 'http://cf.example.test';
const DOWN = 'http://down.example.test';
const NAMED = 'http://named.example.test';
const JWKS_ISS = 'https://jwks-idp.example.test';
const PEM_ISS = 'https://pem-idp.example.test';
const HS_ISS = 'https://hs-idp.example.test';
const HS_SECRET = 'a-shared-secret-of-at-least-32-characters!';
const CI_SECRET = 'ci-secret-0123456789abcdefghijklmnop';

let gw: TestGateway;
let upstream: TestUpstream;
let own: OwnTokens;
let rsa: { privateKey: CryptoKey; publicKey: CryptoKey };
let rsaKid = 'k1';
let pem: { publicKey: KeyObject; privateKey: KeyObject };
let pemText: string;
let jwksServer: ReturnType<typeof Bun.serve>;
const jwksFetches: Record<string, number> = {};
let jwksKeys: JWK[] = [];

const enc = new TextEncoder();
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  upstream = startUpstream();
  rsa = await generateKeyPair('RS256', { extractable: true });
  jwksKeys = [{ ...(await exportJWK(rsa.publicKey)), kid: rsaKid, alg: 'RS256', use: 'sig' }];
  jwksServer = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(req) {
      const path = new URL(req.url).pathname;
      jwksFetches[path] = (jwksFetches[path] ?? 0) + 1;
      return Response.json({ keys: jwksKeys });
    },
  });
  pem = generateKeyPairSync('rsa', { modulusLength: 2048 });
  pemText = pem.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const keyPem = generateSigningKeyPem();
  own = createOwnTokens(await loadKeySet(keyPem), AUTH);
  const hash = await Bun.password.hash('pw', { algorithm: 'argon2id' });
  const jwks = `http://127.0.0.1:${jwksServer.port}`;
  gw = await startGateway(
    `
authenticate:
  url: ${AUTH}
  provider: static
  static: { users: [{ email: alice@example.test, password_hash: "${hash}", groups: [dev] }] }
session: { cookie_secure: false, signing_key_file: key.pem }
service_tokens:
  - { name: ci, client_id: ci-bot, client_secret: "${CI_SECRET}" }
routes:
  - from: ${APP}
    to: ${upstream.url}
    policy: { allow_any_authenticated_user: true }
    plugins: [{ use: trust-cookie }]
  - from: ${API}
    to: ${upstream.url}
    policy: { allow_any_authenticated_user: true, allow: { services: [ci] } }
    plugins: [{ use: header-jwt }]
  - from: ${EXT}
    to: ${upstream.url}
    policy: { allow_any_authenticated_user: true }
    plugins:
      - use: header-jwt
        issuers:
          - { issuer: ${JWKS_ISS}, audience: ext-api, jwks_url: ${jwks}/a/jwks, algorithms: [RS256], clock_skew: 30s, jwks_cooldown: 200ms }
          - { issuer: ${PEM_ISS}, audience: ext-api, public_key_file: pem.pub, algorithms: [RS256] }
          - { issuer: ${HS_ISS}, audience: [ext-api, other], secret: "${HS_SECRET}" }
  - from: ${CF}
    to: ${upstream.url}
    policy: { allow: { services: [ci] } }
    plugins:
      - { use: header-jwt, client_id_header: CF-Access-Client-Id, client_secret_header: CF-Access-Client-Secret }
  - from: ${DOWN}
    to: ${upstream.url}
    policy: { allow_any_authenticated_user: true }
    plugins:
      - use: header-jwt
        issuers:
          - { issuer: ${JWKS_ISS}, audience: ext-api, jwks_url: "http://127.0.0.1:9/jwks", algorithms: [RS256], jwks_timeout: 500ms, jwks_cooldown: 60s }
  - from: http://both.example.test
    to: ${upstream.url}
    policy: { allow_any_authenticated_user: true }
    plugins: [{ use: header-jwt }, { use: trust-cookie }]
  - from: ${NAMED}
    to: ${upstream.url}
    policy: { allow_any_authenticated_user: true, allow: { services: [ci] } }
    plugins:
      - use: header-jwt
        header: Api-Token
        client_id_header: Api-Client-Id
        client_secret_header: Api-Client-Secret
        issuers:
          - { issuer: ${HS_ISS}, audience: ext-api, secret: "${HS_SECRET}" }
  - from: http://rl.example.test
    to: ${upstream.url}
    policy: { allow_any_authenticated_user: true }
    plugins:
      - use: header-jwt
        issuers:
          - { issuer: ${JWKS_ISS}, audience: ext-api, jwks_url: ${jwks}/b/jwks, algorithms: [RS256], jwks_cooldown: 60s }
`,
    { files: { 'key.pem': keyPem, 'pem.pub': pemText } },
  );
});
afterAll(async () => {
  await gw?.stop();
  upstream?.stop();
  jwksServer?.stop(true);
});

const hostOf = (origin: string) => new URL(origin).host;
const call = (origin: string, headers: Record<string, string> = {}, path = '/data') => gw.request(path, { host: hostOf(origin), headers });
const withToken = (origin: string, token: string) => call(origin, { 'X-Gatehouse-Authorization': token });
const session = (claims: Record<string, unknown> = {}, ttl = 3600) =>
  own.sign(TokenType.access, { sub: 'alice@example.test', email: 'alice@example.test', groups: ['dev'], sid: 's1', ...claims }, { audience: 'gatehouse', ttlSeconds: ttl });
const rs = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
  new SignJWT({ iss: JWKS_ISS, aud: 'ext-api', sub: 'u1', email: 'u1@idp.test', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: rsaKid, ...header })
    .setIssuedAt()
    .setExpirationTime(typeof claims.exp === 'number' ? (claims.exp as number) : '5m')
    .sign(rsa.privateKey);

async function expect401(response: Response) {
  const body = await response.text();
  if (process.env.SHOW_DETAIL) console.log(response.status, body);
  expect({ status: response.status, body }).toMatchObject({ status: 401 });
  const json = JSON.parse(body) as { error: string; request_id: string };
  expect(['invalid_token', 'invalid_client']).toContain(json.error);
  expect(response.headers.get('www-authenticate')).toStartWith('Bearer realm=');
}

describe('happy paths', () => {
  test('the trust cookie value in the header, and as a bearer token', async () => {
    const token = await session();
    for (const r of [await withToken(API, token), await call(API, { Authorization: `Bearer ${token}` })]) {
      expect(r.status).toBe(200);
      const seen = (await r.json()) as { headers: Record<string, string> };
      expect(seen.headers['x-gatehouse-authorization']).toBeUndefined();
      expect(seen.headers.authorization).toBeUndefined();
    }
  });

  test('no token hands on: the engine answers 401 unauthenticated, not invalid_token', async () => {
    const r = await call(API);
    expect(r.status).toBe(401);
    expect(((await r.json()) as { error: string }).error).toBe('unauthenticated');
  });

  test('external issuers: remote JWKS, PEM public key, shared secret', async () => {
    const viaJwks = await withToken(EXT, await rs({ groups: ['x'] }));
    expect(viaJwks.status).toBe(200);
    const viaPem = await new SignJWT({ iss: PEM_ISS, aud: 'ext-api', sub: 'p' }).setProtectedHeader({ alg: 'RS256' }).setExpirationTime('5m').sign(pem.privateKey);
    expect((await withToken(EXT, viaPem)).status).toBe(200);
    const viaHs = await new SignJWT({ iss: HS_ISS, aud: 'other', sub: 'h' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(enc.encode(HS_SECRET));
    expect((await call(EXT, { Authorization: `Bearer ${viaHs}` })).status).toBe(200);
  });

  test('service tokens with the default headers and with CF-Access-* headers; identity service:ci', async () => {
    const r = await call(API, { 'X-Gatehouse-Client-Id': 'ci-bot', 'X-Gatehouse-Client-Secret': CI_SECRET });
    expect(r.status).toBe(200);
    const cf = await call(CF, { 'CF-Access-Client-Id': 'ci-bot', 'CF-Access-Client-Secret': CI_SECRET });
    expect(cf.status).toBe(200);
    const seen = (await cf.json()) as { headers: Record<string, string> };
    expect(seen.headers['cf-access-client-secret']).toBeUndefined();
    expect(seen.headers['cf-access-client-id']).toBeUndefined();
    // A user token on a services-only route: authenticated, but the policy says no.
    expect((await withToken(CF, await session())).status).toBe(403);
    expect(gw.accessLogs.json().some((l) => l.identity === 'service:ci')).toBe(true);
  });

  test('credential headers of any name never reach the upstream, on the first request and on a remembered token', async () => {
    const hs = await new SignJWT({ iss: HS_ISS, aud: 'ext-api', sub: 'h' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(enc.encode(HS_SECRET));
    const sent: Record<string, string>[] = [
      { 'Api-Token': hs },
      { 'Api-Token': `Bearer ${hs}` },
      { Authorization: `Bearer ${hs}` },
      { Authorization: `bearer  ${hs}` },
      { 'Api-Client-Id': 'ci-bot', 'Api-Client-Secret': CI_SECRET },
      { 'Api-Token': hs, 'Api-Client-Id': 'ci-bot', 'Api-Client-Secret': CI_SECRET, Authorization: 'Basic dXNlcjpwdw==' },
    ];
    for (const headers of [...sent, ...sent]) {
      const r = await call(NAMED, headers);
      expect(r.status).toBe(200);
      const seen = ((await r.json()) as { headers: Record<string, string> }).headers;
      for (const name of ['api-token', 'api-client-id', 'api-client-secret', 'authorization']) expect({ name, value: seen[name] }).toEqual({ name, value: undefined });
    }
  });

  test('a cached token that differs in one byte is not accepted', async () => {
    const token = await session();
    expect((await withToken(API, token)).status).toBe(200);
    expect((await withToken(API, token)).status).toBe(200);
    const [h, p, s] = token.split('.') as [string, string, string];
    const i = Math.floor(s.length / 2);
    const flippedSig = `${h}.${p}.${s.slice(0, i)}${s[i] === 'A' ? 'B' : 'A'}${s.slice(i + 1)}`;
    await expect401(await withToken(API, flippedSig));
    const j = Math.floor(p.length / 2);
    const flippedPayload = `${h}.${p.slice(0, j)}${p[j] === 'A' ? 'B' : 'A'}${p.slice(j + 1)}.${s}`;
    await expect401(await withToken(API, flippedPayload));
    await expect401(await withToken(API, token + 'A'));
    expect((await withToken(API, token)).status).toBe(200);
  });
});

describe('attack table: every one is 401 (never 200, never 500)', () => {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const cases: [string, string, () => Promise<string>][] = [
    ['alg none (own token)', API, async () => new UnsecuredJWT({ sub: 'alice@example.test', iss: AUTH, aud: 'gatehouse' }).setIssuedAt().setExpirationTime('5m').encode()],
    ['alg none (external issuer)', EXT, async () => new UnsecuredJWT({ sub: 'x', iss: JWKS_ISS, aud: 'ext-api' }).setExpirationTime('5m').encode()],
    [
      'HS256 signed with the RS256 public key',
      EXT,
      () => new SignJWT({ iss: PEM_ISS, aud: 'ext-api', sub: 'x' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(enc.encode(pemText)),
    ],
    [
      'HS256 signed with the ES256 public JWK (own token)',
      API,
      async () => {
        const jwks = (await (await call(API, {}, '/.well-known/gatehouse/jwks.json')).json()) as { keys: JWK[] };
        return new SignJWT({ sub: 'alice@example.test', iss: AUTH, aud: 'gatehouse' })
          .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: jwks.keys[0]!.kid })
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(enc.encode(JSON.stringify(jwks.keys[0])));
      },
    ],
    ['expired (own)', API, () => own.sign(TokenType.access, { sub: 'alice@example.test' }, { audience: 'gatehouse', expiresAt: now() - 60 })],
    ['expired beyond skew (external)', EXT, () => rs({ exp: now() - 120 })],
    ['nbf in the future beyond skew', EXT, () => rs({ nbf: now() + 600 })],
    ['nbf in the future (own)', API, () => own.sign(TokenType.access, { sub: 'alice@example.test', nbf: now() + 600 }, { audience: 'gatehouse', ttlSeconds: 900 })],
    ['wrong aud (external)', EXT, () => rs({ aud: 'someone-else' })],
    ['wrong aud (own)', API, () => own.sign(TokenType.access, { sub: 'alice@example.test' }, { audience: 'https://elsewhere.example.test', ttlSeconds: 60 })],
    ['wrong iss', EXT, () => rs({ iss: 'https://evil.example.test' })],
    ['unknown kid', EXT, () => rs({}, { kid: 'nope' })],
    [
      'payload changed after signing',
      EXT,
      async () => {
        const [h, , s] = (await rs({})).split('.');
        return `${h}.${b64({ iss: JWKS_ISS, aud: 'ext-api', sub: 'admin', exp: now() + 300 })}.${s}`;
      },
    ],
    [
      'payload changed after signing (own)',
      API,
      async () => {
        const [h, , s] = (await session()).split('.');
        return `${h}.${b64({ iss: AUTH, aud: 'gatehouse', sub: 'mallory@example.test', iat: now(), exp: now() + 300 })}.${s}`;
      },
    ],
    ['signature stripped (empty)', API, async () => (await session()).split('.').slice(0, 2).join('.') + '.'],
    ['signature stripped (two parts)', API, async () => (await session()).split('.').slice(0, 2).join('.')],
    ['non-base64url characters', API, async () => (await session()).replace('.', '.*')],
    ['four segments', API, async () => `${await session()}.AAAA`],
    [
      'a JWE where a JWS is expected',
      EXT,
      async () => {
        const { publicKey } = await generateKeyPair('RSA-OAEP-256');
        return new CompactEncrypt(enc.encode(JSON.stringify({ iss: JWKS_ISS, aud: 'ext-api', sub: 'x' }))).setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM' }).encrypt(publicKey);
      },
    ],
    [
      'unknown crit header',
      EXT,
      () =>
        new SignJWT({ iss: JWKS_ISS, aud: 'ext-api', sub: 'x' })
          .setProtectedHeader({ alg: 'RS256', kid: rsaKid, crit: ['x-unknown'], 'x-unknown': true } as never)
          .setExpirationTime('5m')
          .sign(rsa.privateKey, { crit: { 'x-unknown': true } }),
    ],
    ['own token for another route\'s audience', API, () => own.sign(TokenType.access, { sub: 'alice@example.test' }, { audience: EXT, ttlSeconds: 60 })],
    ['own token of another type (upstream assertion)', API, () => own.sign(TokenType.assertion, { sub: 'alice@example.test' }, { audience: 'gatehouse', ttlSeconds: 60 })],
    ['garbage', API, async () => 'not-a-token'],
    ['empty bearer', API, async () => ''],
  ];
  for (const [name, origin, make] of cases) {
    test(name, async () => {
      await expect401(await withToken(origin, await make()));
    });
  }

  test('an invalid header token does not fall back to a valid cookie', async () => {
    const cookie = await session();
    const r = await call(API, { cookie: `_gatehouse=${cookie}`, 'X-Gatehouse-Authorization': 'x.y.z' });
    await expect401(r);
    // On a route with trust-cookie after header-jwt: the cookie alone works, a bad header still wins.
    const both = 'http://both.example.test';
    expect((await call(both, { cookie: `_gatehouse=${cookie}` })).status).toBe(200);
    await expect401(await call(both, { cookie: `_gatehouse=${cookie}`, 'X-Gatehouse-Authorization': 'x.y.z' }));
    await expect401(await call(both, { cookie: `_gatehouse=${cookie}`, Authorization: `Bearer ${cookie}x` }));
    // A non-Bearer Authorization header is not ours: the cookie decides.
    expect((await call(both, { cookie: `_gatehouse=${cookie}`, Authorization: 'Basic dXNlcjpwdw==' })).status).toBe(200);
  });

  test('a 100 KB token: 401 (or 431 from the HTTP server for the oversized header)', async () => {
    const r = await withToken(API, 'a'.repeat(50_000) + '.' + 'b'.repeat(50_000) + '.c');
    expect([401, 431]).toContain(r.status);
    const r2 = await withToken(API, 'a'.repeat(9000) + '.b.c');
    await expect401(r2);
  });

  test('a wrong client secret sharing a prefix with the right one; one header alone; unknown id', async () => {
    await expect401(await call(API, { 'X-Gatehouse-Client-Id': 'ci-bot', 'X-Gatehouse-Client-Secret': CI_SECRET.slice(0, -1) }));
    await expect401(await call(API, { 'X-Gatehouse-Client-Id': 'ci-bot', 'X-Gatehouse-Client-Secret': CI_SECRET + 'x' }));
    await expect401(await call(API, { 'X-Gatehouse-Client-Id': 'ci-bot' }));
    await expect401(await call(API, { 'X-Gatehouse-Client-Id': 'nobody', 'X-Gatehouse-Client-Secret': CI_SECRET }));
    await expect401(await call(CF, { 'CF-Access-Client-Id': 'ci-bot', 'CF-Access-Client-Secret': 'ci-secret-0123456789abcdefghijklmnoX' }));
  });

  test('nothing in the table produced a 500 in the log', () => {
    expect(gw.accessLogs.json().some((l) => Number(l.status) >= 500)).toBe(false);
  });
});

describe('/.gatehouse/token', () => {
  const tokenFor = (audience: string, headers: Record<string, string> = {}, host = APP) =>
    call(host, headers, `/.gatehouse/token?audience=${encodeURIComponent(audience)}`);

  test('same-origin with a trust cookie: a ≤5 minute token that the API route accepts and no other route does', async () => {
    const cookie = `_gatehouse=${await session()}`;
    const r = await tokenFor(API, { cookie, 'Sec-Fetch-Site': 'same-origin', Origin: APP });
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    const body = (await r.json()) as { token: string; expires_at: string };
    const left = (Date.parse(body.expires_at) - Date.now()) / 1000;
    expect(left).toBeGreaterThan(250);
    expect(left).toBeLessThanOrEqual(300);
    expect((await withToken(API, body.token)).status).toBe(200);
    await expect401(await withToken(EXT, body.token));
    // Not usable as a trust cookie either.
    expect((await call(APP, { cookie: `_gatehouse=${body.token}`, accept: 'application/json' })).status).toBe(401);
  });

  test('no cookie: 401; cross-site: 403; audiences that are not header-jwt routes: 400', async () => {
    const cookie = `_gatehouse=${await session()}`;
    expect((await tokenFor(API)).status).toBe(401);
    expect((await tokenFor(API, { cookie, 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    expect((await tokenFor(API, { cookie, 'Sec-Fetch-Site': 'same-site' })).status).toBe(403);
    expect((await tokenFor(API, { cookie, Origin: 'http://evil.example.test' })).status).toBe(403);
    expect((await tokenFor(APP, { cookie })).status).toBe(400);
    expect((await tokenFor('http://nowhere.example.test', { cookie })).status).toBe(400);
    expect((await tokenFor(`${API}/path`, { cookie })).status).toBe(400);
    expect((await tokenFor('not a url', { cookie })).status).toBe(400);
    expect((await call(APP, { cookie }, '/.gatehouse/token')).status).toBe(400);
  });

  test('the token never outlives the session', async () => {
    const cookie = `_gatehouse=${await session({}, 30)}`;
    const body = (await (await tokenFor(API, { cookie })).json()) as { expires_at: string };
    expect(Date.parse(body.expires_at) - Date.now()).toBeLessThanOrEqual(31_000);
  });
});

describe('remote JWKS', () => {
  test('unknown kids cannot make Gatehouse hammer the JWKS (one fetch per cooldown)', async () => {
    const rl = 'http://rl.example.test';
    expect((await withToken(rl, await rs({}))).status).toBe(200);
    const before = jwksFetches['/b/jwks'] ?? 0;
    for (let i = 0; i < 20; i++) await expect401(await withToken(rl, await rs({}, { kid: `bogus-${i}` })));
    expect(jwksFetches['/b/jwks']).toBeLessThanOrEqual(before + 1);
  });

  test('the key rotates and Gatehouse follows (refetch on unknown kid)', async () => {
    expect((await withToken(EXT, await rs({}))).status).toBe(200);
    const before = jwksFetches['/a/jwks'] ?? 0;
    rsa = await generateKeyPair('RS256', { extractable: true });
    rsaKid = 'k2';
    jwksKeys = [{ ...(await exportJWK(rsa.publicKey)), kid: rsaKid, alg: 'RS256', use: 'sig' }];
    await Bun.sleep(250); // past jwks_cooldown
    expect((await withToken(EXT, await rs({ sub: 'rotated' }))).status).toBe(200);
    expect(jwksFetches['/a/jwks']).toBe(before + 1);
    // The old key is gone from the set: its tokens (not cached) are refused.
  });

  test('an unreachable JWKS answers 503 issuer_unavailable quickly, never hangs', async () => {
    const started = Date.now();
    const results = await Promise.all([1, 2, 3].map(async () => withToken(DOWN, await rs({}))));
    for (const r of results) {
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('5');
      expect(((await r.json()) as { error: string }).error).toBe('issuer_unavailable');
    }
    expect(Date.now() - started).toBeLessThan(2000);
    // A malformed token is still a plain 401 there.
    await expect401(await withToken(DOWN, 'x.y'));
  });
});

describe('load-time checks', () => {
  test('contradictory issuer options stop the config from loading, naming the route', async () => {
    const bad = startGateway(`
routes:
  - from: http://x.example.test
    to: http://127.0.0.1:1
    policy: { allow_any_authenticated_user: true }
    plugins:
      - use: header-jwt
        issuers: [{ issuer: https://idp.example.test, audience: api, secret: "${HS_SECRET}", algorithms: [RS256] }]
`);
    const error = (await bad.catch((e) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain('plugin "header-jwt": issuer https://idp.example.test: a secret only works with HS256');
  });
});
