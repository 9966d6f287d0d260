import { describe, expect, test } from 'bun:test';
import * as v from 'valibot';
import { corsLints, domainCovers, registrableDomain } from './cors-lints.ts';
import { configSchema } from './schema.ts';

const config = (yaml: Record<string, unknown>) => v.parse(configSchema, yaml);
const api = (plugins: unknown[], extra: Record<string, unknown> = {}) => ({ from: 'https://api.example.test', to: 'http://127.0.0.1:9', policy: { allow_any_authenticated_user: true }, plugins, ...extra });
const cors = (origins: string[], credentials = true) => ({ use: 'preflight', allow_origins: origins, allow_credentials: credentials });
const lints = (c: Record<string, unknown>) => corsLints(config(c)).map((l) => `${l.path.join('.')}: ${l.message}`);

describe('cross-origin lints', () => {
  test('sites and cookie domains', () => {
    expect(registrableDomain('app.demo.localhost')).toBe('demo.localhost');
    expect(registrableDomain('127.0.0.1')).toBe('127.0.0.1');
    expect(domainCovers('.example.test', 'api.example.test')).toBe(true);
    expect(domainCovers('.example.test', 'example.test')).toBe(true);
    expect(domainCovers('.example.test', 'badexample.test')).toBe(false);
  });

  test('a sound shared-cookie setup is quiet', () => {
    const routes = [{ from: 'https://app.example.test', to: 'http://127.0.0.1:9', policy: { public: true } }, api([cors(['https://app.example.test']), { use: 'trust-cookie' }])];
    expect(lints({ session: { cookie_domain: '.example.test' }, routes })).toEqual([]);
  });

  test('a credentialed origin of another site while the cookie is SameSite=Lax', () => {
    const out = lints({ routes: [api([cors(['https://app.other.test'])])] });
    expect(out).toHaveLength(1);
    expect(out[0]).toStartWith('routes.0.plugins.0.allow_origins.0: https://app.other.test is another site');
    expect(out[0]).toContain('SameSite=lax');
    // SameSite=None lets it travel: then only the informational note remains.
    expect(lints({ session: { cookie_same_site: 'none' }, routes: [api([cors(['https://app.other.test'])])] })[0]).toContain('not a host of any route here');
  });

  test('a route using the trust cookie outside cookie_domain, warned at its from', () => {
    expect(lints({ session: { cookie_domain: '.example.test' }, routes: [api([]), api([], { from: 'https://api.else.test' })] })).toEqual([
      'routes.1.from: api.else.test uses the trust cookie but is outside session.cookie_domain (.example.test): a page on another host cannot send it the shared cookie',
    ]);
    // A public route does not use the cookie.
    expect(lints({ session: { cookie_domain: '.example.test' }, routes: [api([], { from: 'https://api.else.test', policy: { public: true } })] })).toEqual([]);
  });

  test('a credentialed origin naming no route host is an informational note; without credentials nothing', () => {
    const out = lints({ routes: [api([cors(['https://docs.example.test'])])] });
    expect(out).toEqual([expect.stringContaining('fine if that page is served elsewhere on purpose')]);
    expect(lints({ routes: [api([cors(['https://docs.example.test'], false)])] })).toEqual([]);
  });

  test('* methods or headers with credentials is warned at the *; without credentials nothing', () => {
    const wild = (credentials: boolean) => ({ ...cors(['https://app.example.test'], credentials), allow_methods: ['GET', '*'], allow_headers: ['*', 'Authorization'] });
    const routes = (credentials: boolean) => [{ from: 'https://app.example.test', to: 'http://127.0.0.1:9', policy: { public: true } }, api([wild(credentials)])];
    const out = lints({ session: { cookie_domain: '.example.test' }, routes: routes(true) });
    expect(out).toEqual([
      expect.stringMatching(/^routes\.1\.plugins\.0\.allow_methods\.1: allow_methods: "\*" with allow_credentials: true lets the listed origins send any method/),
      expect.stringMatching(/^routes\.1\.plugins\.0\.allow_headers\.0: allow_headers: "\*" .*any request header but Authorization/),
    ]);
    expect(lints({ session: { cookie_domain: '.example.test' }, routes: routes(false) })).toEqual([]);
  });
});
