/**
 * The whole sign-in through the running gateway (engine server, router, pipeline with the
 * `trust-cookie` plugin, proxy to a real upstream), static and OIDC, with a cookie jar. The
 * browser dials the gateway's port for every `*.example.test` host and sends the name in Host.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { generateSigningKeyPem } from '../src/auth/tokens/keys.ts';
import { Browser } from './support/browser-jar.ts';
import { startGateway, startUpstream, type TestGateway, type TestUpstream } from './support/gateway.ts';
import { loginAtProvider, startOidcProvider, type TestProvider } from './support/oidc-provider.ts';

const TRUST_COOKIE = join(import.meta.dir, '..', 'plugins', 'trust-cookie', 'index.ts');
const PASSWORD = 'gateway test password';

/** Starts the engine on `yaml` with a signing key in `key.pem` beside it. */
const startWithAuth = (yaml: string): Promise<TestGateway> => startGateway(yaml, { files: { 'key.pem': generateSigningKeyPem() } });

const routes = (upstream: string) => `
routes:
  - from: http://app.example.test
    to: ${upstream}
    policy: { allow_any_authenticated_user: true }
    pass_identity_headers: true
    plugins: [{ use: ${TRUST_COOKIE} }]
  - from: http://api.example.test
    to: ${upstream}
    policy: { allow: { groups: [dev] } }
    plugins: [{ use: ${TRUST_COOKIE} }]
`;
const browserFor = (gateway: TestGateway) =>
  new Browser((url) => (url.hostname.endsWith('.example.test') ? `http://127.0.0.1:${gateway.port}` : undefined));

let upstream: TestUpstream;
beforeAll(() => {
  upstream = startUpstream();
});
afterAll(() => upstream.stop());

describe('static provider through the gateway', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    const hash = await Bun.password.hash(PASSWORD, { algorithm: 'argon2id' });
    gateway = await startWithAuth(`
watch: false
authenticate:
  url: http://auth.example.test
  provider: static
  static:
    users: [{ email: alice@example.test, password_hash: "${hash}", name: Alice, groups: [dev] }]
session: { cookie_secure: false, signing_key_file: key.pem }
${routes(upstream.url)}`);
  });
  afterAll(() => gateway.stop());

  test('sign in once, reach two hosts; the upstream gets the assertion and never the cookie', async () => {
    const browser = browserFor(gateway);
    const { response: page, url: at } = await browser.navigate('http://app.example.test/hello');
    expect(at).toStartWith('http://auth.example.test/.gatehouse/sign_in?');
    const { response, url } = await browser.submitForm(at, await page.text(), { email: 'alice@example.test', password: PASSWORD });
    expect(url).toBe('http://app.example.test/hello');
    expect(response.status).toBe(200);
    const seen = (await response.json()) as { path: string; headers: Record<string, string> };
    expect(seen.path).toBe('/hello');
    expect(seen.headers.cookie ?? '').not.toContain('_gatehouse=');
    const assertion = seen.headers['x-gatehouse-jwt-assertion']!;
    const jwks = await (await browser.fetch('http://app.example.test/.well-known/gatehouse/jwks.json', { navigate: false })).json();
    const { payload } = await jwtVerify(assertion, createLocalJWKSet(jwks as never), { audience: 'http://app.example.test' });
    expect(payload).toMatchObject({ sub: 'alice@example.test', email: 'alice@example.test', groups: ['dev'] });

    browser.history = [];
    const api = await browser.navigate('http://api.example.test/v1/items');
    expect(api.response.status).toBe(200);
    expect(browser.history.some((h) => h.method === 'POST' || h.url.startsWith('http://auth.example.test/.gatehouse/sign_in?') && h.status === 200)).toBe(false);
  });

  test('a script without a cookie gets 401 JSON, not a redirect', async () => {
    const res = await browserFor(gateway).fetch('http://api.example.test/v1/items', { navigate: false, headers: { 'sec-fetch-mode': 'cors' } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'unauthenticated', login_url: expect.stringContaining('/.gatehouse/sign_in?redirect_uri=') });
  });
});

describe('OIDC provider through the gateway', () => {
  let gateway: TestGateway;
  let idp: TestProvider;
  beforeAll(async () => {
    idp = await startOidcProvider({
      clients: [{ client_id: 'gatehouse', client_secret: 'gw-secret', redirect_uris: ['http://auth.example.test/.gatehouse/oidc/callback'] }],
      accounts: [{ sub: 'bob-sub', email: 'bob@example.test', name: 'Bob', groups: ['dev'] }],
    });
    gateway = await startWithAuth(`
watch: false
authenticate:
  url: http://auth.example.test
  provider: oidc
  oidc: { issuer: "${idp.issuer}", client_id: gatehouse, client_secret: gw-secret, scopes: [openid, email, profile, groups] }
session: { cookie_secure: false, signing_key_file: key.pem }
${routes(upstream.url)}`);
  });
  afterAll(async () => {
    await gateway.stop();
    await idp.stop();
  });

  test('sign in at the provider, land on the page, then a second host without the provider', async () => {
    const browser = browserFor(gateway);
    const { url: at } = await browser.navigate('http://app.example.test/');
    expect(at).toStartWith(`${idp.issuer}/interaction/`);
    const callback = await loginAtProvider((u, init) => browser.fetch(u, init), at, 'bob-sub');
    const { response, url } = await browser.navigate(callback);
    expect(url).toBe('http://app.example.test/');
    expect(response.status).toBe(200);
    browser.history = [];
    expect((await browser.navigate('http://api.example.test/')).response.status).toBe(200);
    expect(browser.history.some((h) => h.url.startsWith(idp.issuer))).toBe(false);
  });
});
