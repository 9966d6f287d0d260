import { expect, test } from 'bun:test';
import { profileFromClaims } from './oidc.ts';

test('profile: email only when not marked unverified; groups from the configured claim', () => {
  expect(profileFromClaims({ sub: 's', email: 'a@x.test', email_verified: true, name: 'A', roles: ['r1', 2, 'r2'] }, 'roles')).toEqual({
    sub: 's',
    email: 'a@x.test',
    name: 'A',
    groups: ['r1', 'r2'],
  });
  expect(profileFromClaims({ sub: 's', email: 'a@x.test', email_verified: false }, 'groups').email).toBeUndefined();
  expect(profileFromClaims({ sub: 's', preferred_username: 'al', groups: 'one' }, 'groups')).toEqual({ sub: 's', name: 'al', groups: ['one'] });
});
