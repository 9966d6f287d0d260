/**
 * `preflight` with `allow_methods: ["*"]` / `allow_headers: ["*"]` in real Chromium.
 *
 * - With credentials, a literal `*` means nothing to a browser; Gatehouse names the requested
 *   method and headers back, so a signed-in page on app.example.test can PUT to
 *   api.example.test with the trust cookie and a custom header.
 * - `*` never covers Authorization (Fetch), so the same call with Authorization is blocked.
 * - Without credentials the literal `*` is sent, and a plain fetch with a custom header passes.
 *
 * app / api / open / auth .example.test resolve to 127.0.0.1; the cookie domain covers them all.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser } from 'playwright-core';
import { browserAvailable, launchBrowser, newContext } from './support/browser.ts';
import { startGateway, startUpstream, type TestGateway, type TestUpstream } from './support/gateway.ts';
import { freePort } from './support/process.ts';

// Skips only where Chromium is missing outside CI; under CI=true browserAvailable() throws instead.
const haveBrowser = browserAvailable();
const PASSWORD = 'cors wildcard password';
let browser: Browser | undefined;
let gateway: TestGateway;
let upstream: TestUpstream;
let port = 0;
const o = (name: string) => `http://${name}.example.test:${port}`;

const PAGE = `<!doctype html><meta charset="utf-8"><title>app</title><pre id="out"></pre><script>
const on = (name) => location.origin.replace('//app.', '//' + name + '.');
const call = async (url, init) => {
  try {
    const r = await fetch(url, init);
    return { status: r.status, body: await r.json() };
  } catch (e) {
    return { blocked: String(e) };
  }
};
(async () => {
  const result = {};
  result.credentialed = await call(on('api') + '/data', { method: 'PUT', credentials: 'include', headers: { 'X-Custom': 'yes', 'Content-Type': 'application/json' }, body: '{}' });
  result.authorization = await call(on('api') + '/data', { method: 'PUT', credentials: 'include', headers: { Authorization: 'Bearer x' } });
  result.anonymous = await call(on('open') + '/data', { method: 'PUT', headers: { 'X-Custom': 'yes' } });
  const out = document.getElementById('out');
  out.textContent = JSON.stringify(result);
  out.dataset.done = '1';
})();
</script>`;

beforeAll(async () => {
  if (!haveBrowser) return;
  upstream = startUpstream((request) => {
    if (new URL(request.url).pathname === '/page.html') return new Response(PAGE, { headers: { 'content-type': 'text/html' } });
    const assertion = request.headers.get('x-gatehouse-jwt-assertion');
    const claims = assertion ? JSON.parse(Buffer.from(assertion.split('.')[1]!, 'base64url').toString()) : null;
    return Response.json({
      method: request.method,
      custom: request.headers.get('x-custom'),
      // Gatehouse keeps the cookie from the upstream; the identity shows it was sent.
      sub: claims?.sub ?? null,
    });
  });
  port = freePort();
  const hash = await Bun.password.hash(PASSWORD, { algorithm: 'argon2id' });
  gateway = await startGateway(
    `listen: "127.0.0.1:${port}"
watch: false
authenticate:
  url: ${o('auth')}
  provider: static
  static: { users: [{ email: alice@example.test, password_hash: "${hash}" }] }
session: { cookie_secure: false, cookie_domain: .example.test }
routes:
  - from: http://app.example.test
    to: ${upstream.url}
    policy: { allow_any_authenticated_user: true }
  - from: http://api.example.test
    to: ${upstream.url}
    policy: { allow_any_authenticated_user: true }
    pass_identity_headers: true
    plugins:
      - { use: preflight, allow_origins: ["${o('app')}"], allow_methods: ["*"], allow_headers: ["*"], allow_credentials: true }
      - { use: trust-cookie }
  - from: http://open.example.test
    to: ${upstream.url}
    policy: { public: true }
    plugins:
      - { use: preflight, allow_origins: ["*"], allow_methods: ["*"], allow_headers: ["*"] }
`,
    { listen: `127.0.0.1:${port}` },
  );
  browser = await launchBrowser(['app.example.test', 'api.example.test', 'open.example.test', 'auth.example.test']);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
  await upstream?.stop();
});

test.skipIf(!haveBrowser)('"*" methods and headers: credentialed PUT with a custom header, Authorization held back, anonymous literal *', async () => {
  const context = await newContext(browser!);
  try {
    const tab = await context.newPage();
    await tab.goto(`${o('app')}/page.html`);
    expect(new URL(tab.url()).hostname).toBe('auth.example.test');
    await tab.getByLabel('Email').fill('alice@example.test');
    await tab.getByLabel('Password').fill(PASSWORD);
    await tab.getByRole('button', { name: 'Sign in' }).click();
    await tab.waitForURL(`${o('app')}/page.html`, { timeout: 15_000 });
    await tab.waitForSelector('#out[data-done]', { timeout: 15_000 });
    const result = JSON.parse((await tab.textContent('#out'))!);
    expect(result.credentialed).toEqual({ status: 200, body: { method: 'PUT', custom: 'yes', sub: 'alice@example.test' } });
    expect(result.authorization.blocked).toContain('TypeError');
    expect(result.anonymous).toEqual({ status: 200, body: { method: 'PUT', custom: 'yes', sub: null } });
    // Chromium logs each refusal: only one call (the Authorization one, whose preflight got 403) was refused.
    expect(context.consoleLines.filter((l) => l.includes('CORS policy'))).toEqual([expect.stringContaining('Response to preflight request')]);
  } finally {
    await context.close();
  }
});
