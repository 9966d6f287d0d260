import { expect, test } from 'bun:test';
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { externalVerifier, jwksTransportWarning } from './external-verifier.ts';
import { TokenCache, type CachedVerification } from './token-cache.ts';

const base = { issuer: 'https://idp.example.test', audience: 'api', clockSkewSeconds: 30 };
const claims = { iss: base.issuer, aud: 'api', sub: 'x' };

test('HS256 with a secret; tokens are cached', async () => {
  const cache = new TokenCache<CachedVerification>();
  const verify = externalVerifier({ ...base, secret: 'shared-secret-shared-secret-1234', algorithms: ['HS256'] }, cache);
  const token = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode('shared-secret-shared-secret-1234'));
  expect(await verify(token)).toMatchObject({ ok: true, claims: { sub: 'x' } });
  expect(cache.size).toBe(1);
  expect(await verify(new UnsecuredJWT(claims).setExpirationTime('5m').encode())).toMatchObject({ ok: false, retryable: false });
});

test('RS256 with a public key refuses HS256 made with that key', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const verify = externalVerifier({ ...base, public_key_pem: pem, algorithms: ['RS256'] }, new TokenCache());
  const good = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).setExpirationTime('5m').sign(privateKey);
  expect(await verify(good)).toMatchObject({ ok: true, claims: { sub: 'x' } });
  const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode(pem));
  expect(await verify(forged)).toMatchObject({ ok: false, retryable: false });
  expect(await verify(await new SignJWT({ ...claims, aud: 'other' }).setProtectedHeader({ alg: 'RS256' }).setExpirationTime('5m').sign(privateKey))).toMatchObject({ ok: false, reason: expect.stringContaining('aud') });
});

test('contradictory options are refused at build time', () => {
  const cache = new TokenCache<CachedVerification>();
  expect(() => externalVerifier({ ...base, secret: 's', algorithms: ['RS256'] }, cache)).toThrow(/secret only works/);
  expect(() => externalVerifier({ ...base, public_key_pem: 'x', algorithms: ['HS256'] }, cache)).toThrow(/need a secret/);
  expect(() => externalVerifier({ ...base, secret: 's', algorithms: ['none'] }, cache)).toThrow(/never/);
  expect(() => externalVerifier({ ...base, algorithms: ['RS256'] }, cache)).toThrow(/exactly one/);
});

test('iat beyond the clock skew in the future is refused (and not cached); within the skew it passes', async () => {
  const secret = 'shared-secret-shared-secret-1234';
  const cache = new TokenCache<CachedVerification>();
  const verify = externalVerifier({ ...base, secret, algorithms: ['HS256'] }, cache);
  const now = Math.floor(Date.now() / 1000);
  const sign = (iat: number) => new SignJWT({ ...claims, iat }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(now + 3600).sign(new TextEncoder().encode(secret));
  expect(await verify(await sign(now + 600))).toMatchObject({ ok: false, reason: expect.stringContaining('iat'), retryable: false });
  expect(cache.size).toBe(0);
  expect(await verify(await sign(now + 20))).toMatchObject({ ok: true, claims: { sub: 'x' } });
});

test('badly shaped tokens are refused before any key work', async () => {
  const verify = externalVerifier({ ...base, secret: 'shared-secret-shared-secret-1234', algorithms: ['HS256'] }, new TokenCache());
  expect(await verify('')).toEqual({ ok: false, reason: 'empty token', retryable: false });
  expect(await verify('a.b')).toEqual({ ok: false, reason: 'not a compact JWS (three base64url parts)', retryable: false });
  expect(await verify(`${'a'.repeat(9000)}.b.c`)).toEqual({ ok: false, reason: 'token too long', retryable: false });
});

test('an unreachable JWKS gives a retryable verdict; a reachable one that lacks the key does not', async () => {
  let keys: unknown[] | null = null;
  const jwks = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => (keys ? Response.json({ keys }) : new Response('down', { status: 503 })) });
  try {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setExpirationTime('5m').sign(privateKey);
    const down = externalVerifier({ ...base, jwks_url: `http://127.0.0.1:${jwks.port}/a`, algorithms: ['RS256'], jwksTimeoutMs: 500 }, new TokenCache());
    expect(await down(token)).toMatchObject({ ok: false, retryable: true, reason: expect.stringContaining('unavailable') });
    keys = [];
    const up = externalVerifier({ ...base, jwks_url: `http://127.0.0.1:${jwks.port}/b`, algorithms: ['RS256'] }, new TokenCache());
    expect(await up(token)).toMatchObject({ ok: false, retryable: false, reason: expect.stringContaining('kid') });
  } finally {
    await jwks.stop(true);
  }
});

test('keys over plain http are worth a warning unless the JWKS is on this machine', () => {
  const issuer = 'https://idp.example.test';
  expect(jwksTransportWarning({ issuer, jwks_url: 'http://idp.example.test/jwks' })).toContain('plain http');
  for (const jwks_url of ['https://idp.example.test/jwks', 'http://127.0.0.1:9000/jwks', 'http://[::1]/jwks', 'http://idp.localhost/jwks', undefined]) {
    expect(jwksTransportWarning({ issuer, jwks_url })).toBeNull();
  }
});
