/**
 * Sign-in through a real OpenID Provider (`oidc-provider` on 127.0.0.1) over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import * as v from 'valibot';
import { configSchema } from '../src/config/schema.ts';
import { generateSigningKeyPem } from '../src/auth/tokens/keys.ts';
import { createAuthRuntime } from '../src/auth/runtime.ts';
import { memoryLogger } from './support/memory-logger.ts';
import { startAuthServer, type AuthTestServer } from './support/auth-server.ts';
import { Browser, decodeEntities } from './support/browser-jar.ts';
import { loginAtProvider, startOidcProvider, type TestProvider } from './support/oidc-provider.ts';

let idp: TestProvider;
let server: AuthTestServer;
let AUTH: string, APP: string, API: string;

beforeAll(async () => {
  server = await startAuthServer(async (port) => {
    const o = (n: string) => `http://${n}.localhost:${port}`;
    idp = await startOidcProvider({
      clients: [
        {
          client_id: 'gatehouse',
          client_secret: 'test-secret',
          redirect_uris: [`${o('auth')}/.gatehouse/oidc/callback`],
          post_logout_redirect_uris: [`${o('auth')}/.gatehouse/signed_out`],
        },
      ],
      accounts: [{ sub: 'alice-sub', email: 'alice@example.test', name: 'Alice Liddell', groups: ['dev', 'ops'] }],
      groupsClaim: 'teams',
    });
    return {
      authenticate: {
        url: o('auth'),
        provider: 'oidc',
        oidc: { issuer: idp.issuer, client_id: 'gatehouse', client_secret: 'test-secret', scopes: ['openid', 'email', 'profile', 'teams'], groups_claim: 'teams' },
      },
      session: { cookie_secure: false },
      routes: [
        { from: o('app'), to: 'http://127.0.0.1:1', policy: { allow: { groups: ['ops'] } } },
        { from: o('api'), to: 'http://127.0.0.1:1', policy: { allow: { emails: ['alice@example.test'] } } },
      ],
    };
  });
  [AUTH, APP, API] = ['auth', 'app', 'api'].map(server.origin) as [string, string, string];
});
afterAll(async () => {
  await server?.stop();
  await idp?.stop();
});

/** Navigates to `url` until the provider's login page; returns the page URL. */
async function toProvider(browser: Browser, url: string): Promise<string> {
  const { response, url: at } = await browser.navigate(url);
  expect(response.status).toBe(200);
  expect(at).toStartWith(`${idp.issuer}/interaction/`);
  await response.arrayBuffer();
  return at;
}
const login = (browser: Browser, at: string) => loginAtProvider((u, init) => browser.fetch(u, init), at, 'alice-sub');

describe('OIDC sign-in', () => {
  test('full flow: PKCE, state and nonce sent; identity from ID token and userinfo; back on the page', async () => {
    const browser = new Browser();
    const at = await toProvider(browser, `${APP}/dashboard`);
    const authorize = new URL(browser.history.find((h) => h.url.startsWith(`${idp.issuer}/auth?`))!.url);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('state')).toMatch(/^[\w-]{40,}$/);
    expect(authorize.searchParams.get('nonce')).toMatch(/^[\w-]{40,}$/);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${AUTH}/.gatehouse/oidc/callback`);

    const callback = await login(browser, at);
    expect(callback).toStartWith(`${AUTH}/.gatehouse/oidc/callback?`);
    const { response, url } = await browser.navigate(callback);
    expect(url).toBe(`${APP}/dashboard`);
    expect(response.status).toBe(200);
    const { identity } = (await response.json()) as { identity: Record<string, unknown> };
    expect(identity).toMatchObject({ subject: 'alice-sub', email: 'alice@example.test', name: 'Alice Liddell', groups: ['dev', 'ops'] });
    // The state cookie is gone once used.
    expect(browser.jar.cookies.some((c) => c.name.startsWith('_gatehouse_oidc_'))).toBe(false);

    // A second host: no trip to the provider.
    browser.history = [];
    const second = await browser.navigate(`${API}/`);
    expect(second.response.status).toBe(200);
    expect(browser.history.some((h) => h.url.startsWith(idp.issuer))).toBe(false);
  });

  test('a state that does not match the browser\'s state cookie is refused', async () => {
    const browser = new Browser();
    const callback = await login(browser, await toProvider(browser, `${APP}/`));
    const tampered = new URL(callback);
    tampered.searchParams.set('state', `${tampered.searchParams.get('state')!.slice(0, -4)}AAAA`);
    const bad = await browser.fetch(tampered.href);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid_state' });
    expect(browser.jar.get('_gatehouse', 'auth.localhost')).toBeUndefined();
    // Control: the untouched callback works in this browser.
    expect((await browser.navigate(callback)).response.status).toBe(200);
  });

  test('a callback in a browser that did not start the sign-in is refused', async () => {
    const attacker = new Browser();
    const callback = await login(attacker, await toProvider(attacker, `${APP}/`));
    const victim = new Browser();
    const res = await victim.fetch(callback);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_state' });
    expect(victim.jar.get('_gatehouse', 'auth.localhost')).toBeUndefined();
  });

  test('a used callback cannot be replayed', async () => {
    const browser = new Browser();
    const callback = await login(browser, await toProvider(browser, `${APP}/`));
    // A copy of the browser as it was before the callback, state cookie and all.
    const again = new Browser();
    again.jar.cookies = browser.jar.cookies.map((c) => ({ ...c }));
    expect((await browser.navigate(callback)).response.status).toBe(200);
    const replay = await again.fetch(callback);
    expect(replay.status).toBe(400);
    // The provider refuses a used code; Gatehouse also claims each state once (after a good code),
    // so a failed callback writes nothing to the shared state.
    expect(await replay.json()).toMatchObject({ error: 'invalid_response' });
    expect(again.jar.get('_gatehouse', 'auth.localhost')).toBeUndefined();
  });

  test('an error from the provider (the user cancelled) is reported, not signed in', async () => {
    const browser = new Browser();
    const at = await toProvider(browser, `${APP}/`);
    const abort = await browser.fetch(`${at}/abort`);
    let location = new URL(abort.headers.get('location')!, at).href;
    while (location.startsWith(idp.issuer)) location = new URL((await browser.fetch(location)).headers.get('location')!, location).href;
    const res = await browser.fetch(location);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'idp_error' });
  });

  test('sign-out ends the provider session too (RP-initiated logout) and returns', async () => {
    const browser = new Browser();
    await browser.navigate(await login(browser, await toProvider(browser, `${APP}/`)));
    const confirm = await browser.fetch(`${APP}/.gatehouse/sign_out?redirect_uri=%2Fbye`);
    expect(confirm.status).toBe(200);
    expect(browser.jar.get('_gatehouse', 'app.localhost')).toBeDefined();
    const confirmHtml = await confirm.text();
    const first = await browser.fetch(`${APP}/.gatehouse/sign_out`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: APP, 'sec-fetch-site': 'same-origin' },
      body: new URLSearchParams({
        csrf: decodeEntities(/name="csrf" value="([^"]+)"/.exec(confirmHtml)![1]!),
        redirect_uri: decodeEntities(/name="redirect_uri" value="([^"]+)"/.exec(confirmHtml)![1]!),
      }).toString(),
    });
    expect(first.status).toBe(303);
    expect(browser.jar.get('_gatehouse', 'app.localhost')).toBeUndefined();
    const out = await browser.fetch(first.headers.get('location')!);
    expect(out.status).toBe(303);
    const end = new URL(out.headers.get('location')!);
    expect(end.origin).toBe(idp.issuer);
    expect(end.searchParams.get('client_id')).toBe('gatehouse');
    expect(end.searchParams.get('post_logout_redirect_uri')).toBe(`${AUTH}/.gatehouse/signed_out`);
    expect(browser.jar.get('_gatehouse', 'auth.localhost')).toBeUndefined();
    // Confirm at the provider; it sends the browser back through /.gatehouse/signed_out.
    const page = await browser.fetch(end.href);
    const html = await page.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)![1]!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)![1]!;
    const back = await browser.navigate(new URL(action, end).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
    });
    expect(browser.history.some((h) => h.url.startsWith(`${AUTH}/.gatehouse/signed_out?`))).toBe(true);
    // Back at the app, signed out everywhere: the app sends the browser to the provider's login again.
    expect(back.url).toStartWith(`${idp.issuer}/interaction/`);
  });
});

test('an unreachable provider gives 502, not a hang or a crash', async () => {
  const config = v.parse(configSchema, {
    authenticate: { url: 'https://auth.example.test', provider: 'oidc', oidc: { issuer: 'http://127.0.0.1:9', client_id: 'c' } },
    session: { signing_key: generateSigningKeyPem() },
    routes: [{ from: 'https://app.example.test', to: 'http://127.0.0.1:1', policy: { allow_any_authenticated_user: true } }],
  });
  const runtime = await createAuthRuntime(config, { log: memoryLogger(), routeOrigins: ['https://app.example.test'] });
  const url = new URL('https://auth.example.test/.gatehouse/sign_in?redirect_uri=%2F');
  const res = await runtime.handle(new Request(url), { requestId: 'r1', clientIp: '127.0.0.1', url });
  expect(res!.status).toBe(502);
  expect(await res!.json()).toEqual({ error: 'idp_unavailable', request_id: 'r1' });
});
