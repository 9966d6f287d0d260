import { expect, test } from 'bun:test';
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { externalVerifier } from './external-verifier.ts';
import type { CachedVerification } from './jwt-services.ts';
import { TokenCache } from './token-cache.ts';

const base = { issuer: 'https://idp.example.test', audience: 'api', clockSkewSeconds: 30 };
const claims = { iss: base.issuer, aud: 'api', sub: 'x' };

test('HS256 with a secret; tokens are cached', async () => {
  const cache = new TokenCache<CachedVerification>();
  const verify = externalVerifier({ ...base, secret: 'shared-secret-shared-secret-1234', algorithms: ['HS256'] }, cache);
  const token = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode('shared-secret-shared-secret-1234'));
  expect((await verify(token)).sub).toBe('x');
  expect(cache.size).toBe(1);
  await expect(verify(new UnsecuredJWT(claims).setExpirationTime('5m').encode())).rejects.toThrow();
});

test('RS256 with a public key refuses HS256 made with that key', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const verify = externalVerifier({ ...base, public_key_pem: pem, algorithms: ['RS256'] }, new TokenCache());
  const good = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).setExpirationTime('5m').sign(privateKey);
  expect((await verify(good)).sub).toBe('x');
  const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode(pem));
  await expect(verify(forged)).rejects.toThrow();
  await expect(verify(await new SignJWT({ ...claims, aud: 'other' }).setProtectedHeader({ alg: 'RS256' }).setExpirationTime('5m').sign(privateKey))).rejects.toThrow();
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
  await expect(verify(await sign(now + 600))).rejects.toThrow(/iat/);
  expect(cache.size).toBe(0);
  expect((await verify(await sign(now + 20))).sub).toBe('x');
});
