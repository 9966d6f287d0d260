import { describe, expect, test } from 'bun:test';
import * as v from 'valibot';
import { configSchema } from '../config/schema.ts';
import { generateSigningKeyPem } from './tokens/keys.ts';
import { validateAuthConfig } from './validate.ts';

const HASH = '$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA';
const KEY = generateSigningKeyPem();
const parse = (input: Record<string, unknown>) =>
  v.parse(configSchema, {
    routes: [{ from: 'https://app.example.test', to: 'http://127.0.0.1:9000', policy: { allow_any_authenticated_user: true } }],
    authenticate: { url: 'https://auth.example.test', provider: 'static', static: { users: [{ email: 'a@example.test', password_hash: HASH }] } },
    session: { signing_key: KEY },
    ...input,
  });
const problems = (input: Record<string, unknown>) => validateAuthConfig(parse(input));
const errors = (input: Record<string, unknown>) => problems(input).filter((p) => p.severity === 'error');

describe('validateAuthConfig', () => {
  test('a sound config has no problems', () => {
    expect(problems({})).toEqual([]);
  });

  test('SameSite=None without Secure is an error', () => {
    expect(errors({ session: { signing_key: KEY, cookie_same_site: 'none', cookie_secure: false } })).toEqual([
      { path: ['session', 'cookie_same_site'], message: expect.stringContaining('cookie_secure'), severity: 'error' },
    ]);
    expect(errors({ session: { signing_key: KEY, cookie_same_site: 'none', cookie_secure: true } })).toEqual([]);
  });

  test('a route admitting users without an authenticate block is warned about', () => {
    expect(problems({ authenticate: undefined })).toEqual([
      { path: ['routes', 0, 'policy'], message: expect.stringContaining('authenticate'), severity: 'warning' },
    ]);
    const publicOnly = [{ from: 'https://app.example.test', to: 'http://127.0.0.1:9000', policy: { public: true } }];
    expect(problems({ authenticate: undefined, routes: publicOnly })).toEqual([]);
    const servicesOnly = [{ from: 'https://app.example.test', to: 'http://127.0.0.1:9000', policy: { allow: { services: ['ci'] } } }];
    expect(problems({ authenticate: undefined, routes: servicesOnly })).toEqual([]);
  });

  test('the chosen provider needs its block', () => {
    expect(errors({ authenticate: { url: 'https://auth.example.test', provider: 'oidc' } })[0]).toMatchObject({ path: ['authenticate', 'oidc'] });
    expect(errors({ authenticate: { url: 'https://auth.example.test', provider: 'static' } })[0]).toMatchObject({ path: ['authenticate', 'static'] });
  });

  test('OIDC issuers must be https except on loopback, and request openid', () => {
    const oidc = (issuer: string, scopes?: string[]) => ({
      authenticate: { url: 'https://auth.example.test', provider: 'oidc', oidc: { issuer, client_id: 'c', client_secret: 's', scopes } },
    });
    expect(errors(oidc('http://idp.example.test'))[0]).toMatchObject({ path: ['authenticate', 'oidc', 'issuer'] });
    expect(errors(oidc('http://127.0.0.1:5556'))).toEqual([]);
    expect(errors(oidc('http://idp.localhost:5556'))).toEqual([]);
    expect(errors(oidc('https://idp.example.test', ['email']))[0]).toMatchObject({ path: ['authenticate', 'oidc', 'scopes'] });
  });

  test('static users: argon2id hashes, no duplicates', () => {
    const users = [
      { email: 'a@example.test', password_hash: HASH },
      { email: 'A@example.test', password_hash: HASH },
      { email: 'b@example.test', password_hash: 'plaintext' },
    ];
    const found = errors({ authenticate: { url: 'https://auth.example.test', provider: 'static', static: { users } } });
    expect(found.map((p) => p.path)).toEqual([
      ['authenticate', 'static', 'users', 1, 'email'],
      ['authenticate', 'static', 'users', 2, 'password_hash'],
    ]);
  });

  test('authenticate.url is an origin', () => {
    expect(errors({ authenticate: { url: 'https://auth.example.test/login', provider: 'static', static: { users: [] } } })[0]).toMatchObject({
      path: ['authenticate', 'url'],
    });
  });

  test('unreadable signing keys are errors; a missing one is a warning', () => {
    expect(errors({ session: { signing_key: 'nope' } })[0]).toMatchObject({ path: ['session', 'signing_key'] });
    expect(problems({ session: {} })).toEqual([{ path: ['session'], message: expect.stringContaining('signing_key'), severity: 'warning' }]);
  });

  test('cookie prefixes and names', () => {
    expect(errors({ session: { signing_key: KEY, cookie_name: '__Host-gh', cookie_domain: '.example.test' } })[0]).toMatchObject({ path: ['session', 'cookie_domain'] });
    expect(errors({ session: { signing_key: KEY, cookie_name: '__Secure-gh', cookie_secure: false } })[0]).toMatchObject({ path: ['session', 'cookie_secure'] });
    expect(errors({ session: { signing_key: KEY, cookie_name: 'bad name' } })[0]).toMatchObject({ path: ['session', 'cookie_name'] });
  });

  test('warnings: readable session cookie, domain not covering the sign-in host, Secure on plain http', () => {
    const warnings = (input: Record<string, unknown>) => problems(input).filter((p) => p.severity === 'warning').map((p) => p.path.join('.'));
    expect(warnings({ session: { signing_key: KEY, cookie_http_only: false } })).toEqual(['session.cookie_http_only']);
    // The route outside the domain is warned about too (cross-origin lints, src/config/cors-lints.ts).
    expect(warnings({ session: { signing_key: KEY, cookie_domain: '.other.test' } })).toEqual(['session.cookie_domain', 'routes.0.from']);
    expect(
      warnings({ authenticate: { url: 'http://auth.example.test', provider: 'static', static: { users: [] } }, session: { signing_key: KEY } }),
    ).toEqual(['session.cookie_secure']);
  });

  test('service tokens: unique names and client ids', () => {
    const service_tokens = [
      { name: 'ci', client_id: 'id1', client_secret: 'x'.repeat(32) },
      { name: 'ci', client_id: 'id1', client_secret: 'x'.repeat(32) },
    ];
    expect(errors({ service_tokens }).map((p) => p.path.join('.'))).toEqual(['service_tokens.1.name', 'service_tokens.1.client_id']);
  });

  describe('service tokens and the routes meant for them', () => {
    const token = (name: string) => ({ name, client_id: `${name}-id`, client_secret: 'x'.repeat(32) });
    const route = (host: string, policy: Record<string, unknown>, plugins: string[] = ['header-jwt']) => ({
      from: `https://${host}.example.test`,
      to: 'http://127.0.0.1:9000',
      policy,
      plugins: plugins.map((use) => ({ use })),
    });
    const warned = (input: Record<string, unknown>) =>
      problems(input)
        .filter((p) => p.severity === 'warning')
        .map((p) => `${p.path.join('.')}: ${p.message}`);

    test('a token every route admits by name, and routes for users without header-jwt, are quiet', () => {
      const routes = [route('app', { allow_any_authenticated_user: true }, ['trust-cookie']), route('api', { allow: { services: ['ci'] } })];
      expect(warned({ service_tokens: [token('ci')], routes })).toEqual([]);
      expect(warned({ routes: [route('api', { allow_any_authenticated_user: true })] })).toEqual([]);
    });

    test('a token no policy names is warned about at its name', () => {
      const routes = [route('api', { allow_any_authenticated_user: true })];
      expect(warned({ service_tokens: [token('ci')], routes })).toEqual([
        expect.stringMatching(/^service_tokens\.0\.name: no route admits service token "ci".*allow\.services.*users only/),
      ]);
    });

    test('a token named only on routes that cannot read it is warned about', () => {
      const routes = [route('api', { allow: { services: ['ci'] } }, ['trust-cookie'])];
      expect(warned({ service_tokens: [token('ci')], routes })).toEqual([
        expect.stringMatching(/^service_tokens\.0\.name: .*\(routes\[0\]\) have no header-jwt plugin/),
      ]);
      // A plugin file may read service tokens itself: no warning.
      expect(warned({ service_tokens: [token('ci')], routes: [route('api', { allow: { services: ['ci'] } }, ['./my-auth.ts'])] })).toEqual([]);
    });

    test('a header-jwt route for users only, while services are admitted elsewhere, is warned about at its policy', () => {
      const routes = [
        route('app', { allow_any_authenticated_user: true }, ['trust-cookie']),
        route('api', { allow: { services: ['ci'] } }),
        route('tools', { allow_any_authenticated_user: true }),
        route('admin', { allow: { groups: ['admins'] } }),
        route('deploy', { allow: { groups: ['admins'], services: ['other'] } }),
        route('open', { public: true }),
      ];
      const found = warned({ service_tokens: [token('ci')], routes });
      expect(found.map((w) => w.split(':', 1)[0])).toEqual(['routes.2.policy', 'routes.3.policy']);
      expect(found[0]).toContain('service_not_allowed');
      expect(found[0]).toContain('"ci", admitted on routes[1]');
      // The warnings name rule families and token names, never the policy's groups.
      expect(found.join('\n')).not.toContain('admins');
    });
  });
});
