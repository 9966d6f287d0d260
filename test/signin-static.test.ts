/**
 * Sign-in with the static provider over real HTTP: the hand-off between hosts, the sign-in
 * form's protections, 401 for scripts, and return-URL checks.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { startStaticSignIn, type StaticSignIn } from './support/auth-server.ts';
import { Browser, decodeEntities } from './support/browser-jar.ts';

let fx: StaticSignIn;
let AUTH: string, APP: string, API: string, ADMIN: string;
let PASSWORD: string;
beforeAll(async () => {
  fx = await startStaticSignIn({ perUser: 3 });
  ({ AUTH, APP, API, ADMIN, PASSWORD } = fx);
});
afterAll(() => fx.server.stop());
const signIn = (browser: Browser, url: string, email?: string, password?: string) => fx.signIn(browser, url, email, password);
const errorText = (html: string) => decodeEntities(/<p class="error"[^>]*>([^<]*)</.exec(html)?.[1] ?? '');
const sessionCookie = (browser: Browser, host: string) => browser.jar.get('_gatehouse', host);

describe('sign-in through the sign-in host', () => {
  test('a navigation without a cookie ends on the sign-in page via the route host', async () => {
    const browser = new Browser();
    const { response, url } = await browser.navigate(`${APP}/page?x=1`);
    expect(response.status).toBe(200);
    expect(url).toStartWith(`${AUTH}/.gatehouse/sign_in?redirect_uri=`);
    expect(new URL(url).searchParams.get('redirect_uri')).toBe(`${APP}/page?x=1`);
    expect(new URL(url).searchParams.get('handoff')).toMatch(/^[\w-]{43}$/);
    expect(browser.history.map((h) => h.status)).toEqual([302, 302, 200]);
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await response.text()).toContain('name="csrf"');
  });

  test('signing in returns to the page with the host\'s own cookie, and a second host needs no second prompt', async () => {
    const browser = new Browser();
    const { response, url } = await signIn(browser, `${APP}/page?x=1`);
    expect(url).toBe(`${APP}/page?x=1`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { identity: { subject: string; email: string; groups: string[]; via: string } };
    expect(body.identity).toMatchObject({ subject: 'alice@example.test', email: 'alice@example.test', groups: ['dev'], via: 'trust-cookie' });
    // Host-only cookies on both the sign-in host and the app host, with the configured attributes.
    for (const host of ['auth.localhost', 'app.localhost']) {
      const cookie = sessionCookie(browser, host);
      expect(cookie?.hostOnly).toBe(true);
      expect(cookie?.attributes).toMatch(/HttpOnly; SameSite=Lax$/);
      expect(cookie?.attributes).not.toContain('Secure');
    }
    expect(browser.history.some((h) => h.url.startsWith(`${APP}/.gatehouse/callback?code=`))).toBe(true);

    browser.history = [];
    const second = await browser.navigate(`${API}/data`);
    expect(second.response.status).toBe(200);
    expect(((await second.response.json()) as { identity: { subject: string } }).identity.subject).toBe('alice@example.test');
    expect(browser.history.some((h) => h.method === 'POST')).toBe(false);
    expect(browser.history.every((h) => h.status !== 200 || h.url === second.url)).toBe(true);
    expect(browser.history.some((h) => h.url.startsWith(`${API}/.gatehouse/callback?code=`))).toBe(true);
  });

  test('two tabs signing in to the same host at once both succeed', async () => {
    const browser = new Browser();
    const tab1 = await browser.navigate(`${APP}/one`);
    const tab2 = await browser.navigate(`${APP}/two`);
    const html1 = await tab1.response.text();
    const html2 = await tab2.response.text();
    const done1 = await browser.submitForm(tab1.url, html1, { email: 'alice@example.test', password: PASSWORD });
    expect(done1.url).toBe(`${APP}/one`);
    const done2 = await browser.submitForm(tab2.url, html2, { email: 'alice@example.test', password: PASSWORD });
    expect(done2.url).toBe(`${APP}/two`);
    expect(done2.response.status).toBe(200);
  });

  test('the upstream assertion verifies with the JWKS the gateway publishes', async () => {
    const browser = new Browser();
    const { response } = await signIn(browser, `${APP}/`);
    const { assertion } = (await response.json()) as { assertion: string };
    const jwks = await (await fetch(`${API}/.well-known/gatehouse/jwks.json`)).json();
    const { payload } = await jwtVerify(assertion, createLocalJWKSet(jwks as never), { audience: APP, issuer: AUTH, algorithms: ['ES256'] });
    expect(payload).toMatchObject({ sub: 'alice@example.test', email: 'alice@example.test', groups: ['dev'] });
  });

  test('/.gatehouse/user reports the identity, or 401', async () => {
    const browser = new Browser();
    await signIn(browser, `${APP}/`);
    const res = await browser.fetch(`${APP}/.gatehouse/user`, { navigate: false });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ subject: 'alice@example.test', email: 'alice@example.test', name: 'Alice', groups: ['dev'] });
    const anon = await fetch(`${APP}/.gatehouse/user`);
    expect(anon.status).toBe(401);
    expect(await anon.json()).toMatchObject({ error: 'unauthenticated', request_id: expect.any(String) });
  });

  test('signed in but not allowed by the policy: 403', async () => {
    const browser = new Browser();
    await signIn(browser, `${APP}/`);
    const { response } = await browser.navigate(`${ADMIN}/`);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: 'forbidden' });
  });

  test('sign-out clears the cookies of the host and of the sign-in host', async () => {
    const browser = new Browser();
    await signIn(browser, `${APP}/`);
    // A GET only asks; the button posts the form with its CSRF token.
    const confirm = await browser.navigate(`${APP}/.gatehouse/sign_out?redirect_uri=%2Fbye`);
    expect(sessionCookie(browser, 'app.localhost')).toBeDefined();
    const { url } = await browser.submitForm(confirm.url, await confirm.response.text(), {});
    expect(sessionCookie(browser, 'app.localhost')).toBeUndefined();
    expect(sessionCookie(browser, 'auth.localhost')).toBeUndefined();
    // Back at the app, which sends the browser to sign in again.
    expect(url).toStartWith(`${AUTH}/.gatehouse/sign_in?redirect_uri=${encodeURIComponent(`${APP}/bye`)}`);
  });
});

describe('scripts get 401, not redirects', () => {
  test('a fetch without a cookie gets 401 JSON with login_url and WWW-Authenticate', async () => {
    const res = await fetch(`${APP}/api/x`, { headers: { accept: 'application/json', 'sec-fetch-mode': 'cors' }, redirect: 'manual' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toStartWith('Gatehouse realm=');
    const body = (await res.json()) as { error: string; login_url: string; request_id: string };
    expect(body.error).toBe('unauthenticated');
    expect(body.login_url).toBe(`${APP}/.gatehouse/sign_in?redirect_uri=${encodeURIComponent(`${APP}/api/x`)}`);
    expect(body.request_id).toBeString();
  });
});

describe('the sign-in form', () => {
  test('a wrong password and an unknown user get the same answer', async () => {
    const browser = new Browser();
    const wrong = await signIn(browser, `${APP}/`, 'alice@example.test', 'nope');
    const unknown = await signIn(new Browser(), `${APP}/`, 'nobody@example.test', 'nope');
    expect(wrong.response.status).toBe(401);
    expect(unknown.response.status).toBe(401);
    const [a, b] = [await wrong.response.text(), await unknown.response.text()];
    expect(errorText(a)).toBe('Incorrect email or password.');
    expect(errorText(b)).toBe(errorText(a));
    // Apart from the echoed email and the per-browser CSRF token, the pages are identical.
    const strip = (html: string) => html.replace(/value="[^"]*"/g, '');
    expect(strip(a)).toBe(strip(b));
    expect(sessionCookie(browser, 'auth.localhost')).toBeUndefined();
  });

  test('failed sign-ins are throttled per user, even with the right password afterwards', async () => {
    for (let i = 0; i < 3; i++) {
      const { response } = await signIn(new Browser(), `${APP}/`, 'bob@example.test', `wrong${i}`);
      expect(response.status).toBe(401);
    }
    const { response } = await signIn(new Browser(), `${APP}/`, 'bob@example.test', PASSWORD);
    expect(response.status).toBe(429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(errorText(await response.text())).toMatch(/Too many failed sign-ins/);
  });

  test('a POST without the CSRF token, with a forged one, or from another origin is refused', async () => {
    const browser = new Browser();
    const { response, url } = await browser.navigate(`${APP}/`);
    const html = await response.text();
    const post = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
      browser.fetch(`${AUTH}/.gatehouse/sign_in`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({ email: 'alice@example.test', password: PASSWORD, redirect_uri: '/', ...fields }).toString(),
      });
    const csrf = decodeEntities(/name="csrf" value="([^"]+)"/.exec(html)![1]!);
    expect((await post({})).status).toBe(403);
    expect((await post({ csrf: 'A'.repeat(43) })).status).toBe(403);
    expect((await post({ csrf }, { origin: 'http://evil.localhost' })).status).toBe(403);
    expect((await post({ csrf }, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    // A planted cookie (e.g. from a sibling subdomain) with its own value does not help without the key.
    const other = new Browser();
    other.jar.set('_gatehouse_csrf', 'planted-value-aaaaaaaaaa', 'auth.localhost');
    const planted = await other.fetch(`${AUTH}/.gatehouse/sign_in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: 'alice@example.test', password: PASSWORD, csrf: 'planted-value-aaaaaaaaaa' }).toString(),
    });
    expect(planted.status).toBe(403);
    expect(sessionCookie(browser, 'auth.localhost')).toBeUndefined();
    // The real token works.
    const ok = await browser.submitForm(url, html, { email: 'alice@example.test', password: PASSWORD });
    expect(ok.response.status).toBe(200);
  });
});

describe('return URLs', () => {
  const evil = [
    '//evil.test',
    'https://evil.test',
    `http://app.localhost.evil.test`,
    '/\\evil.test',
    'https:/evil.test',
    '%2F%2Fevil.test',
    '/%2F%2Fevil.test',
    '/\t/evil.test',
    '/\n/evil.test',
    'javascript:alert(1)',
  ];
  test('on the sign-in host, unsafe redirect_uri values end at / of the sign-in host', async () => {
    const browser = new Browser();
    await signIn(browser, `${APP}/`);
    for (const raw of evil) {
      const res = await browser.fetch(`${AUTH}/.gatehouse/sign_in?redirect_uri=${encodeURIComponent(raw)}`);
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(`${AUTH}/`);
    }
    const page = `${AUTH}/.gatehouse/sign_out?redirect_uri=${encodeURIComponent('https://evil.test')}`;
    const out = await browser.submitForm(page, await (await browser.fetch(page)).text(), {});
    const post = browser.history.find((h) => h.method === 'POST' && h.url === `${AUTH}/.gatehouse/sign_out`);
    expect(post).toMatchObject({ status: 303, location: `${AUTH}/` });
    expect(out.url).toBe(`${AUTH}/.gatehouse/sign_in`);
  });

  test('on a route host, unsafe values end at / of that host', async () => {
    const browser = new Browser();
    for (const raw of evil) {
      const res = await browser.fetch(`${APP}/.gatehouse/sign_in?redirect_uri=${encodeURIComponent(raw)}`);
      const next = new URL(res.headers.get('location')!);
      expect(next.searchParams.get('redirect_uri')).toBe(`${APP}/`);
    }
  });
});

