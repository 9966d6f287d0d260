/**
 * `/.gatehouse/user` as a page for people: a browser navigation gets who the session says it is,
 * its groups, the routes whose policy admits it and a way to sign out, all escaped; scripts keep
 * getting the JSON they always did.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startAuthServer, type AuthTestServer } from './support/auth-server.ts';
import { Browser } from './support/browser-jar.ts';

const PASSWORD = 'correct horse battery staple';
const HOSTILE_NAME = '<img src=x onerror=alert(1)>';
const HOSTILE_GROUP = '"><script>alert(2)</script>';

let server: AuthTestServer;
let AUTH: string, APP: string, ADMIN: string, DOCS: string, OPS: string;
beforeAll(async () => {
  const hash = await Bun.password.hash(PASSWORD, { algorithm: 'argon2id' });
  server = await startAuthServer((port) => {
    const o = (n: string) => `http://${n}.localhost:${port}`;
    return {
      authenticate: {
        url: o('auth'),
        provider: 'static',
        static: {
          users: [
            { email: 'alice@example.test', password_hash: hash, name: 'Alice', groups: ['dev'] },
            { email: 'mallory@example.test', password_hash: hash, name: HOSTILE_NAME, groups: [HOSTILE_GROUP] },
          ],
        },
      },
      session: { cookie_secure: false },
      routes: [
        { from: o('app'), to: 'http://127.0.0.1:1', policy: { allow_any_authenticated_user: true } },
        { from: o('admin'), to: 'http://127.0.0.1:1', policy: { allow: { groups: ['admins'] } } },
        { from: o('docs'), to: 'http://127.0.0.1:1', policy: { public: true } },
        { from: o('ops'), prefix: '/a"b<c>', to: 'http://127.0.0.1:1', policy: { allow: { groups: [HOSTILE_GROUP] } } },
        { from: o('closed'), to: 'http://127.0.0.1:1' },
      ],
    };
  });
  [AUTH, APP, ADMIN, DOCS, OPS] = ['auth', 'app', 'admin', 'docs', 'ops'].map((n) => server.origin(n)) as [string, string, string, string, string];
});
afterAll(() => server.stop());

/** Navigates to the page signed out, signs in on the form it leads to, and returns where that ends. */
async function signInToWhoAmI(browser: Browser, email = 'alice@example.test') {
  const { response, url } = await browser.navigate(`${APP}/.gatehouse/user`);
  expect(url).toStartWith(`${AUTH}/.gatehouse/sign_in?`);
  return browser.submitForm(url, await response.text(), { email, password: PASSWORD });
}

/** The text of the list under the heading `title`. */
function listUnder(page: string, title: string): string {
  const at = page.indexOf(`>${title}</h2>`);
  expect(at).toBeGreaterThan(0);
  return /<(ul|p)[^>]*>([\s\S]*?)<\/\1>/.exec(page.slice(at))![2]!;
}

describe('a browser navigation gets a page', () => {
  test('signed out, it goes through sign-in and comes back to the page', async () => {
    const browser = new Browser();
    const { response, url } = await signInToWhoAmI(browser);
    expect(url).toBe(`${APP}/.gatehouse/user`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  test('it shows who I am, my groups, and only the routes whose policy admits me', async () => {
    const browser = new Browser();
    await signInToWhoAmI(browser);
    const { response } = await browser.navigate(`${APP}/.gatehouse/user`);
    const page = await response.text();
    expect(page).toContain('<dt>Email</dt><dd>alice@example.test</dd>');
    expect(page).toContain('<dt>Name</dt><dd>Alice</dd>');
    expect(page).toContain('<dt>Subject</dt><dd>alice@example.test</dd>');
    expect(page).toMatch(/<dt>Session ends<\/dt><dd>\d{4}-\d\d-\d\dT[\d:.]+Z<\/dd>/);
    expect(listUnder(page, 'Groups')).toBe('<li>dev</li>');
    const routes = listUnder(page, 'Routes that admit you');
    expect(routes).toBe(`<li><a href="${APP}">${APP}</a></li><li><a href="${DOCS}">${DOCS}</a> (public)</li>`);
    expect(routes).not.toContain(ADMIN);
    expect(routes).not.toContain(OPS);
  });

  test('everything from the identity and the config is escaped', async () => {
    const browser = new Browser();
    await signInToWhoAmI(browser, 'mallory@example.test');
    const { response } = await browser.navigate(`${APP}/.gatehouse/user`);
    const page = await response.text();
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<script');
    expect(page).toContain('<dd>&#60;img src=x onerror=alert(1)&#62;</dd>');
    expect(listUnder(page, 'Groups')).toBe('<li>&#34;&#62;&#60;script&#62;alert(2)&#60;/script&#62;</li>');
    expect(listUnder(page, 'Routes that admit you')).toContain(`<a href="${OPS}/a&#34;b&#60;c&#62;">${OPS}/a&#34;b&#60;c&#62;</a>`);
  });

  test('the sign-out button opens the confirmation page, which alone signs out', async () => {
    const browser = new Browser();
    await signInToWhoAmI(browser);
    const { response } = await browser.navigate(`${APP}/.gatehouse/user`);
    const form = /<form method="get" action="([^"]+)"><button type="submit">Sign out<\/button><\/form>/.exec(await response.text());
    expect(form?.[1]).toBe('/.gatehouse/sign_out');
    const confirm = await browser.navigate(new URL(form![1]!, APP).href);
    expect(confirm.response.status).toBe(200);
    expect(await confirm.response.text()).toContain('<h1>Sign out?</h1>');
    const still = await browser.fetch(`${APP}/.gatehouse/user`, { navigate: false });
    expect(still.status).toBe(200);
  });

  test('an Accept that ranks HTML first gets the page without Fetch metadata; one ranking JSON first does not', async () => {
    const browser = new Browser();
    await signInToWhoAmI(browser);
    const page = await browser.fetch(`${APP}/.gatehouse/user`, { navigate: false, headers: { accept: 'text/html,*/*;q=0.8' } });
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const jsonFirst = await browser.fetch(`${APP}/.gatehouse/user`, { headers: { 'sec-fetch-mode': 'navigate', accept: 'application/json, text/html;q=0.5' } });
    expect(jsonFirst.headers.get('content-type')).toBe('application/json');
  });
});

describe('scripts get JSON exactly as before', () => {
  test('signed in: the identity as JSON', async () => {
    const browser = new Browser();
    await signInToWhoAmI(browser);
    const asked: Record<string, string>[] = [{}, { accept: '*/*' }, { accept: 'application/json' }, { 'sec-fetch-mode': 'cors', accept: '*/*' }];
    for (const headers of asked) {
      const res = await browser.fetch(`${APP}/.gatehouse/user`, { navigate: false, headers });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = (await res.json()) as Record<string, unknown>;
      expect(Object.keys(body)).toEqual(['subject', 'email', 'name', 'groups', 'session_id', 'expires_at']);
      expect(body).toMatchObject({ subject: 'alice@example.test', email: 'alice@example.test', name: 'Alice', groups: ['dev'], session_id: expect.any(String) });
    }
  });

  test('signed out: a script gets 401 with a login URL, a navigation goes to sign-in', async () => {
    const res = await fetch(`${APP}/.gatehouse/user`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'unauthenticated', login_url: `${APP}/.gatehouse/sign_in?redirect_uri=%2F`, request_id: expect.any(String) });
    const navigation = await fetch(`${APP}/.gatehouse/user`, { headers: { 'sec-fetch-mode': 'navigate', accept: 'text/html' }, redirect: 'manual' });
    expect(navigation.status).toBe(302);
    expect(navigation.headers.get('location')).toBe('/.gatehouse/sign_in?redirect_uri=%2F.gatehouse%2Fuser');
  });
});
