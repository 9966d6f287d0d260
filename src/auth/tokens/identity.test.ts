import { expect, test } from 'bun:test';
import { identityFromClaims, identityFromOwnClaims, verifiedEmail } from './identity.ts';

test('the email is taken unless email_verified is false, as at OIDC sign-in', () => {
  expect(verifiedEmail({ email: 'a@x.test' })).toBe('a@x.test');
  expect(verifiedEmail({ email: 'a@x.test', email_verified: true })).toBe('a@x.test');
  expect(verifiedEmail({ email: 'a@x.test', email_verified: false })).toBeUndefined();
  expect(verifiedEmail({ email: 7 })).toBeUndefined();
  const identity = identityFromOwnClaims({ sub: 's', email: 'a@x.test', email_verified: false }, 'gatehouse')!;
  expect(identity.email).toBeUndefined();
  expect(identity.claims.email).toBe('a@x.test');
  expect(identityFromOwnClaims({ sub: 's', email: 'a@x.test', sid: 'k' }, 'gatehouse')).toMatchObject({ email: 'a@x.test', sessionId: 'k' });
});

test('external claims: sub, email, name and groups from the named claim; claims kept; no session id; frozen', () => {
  const base = { iss: 'https://idp.example.test', sub: 'u1', email: 'u1@example.test', name: 'U', roles: ['a', 1, 'b'], sid: 'theirs' };
  const identity = identityFromClaims(base, { via: 'header-jwt', groupsClaim: 'roles' });
  expect(identity).toEqual({ subject: 'u1', kind: 'user', email: 'u1@example.test', name: 'U', groups: ['a', 'b'], claims: base, via: 'header-jwt' });
  expect(Object.isFrozen(identity)).toBe(true);
  expect(identityFromClaims({ ...base, email_verified: false }, { via: 'x' })).toMatchObject({ groups: [], claims: { email: 'u1@example.test' } });
  expect(identityFromClaims({ ...base, email_verified: false }, { via: 'x' })!.email).toBeUndefined();
});

test('no identity without a non-empty string sub', () => {
  for (const sub of [undefined, '', 42, ['u1']]) {
    expect(identityFromClaims({ sub }, { via: 'x' })).toBeNull();
    expect(identityFromOwnClaims({ sub }, 'gatehouse')).toBeNull();
  }
});
