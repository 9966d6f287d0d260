/**
 * `cookie_domain`: one trust cookie for every host under the domain, no hand-off; hosts outside
 * it still get theirs through a hand-off. And `SameSite=Strict` sessions, which need the last
 * hop to be a fresh navigation.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { hashPassword } from '../src/auth/providers/password.ts';
import { startAuthServer, type AuthTestServer } from './support/auth-server.ts';
import { Browser } from './support/browser-jar.ts';

const PASSWORD = 'domain test password';
let hash: string;
beforeAll(async () => {
  hash = await hashPassword(PASSWORD);
});

async function signIn(browser: Browser, url: string) {
  const { response, url: at } = await browser.navigate(url);
  return browser.submitForm(at, await response.text(), { email: 'alice@example.test', password: PASSWORD });
}

describe('with cookie_domain', () => {
  let server: AuthTestServer;
  let port: number;
  beforeAll(async () => {
    server = await startAuthServer((p) => {
      port = p;
      return {
        authenticate: { url: `http://auth.gh.localhost:${p}`, provider: 'static', static: { users: [{ email: 'alice@example.test', password_hash: hash }] } },
        session: { cookie_secure: false, cookie_domain: '.gh.localhost' },
        routes: [
          { from: `http://app.gh.localhost:${p}`, to: 'http://127.0.0.1:1', policy: { allow_any_authenticated_user: true } },
          { from: `http://api.gh.localhost:${p}`, to: 'http://127.0.0.1:1', policy: { allow_any_authenticated_user: true } },
          { from: `http://elsewhere.localhost:${p}`, to: 'http://127.0.0.1:1', policy: { allow_any_authenticated_user: true } },
        ],
      };
    });
  });
  afterAll(() => server.stop());

  test('one sign-in sets one domain cookie that every subdomain accepts, without hand-offs', async () => {
    const browser = new Browser();
    const app = `http://app.gh.localhost:${port}`;
    const { response, url } = await signIn(browser, `${app}/x`);
    expect(url).toBe(`${app}/x`);
    expect(response.status).toBe(200);
    expect(browser.history.some((h) => h.url.includes('/.gatehouse/callback'))).toBe(false);
    const cookies = browser.jar.cookies.filter((c) => c.name === '_gatehouse');
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ domain: 'gh.localhost', hostOnly: false });

    browser.history = [];
    const api = await browser.navigate(`http://api.gh.localhost:${port}/`);
    expect(api.response.status).toBe(200);
    expect(browser.history).toHaveLength(1);
  });

  test('a host outside the domain still gets its own cookie through a hand-off', async () => {
    const browser = new Browser();
    await signIn(browser, `http://app.gh.localhost:${port}/`);
    browser.history = [];
    const { response } = await browser.navigate(`http://elsewhere.localhost:${port}/`);
    expect(response.status).toBe(200);
    expect(browser.history.some((h) => h.url.startsWith(`http://elsewhere.localhost:${port}/.gatehouse/callback?code=`))).toBe(true);
    expect(browser.jar.get('_gatehouse', 'elsewhere.localhost')?.hostOnly).toBe(true);
  });
});

describe('with cookie_same_site: strict', () => {
  let server: AuthTestServer;
  beforeAll(async () => {
    server = await startAuthServer((p) => ({
      authenticate: { url: `http://auth.localhost:${p}`, provider: 'static', static: { users: [{ email: 'alice@example.test', password_hash: hash }] } },
      session: { cookie_secure: false, cookie_same_site: 'strict' },
      routes: [{ from: `http://app.localhost:${p}`, to: 'http://127.0.0.1:1', policy: { allow_any_authenticated_user: true } }],
    }));
  });
  afterAll(() => server.stop());

  test('the hand-off callback continues with a page of its own, so the Strict cookie is sent', async () => {
    const browser = new Browser();
    const { response, url } = await signIn(browser, `${server.origin('app')}/x`);
    expect(url).toStartWith(`${server.origin('app')}/.gatehouse/callback?code=`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain(`<meta http-equiv="refresh" content="0;url=${server.origin('app')}/x">`);
    expect(browser.jar.get('_gatehouse', 'app.localhost')?.attributes).toContain('SameSite=Strict');
    const page = await browser.navigate(`${server.origin('app')}/x`);
    expect(page.response.status).toBe(200);
  });
});
