import { expect, test } from 'bun:test';
import { createOidcClient, profileFromClaims } from './oidc.ts';

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

test('a plain-http issuer under .localhost works at sign-in, as `gatehouse check` lets it (one loopback rule)', async () => {
  let issuer = '';
  const idp = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: (): Response => Response.json({ issuer, authorization_endpoint: `${issuer}/auth`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks` }),
  });
  issuer = `http://idp.localhost:${idp.port}`;
  try {
    const settings = { issuer, client_id: 'c', scopes: ['openid'], groups_claim: 'groups' };
    const { url } = await createOidcClient(settings, 'http://auth.localhost/.gatehouse/oidc/callback').start();
    expect(url).toStartWith(`${issuer}/auth?`);
    // The same document from a host that is not loopback is refused over plain http.
    const remote = createOidcClient({ ...settings, issuer: 'http://idp.example.test' }, 'http://auth.localhost/cb', { timeoutMs: 500 });
    await expect(remote.start()).rejects.toThrow(/discovery/);
  } finally {
    await idp.stop(true);
  }
});
