import { expect, test } from 'bun:test';
import { externalIdentity } from './external-identity.ts';

const base = { iss: 'https://idp.example.test', sub: 'u1', email: 'u1@example.test', name: 'U', roles: ['a', 1, 'b'] };

test('sub, email, name and groups from the claims; via header-jwt; claims kept (iss included)', () => {
  expect(externalIdentity(base, 'roles')).toEqual({ subject: 'u1', kind: 'user', email: 'u1@example.test', name: 'U', groups: ['a', 'b'], claims: base, via: 'header-jwt' });
  expect(externalIdentity({ ...base, email_verified: true }, 'roles').email).toBe('u1@example.test');
});

test('email_verified: false keeps the email out of the identity, as at OIDC sign-in', () => {
  const identity = externalIdentity({ ...base, email_verified: false }, 'roles');
  expect(identity.email).toBeUndefined();
  expect(identity.claims.email).toBe('u1@example.test');
});
