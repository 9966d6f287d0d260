/**
 * The Pomerium cross-origin header scenario in real Chromium: a page on the app origin calls an
 * API on another origin with a token in `X-Gatehouse-Authorization`.
 *
 * 1. The Gatehouse way: the page fetches a short-lived token from `/.gatehouse/token` on its own
 *    origin (the session cookie stays HttpOnly), then calls the API with it.
 * 2. The seed's way: `cookie_http_only: false`, and the page sends the trust cookie's value
 *    (read from `document.cookie`) in the header.
 *
 * The API route: `preflight` (allow_origins the app origin, allow_headers the header), then
 * `header-jwt`. app.example.test / api.example.test / auth.example.test resolve to 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Browser } from 'playwright-core';
import { generateSigningKeyPem } from '../src/auth/tokens/keys.ts';
import { browserAvailable, launchBrowser, newContext } from './support/browser.ts';
import { startGateway, startUpstream, type TestGateway, type TestUpstream } from './support/gateway.ts';
import { freePort } from './support/process.ts';

// Skips only where Chromium is missing outside CI; under CI=true browserAvailable() throws instead.
const haveBrowser = browserAvailable();
const PASSWORD = 'browser header token password';
let browser: Browser | undefined;
let upstream: TestUpstream;
let hash = '';

const page = (body: string) => `<!doctype html><meta charset="utf-8"><title>app</title><pre id="out"></pre><script>
const API = location.origin.replace('//app.', '//api.');
const out = document.getElementById('out');
(async () => {
  const result = { cookieVisible: document.cookie.includes('_gatehouse=') };
  try {
${body}
  } catch (e) { result.error = String(e); }
  out.textContent = JSON.stringify(result);
  out.dataset.done = '1';
})();
</script>`;

const TOKEN_PAGE = page(`
    const t = await fetch('/.gatehouse/token?audience=' + encodeURIComponent(API));
    result.tokenStatus = t.status;
    const { token, expires_at } = await t.json();
    result.expiresIn = Date.parse(expires_at) - Date.now();
    const r = await fetch(API + '/data', { headers: { 'X-Gatehouse-Authorization': token, 'Content-Type': 'application/json' }, method: 'POST', body: '{}' });
    result.status = r.status;
    result.body = await r.json();
    const bad = await fetch(API + '/data', { headers: { 'X-Gatehouse-Authorization': token.slice(0, -4) + 'AAAA' } });
    result.tamperedStatus = bad.status;`);

const COOKIE_PAGE = page(`
    const value = document.cookie.split('; ').find((c) => c.startsWith('_gatehouse=')).slice('_gatehouse='.length);
    const r = await fetch(API + '/data', { headers: { 'X-Gatehouse-Authorization': value } });
    result.status = r.status;
    result.body = await r.json();`);

async function startAt(httpOnly: boolean): Promise<{ server: TestGateway; app: string }> {
  const port = freePort();
  const o = (name: string) => `http://${name}.example.test:${port}`;
  const server = await startGateway(
    `
authenticate:
  url: ${o('auth')}
  provider: static
  static: { users: [{ email: alice@example.test, password_hash: "${hash}", groups: [dev] }] }
session: { cookie_secure: false, cookie_http_only: ${httpOnly}, signing_key_file: key.pem }
routes:
  - from: ${o('app')}
    to: ${upstream.url}
    policy: { allow_any_authenticated_user: true }
    plugins: [{ use: trust-cookie }]
  - from: ${o('api')}
    to: ${upstream.url}
    policy: { allow: { groups: [dev] } }
    pass_identity_headers: true
    plugins:
      - { use: preflight, allow_origins: ["${o('app')}"], allow_headers: [X-Gatehouse-Authorization, Content-Type] }
      - { use: header-jwt }
`,
    { files: { 'key.pem': generateSigningKeyPem() }, listen: `127.0.0.1:${port}` },
  );
  return { server, app: o('app') };
}

beforeAll(async () => {
  if (!haveBrowser) return;
  hash = await Bun.password.hash(PASSWORD, { algorithm: 'argon2id' });
  upstream = startUpstream((request) => {
    const url = new URL(request.url);
    if (url.pathname === '/token.html') return new Response(TOKEN_PAGE, { headers: { 'content-type': 'text/html' } });
    if (url.pathname === '/cookie.html') return new Response(COOKIE_PAGE, { headers: { 'content-type': 'text/html' } });
    const assertion = request.headers.get('x-gatehouse-jwt-assertion');
    const claims = assertion ? JSON.parse(Buffer.from(assertion.split('.')[1]!, 'base64url').toString()) : null;
    return Response.json({
      method: request.method,
      sub: claims?.sub ?? null,
      sawToken: request.headers.has('x-gatehouse-authorization'),
      sawCookie: (request.headers.get('cookie') ?? '').includes('_gatehouse'),
    });
  });
  browser = await launchBrowser(['app.example.test', 'api.example.test', 'auth.example.test']);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  upstream?.stop();
});

async function runPage(app: string, path: string): Promise<Record<string, unknown>> {
  const context = await newContext(browser!);
  try {
    const tab = await context.newPage();
    await tab.goto(`${app}${path}`);
    expect(new URL(tab.url()).hostname).toBe('auth.example.test');
    await tab.fill('#email', 'alice@example.test');
    await tab.fill('#password', PASSWORD);
    await tab.click('button[type=submit]');
    await tab.waitForURL(`${app}${path}`, { timeout: 15_000 });
    await tab.waitForSelector('#out[data-done]', { timeout: 15_000 });
    const result = JSON.parse((await tab.textContent('#out'))!) as Record<string, unknown>;
    if (result.error) console.log('page console:', context.consoleLines);
    return result;
  } finally {
    await context.close();
  }
}

describe('Pomerium header scenario in Chromium', () => {
  test.skipIf(!haveBrowser)('token from /.gatehouse/token, then the API origin with the header (cookie stays HttpOnly)', async () => {
    const { server, app } = await startAt(true);
    try {
      const result = await runPage(app, '/token.html');
      expect(result.error).toBeUndefined();
      expect(result.cookieVisible).toBe(false);
      expect(result.tokenStatus).toBe(200);
      expect(result.expiresIn as number).toBeLessThanOrEqual(300_000);
      expect(result.status).toBe(200);
      expect(result.body).toEqual({ method: 'POST', sub: 'alice@example.test', sawToken: false, sawCookie: false });
      expect(result.tamperedStatus).toBe(401);
    } finally {
      await server.stop();
    }
  }, 60_000);

  test.skipIf(!haveBrowser)('cookie_http_only: false and the cookie value in the header, as in the seed', async () => {
    const { server, app } = await startAt(false);
    try {
      const result = await runPage(app, '/cookie.html');
      expect(result.error).toBeUndefined();
      expect(result.cookieVisible).toBe(true);
      expect(result.status).toBe(200);
      expect(result.body).toEqual({ method: 'GET', sub: 'alice@example.test', sawToken: false, sawCookie: false });
    } finally {
      await server.stop();
    }
  }, 60_000);
});
