/**
 * The static provider's sign-in page in real Chromium, against a real gateway: accessible names,
 * keyboard order and visible focus, WCAG AA contrast measured from computed styles, landmarks,
 * an announced and associated error, the operator's branding (title, logo, accent colour), the
 * site being signed in to, a strict CSP that admits only the logo's origin, and no script needed.
 * app.example.test / auth.example.test resolve to 127.0.0.1; cdn.example.test is served by the
 * browser context itself (route interception), so the logo needs no TLS server.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { contrastRatio, parseHexColour, type Rgb } from '../src/config/branding.ts';
import { browserAvailable, launchBrowser, newContext } from './support/browser.ts';
import { startGateway, startUpstream, type TestGateway, type TestUpstream } from './support/gateway.ts';
import { freePort } from './support/process.ts';

// Skips only where Chromium is missing outside CI; under CI=true browserAvailable() throws instead.
const haveBrowser = browserAvailable();
const PASSWORD = 'accessible sign-in password';
const ACCENT = '#6a1b9a';
const LOGO = 'https://cdn.example.test/brand/logo.svg';
const LOGO_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48"><rect width="48" height="48" fill="#6a1b9a"/></svg>';
let browser: Browser | undefined;
let gateway: TestGateway;
let upstream: TestUpstream;
let port = 0;
const app = () => `http://app.example.test:${port}`;
const auth = () => `http://auth.example.test:${port}`;

beforeAll(async () => {
  if (!haveBrowser) return;
  upstream = startUpstream(() => new Response('<!doctype html><title>app</title><p id="app">app</p>', { headers: { 'content-type': 'text/html' } }));
  port = freePort();
  const hash = await Bun.password.hash(PASSWORD, { algorithm: 'argon2id' });
  gateway = await startGateway(
    `listen: "127.0.0.1:${port}"
watch: false
authenticate:
  url: ${auth()}
  provider: static
  static: { users: [{ email: alice@example.test, password_hash: "${hash}" }] }
  branding: { title: Acme Intranet, logo_url: "${LOGO}", accent_color: "${ACCENT}" }
session: { cookie_secure: false }
routes:
  - from: http://app.example.test
    to: ${upstream.url}
    policy: { allow_any_authenticated_user: true }
`,
    { listen: `127.0.0.1:${port}` },
  );
  browser = await launchBrowser(['app.example.test', 'auth.example.test']);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
  await upstream?.stop();
});

/** A context whose cdn.example.test answers the logo; every dialog (an alert() from XSS) is recorded. */
async function freshContext(options: { javaScriptEnabled?: boolean } = {}): Promise<BrowserContext & { consoleLines: string[]; dialogs: string[] }> {
  const context = (options.javaScriptEnabled === false ? await browser!.newContext({ javaScriptEnabled: false }) : await newContext(browser!)) as BrowserContext & {
    consoleLines: string[];
    dialogs: string[];
  };
  context.consoleLines ??= [];
  context.dialogs = [];
  context.on('page', (p) => p.on('dialog', (d) => (context.dialogs.push(d.message()), d.dismiss())));
  await context.route('https://cdn.example.test/**', (route) => route.fulfill({ status: 200, contentType: 'image/svg+xml', body: LOGO_SVG }));
  return context;
}

/** Opens a protected app page and lands on the sign-in form. */
async function signInForm(context: BrowserContext, path = '/reports'): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${app()}${path}`);
  expect(new URL(page.url()).host).toBe(`auth.example.test:${port}`);
  return page;
}

const rgb = (css: string): Rgb => {
  const m = /^rgba?\((\d+), (\d+), (\d+)(?:, ([\d.]+))?\)$/.exec(css);
  if (!m) throw new Error(`unexpected colour ${css}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
};

/**
 * Every element that shows text, with its computed colour and the first opaque background
 * behind it (walking up the tree), as getComputedStyle reports them.
 */
async function textColours(page: Page): Promise<{ text: string; colour: string; background: string }[]> {
  return page.evaluate(() => {
    const opaque = (el: Element | null): string => {
      for (let e = el; e; e = e.parentElement) {
        const bg = getComputedStyle(e).backgroundColor;
        if (bg !== 'transparent' && !/rgba\(.*, 0\)$/.test(bg)) return bg;
      }
      return 'rgb(255, 255, 255)';
    };
    const out: { text: string; colour: string; background: string }[] = [];
    for (const el of document.querySelectorAll('main *')) {
      const own = [...el.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim()).map((n) => n.textContent!.trim()).join(' ');
      const shown = own || ((el as HTMLInputElement).type === 'email' ? (el as HTMLInputElement).value : '');
      if (shown) out.push({ text: `${el.tagName.toLowerCase()}: ${shown}`, colour: getComputedStyle(el).color, background: opaque(el) });
    }
    return out;
  });
}

function expectReadable(colours: { text: string; colour: string; background: string }[]): void {
  expect(colours.length).toBeGreaterThan(3);
  const low = colours
    .map((c) => ({ ...c, ratio: Number(contrastRatio(rgb(c.colour), rgb(c.background)).toFixed(2)) }))
    .filter((c) => c.ratio < 4.5);
  expect(low).toEqual([]);
}

const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName.toLowerCase());

describe.skipIf(!haveBrowser)('sign-in page in Chromium', () => {
  test('labels, landmarks, headings, lang, and the site being signed in to', async () => {
    const context = await freshContext();
    try {
      const page = await signInForm(context);
      expect(await page.getAttribute('html', 'lang')).toBe('en');
      expect(await page.getByRole('main').count()).toBe(1);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in');
      expect(await page.getByLabel('Email').getAttribute('type')).toBe('email');
      expect(await page.getByLabel('Password').getAttribute('type')).toBe('password');
      expect(await page.getByRole('button', { name: 'Sign in' }).count()).toBe(1);
      // Every visible form control has an accessible name.
      const unnamed = await page.evaluate(() =>
        [...document.querySelectorAll('input:not([type=hidden]), button')].filter((el) => !(el as HTMLInputElement).labels?.length && !el.textContent?.trim()).length,
      );
      expect(unnamed).toBe(0);
      expect(await page.locator('.site').textContent()).toBe(`to continue to app.example.test:${port}`);
      expect(await page.locator('script').count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  test('keyboard: Tab goes email → password → button, each with a visible focus ring', async () => {
    const context = await freshContext();
    try {
      const page = await signInForm(context);
      expect(await focusedId(page)).toBe('email'); // autofocus
      // Clicking the heading moves the keyboard's starting point to the top of the form.
      await page.getByRole('heading', { level: 1 }).click();
      const order: string[] = [];
      const rings: string[] = [];
      for (let i = 0; i < 3; i++) {
        await page.keyboard.press('Tab');
        order.push(String(await focusedId(page)));
        rings.push(await page.evaluate(() => {
          const s = getComputedStyle(document.activeElement!);
          return `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`;
        }));
      }
      expect(order).toEqual(['email', 'password', 'button']);
      for (const ring of rings) expect(ring).toBe('solid 3px rgb(31, 35, 40)');
      // The ring is near-black on the white card, whatever the accent: 15.8:1.
      expect(contrastRatio([31, 35, 40], [255, 255, 255])).toBeGreaterThan(3);
    } finally {
      await context.close();
    }
  });

  test('every text, the button included, has contrast of at least 4.5:1', async () => {
    const context = await freshContext();
    try {
      const page = await signInForm(context);
      await page.getByLabel('Email').fill('alice@example.test');
      expectReadable(await textColours(page));
    } finally {
      await context.close();
    }
  });

  test('branding: title, a loaded logo with alt text, the accent on the button; CSP admits only the logo origin', async () => {
    const context = await freshContext();
    try {
      const page = context.newPage();
      const tab = await page;
      const response = await tab.goto(`${auth()}/.gatehouse/sign_in?redirect_uri=${encodeURIComponent(`${app()}/x`)}`);
      const csp = response!.headers()['content-security-policy']!;
      expect(csp).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src data: https://cdn.example.test; frame-ancestors 'none'; base-uri 'none'");
      expect(await tab.title()).toBe('Sign in · Acme Intranet');
      expect(await tab.locator('.brand p').textContent()).toBe('Acme Intranet');
      const logo = tab.getByRole('img', { name: 'Acme Intranet logo' });
      expect(await logo.getAttribute('src')).toBe(LOGO);
      await tab.waitForFunction(() => (document.querySelector('.brand img') as HTMLImageElement | null)?.complete === true);
      expect(await logo.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(48);
      const button = await tab.getByRole('button', { name: 'Sign in' }).evaluate((b) => getComputedStyle(b).backgroundColor);
      expect(rgb(button)).toEqual(parseHexColour(ACCENT)!);
      expect(context.consoleLines.filter((l) => l.includes('Content Security Policy'))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('an XSS attempt or a foreign host in the return URL is never rendered', async () => {
    const context = await freshContext();
    try {
      const tab = await context.newPage();
      const attempts = [
        `${app()}/"><script>alert(1)</script><img/src=x/onerror=alert(2)>`,
        'javascript:alert(3)',
        `https://evil.test/"><script>alert(4)</script>`,
        `http://app.example.test:${port}@evil.test/`,
      ];
      for (const attempt of attempts) {
        await tab.goto(`${auth()}/.gatehouse/sign_in?redirect_uri=${encodeURIComponent(attempt)}`);
        expect(await tab.locator('script').count()).toBe(0);
        expect(await tab.locator('main img').count()).toBe(1); // the logo, nothing injected
        const html = await tab.content();
        expect(html).not.toContain('<script>alert');
        expect(html).not.toContain('evil.test');
        const site = tab.locator('.site');
        if (await site.count()) expect(await site.textContent()).toBe(`to continue to app.example.test:${port}`);
      }
      // The path is kept, percent-encoded, in the hidden field; the heading names only the host.
      await tab.goto(`${auth()}/.gatehouse/sign_in?redirect_uri=${encodeURIComponent(attempts[0]!)}`);
      expect(await tab.locator('input[name=redirect_uri]').getAttribute('value')).toBe(`${app()}/%22%3E%3Cscript%3Ealert(1)%3C/script%3E%3Cimg/src=x/onerror=alert(2)%3E`);
      expect(context.dialogs).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('a wrong password: the error is an alert, tied to both fields, focus on the password, still readable', async () => {
    const context = await freshContext();
    try {
      const page = await signInForm(context);
      await page.getByLabel('Email').fill('alice@example.test');
      await page.getByLabel('Password').fill('not the password');
      const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.keyboard.press('Enter')]);
      expect(response.status()).toBe(401);
      await page.waitForLoadState();
      const alert = page.getByRole('alert');
      expect(await alert.textContent()).toBe('Incorrect email or password.');
      const errorId = await alert.getAttribute('id');
      for (const label of ['Email', 'Password']) {
        const field = page.getByLabel(label);
        expect(await field.getAttribute('aria-describedby')).toBe(errorId);
        expect(await field.getAttribute('aria-invalid')).toBe('true');
      }
      expect(await page.getByLabel('Email').inputValue()).toBe('alice@example.test');
      expect(await focusedId(page)).toBe('password');
      // The site is still named after the failed attempt (the return URL came back with the form).
      expect(await page.locator('.site').textContent()).toBe(`to continue to app.example.test:${port}`);
      expectReadable(await textColours(page));
    } finally {
      await context.close();
    }
  });

  test('without JavaScript the form lays out and signs in', async () => {
    const context = await freshContext({ javaScriptEnabled: false });
    try {
      const page = await signInForm(context);
      for (const label of ['Email', 'Password']) {
        const box = await page.getByLabel(label).boundingBox();
        expect(box!.width).toBeGreaterThan(100);
      }
      await page.getByLabel('Email').fill('alice@example.test');
      await page.getByLabel('Password').fill(PASSWORD);
      await Promise.all([page.waitForURL(`${app()}/reports`), page.getByRole('button', { name: 'Sign in' }).click()]);
      expect(await page.locator('#app').textContent()).toBe('app');
    } finally {
      await context.close();
    }
  });
});
