/**
 * Gatehouse's own sign-in endpoints against hostile clients (issue 11): bursts and lockouts of
 * the password form, oversized bodies, sign-out from another site, silent hand-offs started by
 * another site, and return URLs on other ports of a route host.
 */
import { afterAll, afterEach, beforeAll, describe, expect, spyOn, test } from 'bun:test';
import * as v from 'valibot';
import { configSchema } from '../src/config/schema.ts';
import { generateSigningKeyPem } from '../src/auth/tokens/keys.ts';
import { createAuthRuntime, type AuthRuntimeOptions } from '../src/auth/runtime.ts';
import { memoryLogger } from './support/memory-logger.ts';
import { startAuthServer, startStaticSignIn, type StaticSignIn } from './support/auth-server.ts';
import { Browser, decodeEntities } from './support/browser-jar.ts';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const field = (html: string, name: string) => decodeEntities(new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '');
const errorText = (html: string) => decodeEntities(/<p class="error"[^>]*>([^<]*)</.exec(html)?.[1] ?? '');

let fx: StaticSignIn;
let AUTH: string, APP: string, API: string;
beforeAll(async () => {
  fx = await startStaticSignIn({ perUser: 5 });
  ({ AUTH, APP, API } = fx);
});
afterAll(() => fx.server.stop());
const sessionCookie = (browser: Browser, host: string) => browser.jar.get('_gatehouse', host);

/** Counts argon2 checks, and the most that ran at once, while the test runs. */
function watchPasswordChecks() {
  const original = Bun.password.verify.bind(Bun.password);
  const seen = { calls: 0, running: 0, most: 0 };
  const spy = spyOn(Bun.password, 'verify').mockImplementation(async (...args: Parameters<typeof Bun.password.verify>) => {
    seen.calls++;
    seen.most = Math.max(seen.most, ++seen.running);
    try {
      return await original(...args);
    } finally {
      seen.running--;
    }
  });
  return { seen, restore: () => spy.mockRestore() };
}
let watch: ReturnType<typeof watchPasswordChecks> | undefined;
afterEach(() => {
  watch?.restore();
  watch = undefined;
});

/**
 * A static-provider runtime called directly, so each attempt can come from a chosen client
 * address. `attempt(ip, email, password)` posts the sign-in form with a valid CSRF token.
 */
async function directSignIn(options: Partial<AuthRuntimeOptions> = {}) {
  const ORIGIN = 'https://auth.example.test';
  const password = 'the right password';
  const hash = await Bun.password.hash(password, { algorithm: 'argon2id' });
  const config = v.parse(configSchema, {
    authenticate: { url: ORIGIN, provider: 'static', static: { users: [{ email: 'alice@example.test', password_hash: hash, groups: [] }] } },
    session: { signing_key: generateSigningKeyPem() },
    routes: [{ from: 'https://app.example.test', to: 'http://127.0.0.1:1', policy: { allow_any_authenticated_user: true } }],
  });
  const runtime = await createAuthRuntime(config, { log: memoryLogger(), routeOrigins: ['https://app.example.test'], ...options });
  let n = 0;
  const call = async (url: string, init: RequestInit, clientIp: string) =>
    (await runtime.handle(new Request(url, init), { requestId: `r${++n}`, clientIp, url: new URL(url) }))!;
  const page = await call(`${ORIGIN}/.gatehouse/sign_in`, {}, '192.0.2.1');
  const cookie = page.headers.getSetCookie()[0]!.split(';')[0]!;
  const csrf = field(await page.text(), 'csrf');
  const attempt = (ip: string, email: string, pw: string) =>
    call(
      `${ORIGIN}/.gatehouse/sign_in`,
      {
        method: 'POST',
        headers: { ...FORM, cookie, origin: ORIGIN, 'sec-fetch-site': 'same-origin' },
        body: new URLSearchParams({ csrf, email, password: pw, redirect_uri: '/' }).toString(),
      },
      ip,
    );
  return { attempt, password };
}

describe('password guessing', () => {
  test('11 wrong passwords sent at once: only the per-(user, address) limit of them is checked', async () => {
    const browser = new Browser();
    const { response, url } = await browser.navigate(`${APP}/`);
    const html = await response.text();
    watch = watchPasswordChecks();
    const responses = await Promise.all(
      Array.from({ length: 11 }, (_, i) =>
        browser.fetch(`${AUTH}/.gatehouse/sign_in`, {
          method: 'POST',
          headers: { ...FORM, origin: AUTH, 'sec-fetch-site': 'same-origin' },
          body: new URLSearchParams({ csrf: field(html, 'csrf'), redirect_uri: field(html, 'redirect_uri'), email: 'bob@example.test', password: `wrong${i}` }).toString(),
        }),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(5).fill(401), ...Array(6).fill(429)]);
    expect(watch.seen.calls).toBe(5);
    expect(url).toStartWith(AUTH);
  });

  test('after a burst of wrong passwords from one address, the right one from another works', async () => {
    const { attempt, password } = await directSignIn();
    watch = watchPasswordChecks();
    const burst = await Promise.all(Array.from({ length: 11 }, (_, i) => attempt('198.51.100.1', 'alice@example.test', `wrong${i}`)));
    expect(burst.filter((r) => r.status === 401)).toHaveLength(5);
    expect(watch.seen.calls).toBe(5);
    const ok = await attempt('203.0.113.7', 'alice@example.test', password);
    expect(ok.status).toBe(303);
    expect(ok.headers.getSetCookie().some((c) => c.startsWith('_gatehouse='))).toBe(true);
    // Guesses from yet another address are slowed down by seconds, not locked out for minutes.
    const slowed = await attempt('203.0.113.8', 'alice@example.test', 'wrong again');
    expect(slowed.status).toBe(429);
    const retryAfter = Number(slowed.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect(errorText(await slowed.text())).toMatch(/Try again in \d+ seconds?\./);
  });

  test('password checks run about one per core; the rest wait their turn', async () => {
    // A long wait allowance: this is about how many run at once, not how fast a loaded machine is.
    const cores = navigator.hardwareConcurrency;
    const { attempt } = await directSignIn({ throttle: { perIp: 100 }, passwordChecks: { concurrency: cores, maxQueue: 32, maxWaitMs: 60_000 } });
    watch = watchPasswordChecks();
    const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => attempt('198.51.100.2', `user${i}@example.test`, 'guess')));
    expect(responses.map((r) => r.status)).toEqual(Array(12).fill(401));
    expect(watch.seen.calls).toBe(12);
    expect(watch.seen.most).toBeLessThanOrEqual(cores);
  }, 60_000);

  test('when the queue is full, the attempt gets 429 with Retry-After and is not counted', async () => {
    const { attempt, password } = await directSignIn({ passwordChecks: { concurrency: 1, maxQueue: 1, maxWaitMs: 5000 }, throttle: { perIp: 100, perUser: 3 } });
    watch = watchPasswordChecks();
    const responses = await Promise.all(Array.from({ length: 3 }, () => attempt('198.51.100.3', 'alice@example.test', 'guess')));
    expect(responses.map((r) => r.status).sort()).toEqual([401, 401, 429]);
    const busy = responses.find((r) => r.status === 429)!;
    expect(busy.headers.get('retry-after')).toBe('1');
    expect(watch.seen.calls).toBe(2);
    // Two failures used two of the three slots; the busy refusal gave its slot back.
    expect((await attempt('198.51.100.3', 'alice@example.test', password)).status).toBe(303);
  });
});

describe('request bodies', () => {
  /** A chunked body of `total` bytes that records how much of it was pulled. */
  function hugeBody(total: number) {
    const chunk = new TextEncoder().encode('a='.padEnd(64 * 1024, 'x'));
    const state = { pulled: 0 };
    const body = new ReadableStream<Uint8Array>(
      {
        pull(c) {
          if (state.pulled >= total) return c.close();
          state.pulled += chunk.byteLength;
          c.enqueue(chunk);
        },
      },
      { highWaterMark: 0 },
    );
    return { body, state };
  }

  for (const [name, url] of [
    ['the sign-in form', () => `${AUTH}/.gatehouse/sign_in`],
    ['the sign-out form', () => `${APP}/.gatehouse/sign_out`],
  ] as const) {
    test(`a chunked 150 MiB POST to ${name} gets 413 after reading little of it`, async () => {
      const { body, state } = hugeBody(150 * 1024 * 1024);
      const started = performance.now();
      const res = await fetch(url(), { method: 'POST', headers: FORM, body, redirect: 'manual' });
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ error: 'payload_too_large', request_id: expect.any(String) });
      expect(performance.now() - started).toBeLessThan(5000);
      await Bun.sleep(100);
      expect(state.pulled).toBeLessThan(8 * 1024 * 1024);
    });
  }

  /** Sends only a request head and resolves with the head of the answer (or 'timeout'). */
  async function headOnly(head: string): Promise<string> {
    let received = '';
    let done!: (s: string) => void;
    const answered = new Promise<string>((r) => (done = r));
    const socket = await Bun.connect({
      hostname: '127.0.0.1',
      port: fx.server.port,
      socket: {
        data(_s, data) {
          received += Buffer.from(data).toString('latin1');
          if (received.includes('\r\n\r\n')) done(received.split('\r\n\r\n')[0]!);
        },
        close: () => done(received),
      },
    });
    socket.write(head);
    const timer = setTimeout(() => done('timeout'), 3000);
    const answer = await answered;
    clearTimeout(timer);
    socket.end();
    return answer;
  }

  test('a Content-Length over 16 KiB gets 413 before any of the body is sent', async () => {
    const host = new URL(AUTH).host;
    // 10 MiB: under Bun's own limit, so the answer must come from Gatehouse (it sets X-Request-Id).
    for (const path of ['/.gatehouse/sign_in', '/.gatehouse/sign_out', '/.gatehouse/user']) {
      const head = await headOnly(`POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n`);
      expect(head).toStartWith('HTTP/1.1 413 ');
      expect(head.toLowerCase()).toContain('x-request-id: req-');
    }
  });

  test('a form of exactly 16 KiB is still read', async () => {
    const body = `email=a%40b.test&password=x&pad=${'x'.repeat(16 * 1024 - 32)}`;
    expect(body.length).toBe(16 * 1024);
    const res = await fetch(`${AUTH}/.gatehouse/sign_in`, { method: 'POST', headers: FORM, body, redirect: 'manual' });
    expect(res.status).toBe(403); // read, then refused for its missing CSRF token
  });
});

describe('sign-out', () => {
  test('a GET from another site does not sign out; the confirmation POST does, on both hosts', async () => {
    const browser = new Browser();
    await fx.signIn(browser, `${APP}/`);
    const page = await browser.fetch(`${APP}/.gatehouse/sign_out?redirect_uri=%2Fbye`, { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toStartWith('text/html');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.getSetCookie().some((c) => c.startsWith('_gatehouse='))).toBe(false);
    expect(sessionCookie(browser, 'app.localhost')).toBeDefined();
    expect((await browser.fetch(`${APP}/`, { navigate: false })).status).toBe(200);

    const html = await page.text();
    const { url } = await browser.submitForm(`${APP}/.gatehouse/sign_out`, html, {});
    expect(sessionCookie(browser, 'app.localhost')).toBeUndefined();
    expect(sessionCookie(browser, 'auth.localhost')).toBeUndefined();
    // No second click on the sign-in host: the hop token let it clear its own cookie.
    expect(browser.history.filter((h) => h.url.startsWith(`${AUTH}/.gatehouse/sign_out`)).map((h) => h.status)).toEqual([303]);
    expect(url).toStartWith(`${AUTH}/.gatehouse/sign_in?redirect_uri=${encodeURIComponent(`${APP}/bye`)}`);
  });

  test('a POST without the token, with a forged one, or from another site is refused', async () => {
    const browser = new Browser();
    await fx.signIn(browser, `${APP}/`);
    const html = await (await browser.fetch(`${APP}/.gatehouse/sign_out`)).text();
    const post = (csrf: string | undefined, headers: Record<string, string> = {}) =>
      browser.fetch(`${APP}/.gatehouse/sign_out`, {
        method: 'POST',
        headers: { ...FORM, ...headers },
        body: new URLSearchParams(csrf === undefined ? { redirect_uri: '/' } : { csrf, redirect_uri: '/' }).toString(),
      });
    expect((await post(undefined)).status).toBe(403);
    expect((await post('A'.repeat(43))).status).toBe(403);
    // The sign-in form's token is not a sign-out token.
    const signInPage = await (await browser.fetch(`${AUTH}/.gatehouse/sign_in`)).text();
    expect((await post(field(signInPage, 'csrf'))).status).toBe(403);
    expect((await post(field(html, 'csrf'), { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await post(field(html, 'csrf'), { origin: 'http://evil.localhost' })).status).toBe(403);
    expect(sessionCookie(browser, 'app.localhost')).toBeDefined();
    expect((await post(field(html, 'csrf'), { origin: APP, 'sec-fetch-site': 'same-origin' })).status).toBe(303);
    expect(sessionCookie(browser, 'app.localhost')).toBeUndefined();
  });

  test("a hop token only signs out its own session on the sign-in host", async () => {
    const attacker = new Browser();
    await fx.signIn(attacker, `${APP}/`);
    const html = await (await attacker.fetch(`${APP}/.gatehouse/sign_out`)).text();
    const out = await attacker.fetch(`${APP}/.gatehouse/sign_out`, {
      method: 'POST',
      headers: { ...FORM, origin: APP },
      body: new URLSearchParams({ csrf: field(html, 'csrf'), redirect_uri: `${APP}/` }).toString(),
    });
    const hop = out.headers.get('location')!;
    expect(hop).toStartWith(`${AUTH}/.gatehouse/sign_out?`);
    expect(new URL(hop).searchParams.get('token')).toBeString();

    const victim = new Browser();
    await fx.signIn(victim, `${APP}/`);
    const res = await victim.fetch(hop, { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(res.status).toBe(200);
    expect(sessionCookie(victim, 'auth.localhost')).toBeDefined();
    // The attacker's own browser is signed out by it.
    expect((await attacker.fetch(hop)).status).toBe(303);
    expect(sessionCookie(attacker, 'auth.localhost')).toBeUndefined();
  });
});

describe('hand-off to a route host', () => {
  /** A browser signed in on the sign-in host, and the URL API sends it to for a code. */
  async function handoffUrl() {
    const browser = new Browser();
    await fx.signIn(browser, `${APP}/`);
    const res = await browser.fetch(`${API}/.gatehouse/sign_in?redirect_uri=%2Fdata`);
    const location = res.headers.get('location')!;
    expect(new URL(location).searchParams.get('handoff')).toMatch(/^[\w-]{43}$/);
    return { browser, location };
  }

  test('a navigation started by another site gets "Continue to …?", not a code', async () => {
    const { browser, location } = await handoffUrl();
    const res = await browser.fetch(location, { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    const html = await res.text();
    expect(html).toContain(`Continue to ${new URL(API).host}?`);
    expect(res.headers.get('x-frame-options')).toBe('DENY');

    // The button repeats the request with a confirm token; that issues the code.
    const form = new URL(`${AUTH}/.gatehouse/sign_in`);
    for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) form.searchParams.set(m[1]!, decodeEntities(m[2]!));
    expect(form.searchParams.get('confirm')).toBeString();
    const forged = new URL(form);
    forged.searchParams.set('confirm', 'A'.repeat(43));
    expect((await browser.fetch(forged.href, { headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(200);
    const confirmed = await browser.fetch(form.href, { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(confirmed.status).toBe(302);
    expect(confirmed.headers.get('location')).toStartWith(`${API}/.gatehouse/callback?code=`);
    const done = await browser.navigate(confirmed.headers.get('location')!);
    expect(done.url).toBe(`${API}/data`);
    expect(done.response.status).toBe(200);
  });

  test('the "Continue" page echoes only the checked redirect_uri and handoff: no markup from the link', async () => {
    const { browser, location } = await handoffUrl();
    const hostile = new URL(location);
    hostile.searchParams.set('"><meta http-equiv="refresh" content="0;url=http://evil.localhost/phish"><x y="', '1');
    hostile.searchParams.set('formaction', 'http://evil.localhost/');
    const res = await browser.fetch(hostile.href, { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).not.toContain('evil.localhost');
    expect(html).not.toContain('<meta http-equiv="refresh"');
    const names = [...html.matchAll(/<input type="hidden" name="([^"]+)"/g)].map((m) => m[1]).sort();
    expect(names).toEqual(['confirm', 'handoff', 'redirect_uri']);
  });

  test('same-site, typed (none) and header-less navigations continue silently', async () => {
    for (const site of ['same-site', 'same-origin', 'none', undefined]) {
      const { browser, location } = await handoffUrl();
      const res = await browser.fetch(location, { headers: site ? { 'sec-fetch-site': site } : {} });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toStartWith(`${API}/.gatehouse/callback?code=`);
    }
  });
});

describe('return URLs on other ports', () => {
  test('a route without a port covers the default port and the port Gatehouse was reached on, not others', async () => {
    const server = await startAuthServer(async (port) => ({
      authenticate: {
        url: `http://auth.localhost:${port}`,
        provider: 'static',
        static: { users: [{ email: 'a@example.test', password_hash: await Bun.password.hash('x', { algorithm: 'argon2id' }), groups: [] }] },
      },
      session: { cookie_secure: false },
      routes: [{ from: 'http://app.localhost', to: 'http://127.0.0.1:1', policy: { allow_any_authenticated_user: true } }],
    }));
    try {
      const auth = server.origin('auth');
      const kept = async (target: string) => {
        const res = await fetch(`${auth}/.gatehouse/sign_in?redirect_uri=${encodeURIComponent(target)}`);
        return field(await res.text(), 'redirect_uri') === target;
      };
      expect(await kept(`http://app.localhost:${server.port}/x`)).toBe(true);
      expect(await kept('http://app.localhost/x')).toBe(true);
      expect(await kept(`http://app.localhost:${server.port === 65535 ? 1 : server.port + 1}/x`)).toBe(false);
      expect(await kept('http://app.localhost:22/x')).toBe(false);
    } finally {
      await server.stop();
    }
  });
});
