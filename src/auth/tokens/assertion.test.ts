import { beforeAll, expect, test } from 'bun:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type { Identity } from '../../plugin-api/index.ts';
import { createAssertionSigner } from './assertion.ts';
import { generateSigningKeyPem, loadKeySet, type KeySet } from './keys.ts';
import { fakeClock } from '../../../test/support/memory-logger.ts';
import { createOwnTokens } from './own-tokens.ts';

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

test('the assertion says who vouched: via, and iss_ext for an external issuer', async () => {
  const sign = createAssertionSigner(createOwnTokens(keys, 'https://auth.example.test'));
  const verify = async (identity: Identity) =>
    (await jwtVerify(await sign(identity, 'https://api.example.test'), createLocalJWKSet(keys.jwks), { audience: 'https://api.example.test' })).payload;
  const own = await verify({ ...alice, claims: { iss: 'https://auth.example.test', sub: 'alice' } });
  expect(own.via).toBe('trust-cookie');
  expect(own.iss).toBe('https://auth.example.test');
  expect(own).not.toHaveProperty('iss_ext');
  const external = await verify({ ...alice, via: 'header-jwt', claims: { iss: 'https://idp.example.test', sub: 'alice' } });
  expect(external).toMatchObject({ via: 'header-jwt', iss_ext: 'https://idp.example.test', iss: 'https://auth.example.test' });
  const service = await verify({ subject: 'service:ci', kind: 'service', groups: [], claims: { sub: 'service:ci' }, via: 'header-jwt' });
  expect(service).toMatchObject({ via: 'header-jwt', kind: 'service' });
  expect(service).not.toHaveProperty('iss_ext');
});
