import { beforeAll, expect, test } from 'bun:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type { Identity } from '../plugin-api/index.ts';
import { createAssertionSigner } from './assertion.ts';
import { generateSigningKeyPem, loadKeySet, type KeySet } from './keys.ts';
import { fakeClock } from './testing.ts';
import { createOwnTokens } from './tokens.ts';

let keys: KeySet;
beforeAll(async () => {
  keys = await loadKeySet(generateSigningKeyPem());
});
const alice: Identity = { subject: 'alice', kind: 'user', email: 'alice@example.test', name: 'Alice', groups: ['dev'], claims: {}, via: 'trust-cookie', sessionId: 's1' };

test('an upstream verifies the assertion with the published JWKS; aud is the route origin, 5 minutes', async () => {
  const sign = createAssertionSigner(createOwnTokens(keys, 'https://auth.example.test'));
  const token = await sign(alice, 'https://api.example.test');
  const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(keys.jwks), {
    issuer: 'https://auth.example.test',
    audience: 'https://api.example.test',
    algorithms: ['ES256'],
  });
  expect(payload).toMatchObject({ sub: 'alice', email: 'alice@example.test', name: 'Alice', groups: ['dev'], sid: 's1', kind: 'user' });
  expect(payload.exp! - payload.iat!).toBe(300);
  expect(protectedHeader.typ).toBe('gatehouse-assertion+jwt');
  await expect(jwtVerify(token, createLocalJWKSet(keys.jwks), { audience: 'https://app.example.test' })).rejects.toThrow();
});

test('reused while it has a minute left, re-signed after; never shared across identities or audiences', async () => {
  const clock = fakeClock();
  const sign = createAssertionSigner(createOwnTokens(keys, 'https://auth.example.test', clock.seconds), { now: clock.seconds });
  const a = await sign(alice, 'https://api.example.test');
  expect(await sign(alice, 'https://api.example.test')).toBe(a);
  expect(await sign(alice, 'https://app.example.test')).not.toBe(a);
  expect(await sign({ ...alice, groups: ['dev', 'admin'] }, 'https://api.example.test')).not.toBe(a);
  clock.advance(241);
  expect(await sign(alice, 'https://api.example.test')).not.toBe(a);
  expect(decodeProtectedHeader(a).kid).toBe(keys.active.kid);
});
