import { expect, test } from 'bun:test';
import { identityFromClaims, verifiedEmail } from './identity.ts';

test('the email is taken unless email_verified is false, as at OIDC sign-in', () => {
  expect(verifiedEmail({ email: 'a@x.test' })).toBe('a@x.test');
  expect(verifiedEmail({ email: 'a@x.test', email_verified: true })).toBe('a@x.test');
  expect(verifiedEmail({ email: 'a@x.test', email_verified: false })).toBeUndefined();
  expect(verifiedEmail({ email: 7 })).toBeUndefined();
  const identity = identityFromClaims({ sub: 's', email: 'a@x.test', email_verified: false }, 'gatehouse');
  expect(identity.email).toBeUndefined();
  expect(identity.claims.email).toBe('a@x.test');
  expect(identityFromClaims({ sub: 's', email: 'a@x.test', sid: 'k' }, 'gatehouse')).toMatchObject({ email: 'a@x.test', sessionId: 'k' });
});
