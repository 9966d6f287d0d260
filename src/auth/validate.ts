/**
 * Config checks for sign-in and sessions that the schema cannot express; the engine's loader
 * and `gatehouse check` report them with file positions.
 */
import { brandingLints } from '../config/branding.ts';
import { corsLints } from '../config/cors-lints.ts';
import type { Config } from '../config/schema.ts';
import { isLoopbackHost } from '../http/loopback.ts';
import { serviceTokenWarnings } from './service-token-reach.ts';
import { checkKeyText } from './tokens/keys.ts';

export interface AuthConfigProblem {
  path: (string | number)[];
  message: string;
  severity: 'error' | 'warning';
}

/** Whether a route lets in signed-in people (so it needs `authenticate`). */
function needsSignIn(route: Config['routes'][number]): boolean {
  const p = route.policy;
  if (!p || p.public) return false;
  if (p.allow_any_authenticated_user) return true;
  const a = p.allow ?? {};
  return Boolean(a.emails?.length || a.domains?.length || a.groups?.length || (a.claims && Object.keys(a.claims).length));
}

/** Every sign-in/session problem of `config`; errors stop the config from loading. */
export function validateAuthConfig(config: Config): AuthConfigProblem[] {
  const out: AuthConfigProblem[] = [];
  const error = (path: (string | number)[], message: string) => out.push({ path, message, severity: 'error' });
  const warn = (path: (string | number)[], message: string) => out.push({ path, message, severity: 'warning' });
  const { authenticate: auth, session } = config;

  const routeIndex = config.routes.findIndex(needsSignIn);
  if (!auth && routeIndex >= 0) {
    // A warning, not an error: header-jwt with external issuers or service tokens needs no sign-in.
    warn(['routes', routeIndex, 'policy'], 'this policy admits signed-in users, but there is no `authenticate` block to sign them in');
  }

  let authHost: string | undefined;
  if (auth) {
    const url = new URL(auth.url);
    authHost = url.hostname;
    if (url.pathname !== '/' || url.search || url.hash) error(['authenticate', 'url'], 'give only scheme and host (and port); the sign-in host serves its own paths');
    if (auth.provider === 'oidc' && !auth.oidc) error(['authenticate', 'oidc'], 'provider is oidc, so an `oidc` block (issuer, client_id, client_secret) is required');
    if (auth.provider === 'static' && !auth.static) error(['authenticate', 'static'], 'provider is static, so a `static` block with `users` is required');
    if (auth.oidc) {
      const issuer = new URL(auth.oidc.issuer);
      if (issuer.protocol !== 'https:' && !isLoopbackHost(issuer.hostname)) error(['authenticate', 'oidc', 'issuer'], 'the issuer must use https:// (plain http only on localhost)');
      if (!auth.oidc.scopes.includes('openid')) error(['authenticate', 'oidc', 'scopes'], 'scopes must include "openid"');
    }
    const seen = new Set<string>();
    auth.static?.users.forEach((user, i) => {
      const email = user.email.trim().toLowerCase();
      if (seen.has(email)) error(['authenticate', 'static', 'users', i, 'email'], `user ${user.email} is listed twice`);
      seen.add(email);
      if (!user.password_hash.startsWith('$argon2id$')) {
        error(['authenticate', 'static', 'users', i, 'password_hash'], 'expected an argon2id hash; make one with `gatehouse hash-password`');
      }
    });
    if (url.protocol === 'http:' && session.cookie_secure && !isLoopbackHost(url.hostname)) {
      warn(['session', 'cookie_secure'], 'browsers do not store Secure cookies for http:// hosts; sign-in will not stick (set cookie_secure: false for plain-http setups)');
    }
    config.routes.forEach((route, i) => {
      if (route.from.replace(/\/$/, '').toLowerCase() === url.origin.toLowerCase()) {
        warn(['routes', i, 'from'], 'this is the authenticate.url host: Gatehouse answers every request there itself, so the route is never used');
      }
    });
  }

  if (session.cookie_same_site === 'none' && !session.cookie_secure) {
    error(['session', 'cookie_same_site'], 'cookie_same_site: none requires cookie_secure: true (browsers reject the cookie otherwise)');
  }
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(session.cookie_name)) error(['session', 'cookie_name'], 'not a valid cookie name');
  if (session.cookie_name.startsWith('__Host-')) {
    if (session.cookie_domain) error(['session', 'cookie_domain'], 'a __Host- cookie cannot have a domain');
    if (!session.cookie_secure) error(['session', 'cookie_secure'], 'a __Host- cookie must be Secure');
  } else if (session.cookie_name.startsWith('__Secure-') && !session.cookie_secure) {
    error(['session', 'cookie_secure'], 'a __Secure- cookie must be Secure');
  }
  if (session.cookie_domain) {
    const domain = session.cookie_domain.toLowerCase().replace(/^\./, '');
    if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(domain) && domain !== 'localhost') {
      error(['session', 'cookie_domain'], 'expected a domain like .example.test');
    } else if (authHost && authHost !== domain && !authHost.endsWith(`.${domain}`)) {
      warn(['session', 'cookie_domain'], `the sign-in host ${authHost} is not under ${session.cookie_domain}, so the domain cookie cannot be shared; every host gets its own cookie through a hand-off`);
    }
  }
  if (!session.cookie_http_only) {
    warn(
      ['session', 'cookie_http_only'],
      'cookie_http_only: false exposes the session to scripts: any script on your hosts (including injected ones) can read and send away the session cookie; to call another origin with header-jwt, have the page fetch a short-lived token from /.gatehouse/token instead',
    );
  }
  if (session.ttl < 60_000) warn(['session', 'ttl'], 'sessions shorter than a minute sign people out almost at once');
  if (session.signing_key !== undefined) {
    const problem = checkKeyText(session.signing_key);
    if (problem) error(['session', 'signing_key'], problem);
  } else if (auth || config.routes.some((r) => r.pass_identity_headers)) {
    warn(['session'], 'no signing_key: a key is generated at start, so sessions end and upstream key pins break at every restart (`gatehouse keys generate`)');
  }

  const names = new Set<string>();
  const ids = new Set<string>();
  config.service_tokens.forEach((t, i) => {
    if (names.has(t.name)) error(['service_tokens', i, 'name'], `service token "${t.name}" is listed twice`);
    if (ids.has(t.client_id)) error(['service_tokens', i, 'client_id'], `client_id "${t.client_id}" is used twice`);
    names.add(t.name);
    ids.add(t.client_id);
    if (t.client_secret.length < 16) warn(['service_tokens', i, 'client_secret'], 'short secrets can be guessed; use at least 32 random characters');
  });
  for (const w of serviceTokenWarnings(config)) warn(w.path, w.message);
  for (const w of corsLints(config)) warn(w.path, w.message);
  for (const w of brandingLints(config.authenticate?.branding)) warn(w.path, w.message);
  return out;
}
