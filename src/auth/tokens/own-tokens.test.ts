import { beforeAll, expect, test } from 'bun:test';
import { SignJWT } from 'jose';
import { generateSigningKeyPem, loadKeySet, type KeySet } from './keys.ts';
import { fakeClock } from '../../../test/support/memory-logger.ts';
import { createOwnTokens, TokenType, verifyCount } from './own-tokens.ts';

const ISS = 'https://auth.example.test';
let keys: KeySet;
beforeAll(async () => {
  keys = await loadKeySet(generateSigningKeyPem());
});

test('a token signed now verifies; one whose iat is beyond the tolerance in the future does not', async () => {
  const clock = fakeClock();
  const tokens = createOwnTokens(keys, ISS, clock.seconds);
  const now = clock.seconds();
  expect((await tokens.verify(await tokens.sign(TokenType.access, { sub: 'u' }, { audience: 'gatehouse', ttlSeconds: 60 }), { typ: TokenType.access })).sub).toBe('u');
  const sign = (iat: number) =>
    new SignJWT({ sub: 'u', iss: ISS, aud: 'gatehouse', iat, exp: now + 3600 })
      .setProtectedHeader({ alg: 'ES256', typ: TokenType.access, kid: keys.active.kid })
      .sign(keys.active.privateKey);
  expect((await tokens.verify(await sign(now + 5), { typ: TokenType.access })).sub).toBe('u');
  await expect(tokens.verify(await sign(now + 600), { typ: TokenType.access })).rejects.toThrow(/future/);
});

test('verifyCount counts every token judged, valid or not', async () => {
  const tokens = createOwnTokens(keys, ISS);
  const before = verifyCount.value;
  await tokens.verify(await tokens.sign(TokenType.access, { sub: 'u' }, { audience: 'gatehouse' }), { typ: TokenType.access });
  await expect(tokens.verify('a.b.c', { typ: TokenType.access })).rejects.toThrow();
  expect(verifyCount.value - before).toBe(2);
});
