/**
 * Issue 3 in real Chromium: sign in once with the static provider on app.example.test, then open
 * a protected page on other.example.test (no shared cookie domain) and get there through the
 * per-host hand-off, with no second password prompt.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser } from 'playwright-core';
import { browserAvailable, launchBrowser, newContext } from './support/browser.ts';
import { startGateway, startUpstream, type TestGateway, type TestUpstream } from './support/gateway.ts';
import { freePort } from './support/process.ts';

// Skips only where Chromium is missing outside CI; under CI=true browserAvailable() throws instead.
const haveBrowser = browserAvailable();
const PASSWORD = 'chromium sign-in password';
let browser: Browser | undefined;
let gateway: TestGateway;
let upstream: TestUpstream;
let port = 0;

beforeAll(async () => {
  if (!haveBrowser) return;
  upstream = startUpstream((request) => {
    const email = JSON.parse(atob(request.headers.get('x-gatehouse-jwt-assertion')!.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))).email;
    return new Response(`<!doctype html><title>${new URL(request.url).pathname}</title><p id="who">${email}</p>`, { headers: { 'content-type': 'text/html' } });
  });
  // The sign-in host's URL must carry the port the browser uses, so pick it before writing the config.
  port = freePort();
  const hash = await Bun.password.hash(PASSWORD, { algorithm: 'argon2id' });
  gateway = await startGateway(
    `listen: "127.0.0.1:${port}"
watch: false
authenticate:
  url: http://auth.example.test:${port}
  provider: static
  static:
    users: [{ email: alice@example.test, password_hash: "${hash}", groups: [dev] }]
session: { cookie_secure: false }
routes:
  - from: http://app.example.test
    to: ${upstream.url}
    policy: { allow_any_authenticated_user: true }
    pass_identity_headers: true
  - from: http://other.example.test
    to: ${upstream.url}
    policy: { allow: { groups: [dev] } }
    pass_identity_headers: true
`,
    { listen: `127.0.0.1:${port}` },
  );
  browser = await launchBrowser(['app.example.test', 'other.example.test', 'auth.example.test']);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
  await upstream?.stop();
});

test.skipIf(!haveBrowser)('one password prompt covers a second host through the hand-off', async () => {
  const context = await newContext(browser!);
  const page = await context.newPage();
  await page.goto(`http://app.example.test:${port}/first`);
  expect(new URL(page.url()).host).toBe(`auth.example.test:${port}`);
  await page.fill('#email', 'alice@example.test');
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL(`http://app.example.test:${port}/first`), page.click('button[type=submit]')]);
  expect(await page.textContent('#who')).toBe('alice@example.test');

  // Redirects through the sign-in host are expected; a page committed there (the form) is not.
  const committed: string[] = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) committed.push(frame.url());
  });
  await page.goto(`http://other.example.test:${port}/second`);
  await page.waitForURL(`http://other.example.test:${port}/second`);
  expect(await page.textContent('#who')).toBe('alice@example.test');
  expect(committed.filter((u) => new URL(u).hostname === 'auth.example.test')).toEqual([]);
  expect(committed.length).toBeGreaterThan(0);
  // The second host now has its own cookie: a reload does not leave the host.
  await page.reload();
  expect(page.url()).toBe(`http://other.example.test:${port}/second`);
  await context.close();
});
