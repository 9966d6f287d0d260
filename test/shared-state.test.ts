/**
 * Issue 13, shared state, end to end with real processes: every Gatehouse below is a separate
 * `bun src/main.ts run` process on 127.0.0.1, all sharing one signing key (key.pem) and one state
 * store, in front of one test upstream, with the static provider.
 *
 * - Two gateways A and B (same config except `listen`) on a real redis-server: a sign-out on A
 *   ends the old cookie on A and on B within a second; a hand-off code redeemed on A is refused
 *   on B; wrong passwords split across A and B are throttled at the configured total.
 * - One gateway with `workers: 2` on `sqlite:PATH`: the same sign-out and one-time-code proofs
 *   between the two workers, each request pinned to a known worker over a keep-alive connection.
 * - Redis stopped mid-run: sign-in answers 503 with Retry-After, a verified session keeps working
 *   for `state.grace`, then gets 503 `state_unavailable`; `/readyz` says not ready; Redis started
 *   again on the same port → sessions and sign-in work again without restarting Gatehouse.
 *
 * The browser is the cookie jar of browser-jar.ts: every `*.example.test` name is dialled at the
 * process the test picks (A or B), the name itself goes in Host.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, CookieJar, decodeEntities } from './support/browser-jar.ts';
import { clusterFolder, PASSWORD, passwordHash, pollUntil, startGatehouse, type GatehouseProcess } from './support/gatehouse-process.ts';
import { startUpstream, type TestUpstream } from './support/gateway.ts';
import { PinnedBrowser, PinnedConnection } from './support/pinned-http.ts';
import { freePort, ROOT } from './support/process.ts';
import { redisOrSkip, startRedis, type RedisServer } from './support/redis.ts';

setDefaultTimeout(60_000);

// Skips loudly where redis-server is missing outside CI; under CI=true this throws instead.
const REDIS_BIN = redisOrSkip('the shared-state tests across gateway processes (test/shared-state.test.ts)');

const APP = 'http://app.example.test';
const AUTH = 'http://auth.example.test';
const WHOAMI = 'http://whoami.example.test';
const COOKIE = '_gatehouse';
/** How long a revocation may take to reach another process (the change feed's ~1 s, plus slack for a loaded CI box). */
const PROPAGATION_MS = 1500;

/** The upstream says which path it saw and for whom (from the identity assertion). */
function upstreamHandler(request: Request): Response {
  const assertion = request.headers.get('x-gatehouse-jwt-assertion');
  const email = assertion ? (JSON.parse(Buffer.from(assertion.split('.')[1]!, 'base64url').toString()) as { email?: string }).email : undefined;
  return Response.json({ path: new URL(request.url).pathname, email });
}

/**
 * The config every process of a test shares (only `listen` differs between A and B). The `app`
 * route needs a signed-in user; `whoami` is public; both stamp the answering pid.
 */
async function gatehouseYaml(options: { port: number; upstream: string; state: string; workers?: number; admin?: number }): Promise<string> {
  const hash = await passwordHash();
  return `listen: "127.0.0.1:${options.port}"
watch: false
workers: ${options.workers ?? 1}
${options.admin ? `admin: { listen: "127.0.0.1:${options.admin}" }\n` : ''}state: ${options.state}
authenticate:
  url: ${AUTH}
  provider: static
  static:
    users:
      - { email: alice@example.test, password_hash: "${hash}", name: Alice, groups: [dev] }
      - { email: bob@example.test, password_hash: "${hash}" }
      - { email: carol@example.test, password_hash: "${hash}" }
session: { cookie_secure: false, signing_key_file: key.pem }
routes:
  - from: ${APP}
    to: ${options.upstream}
    policy: { allow_any_authenticated_user: true }
    pass_identity_headers: true
    plugins: [{ use: ./pid.ts }]
  - from: ${WHOAMI}
    to: ${options.upstream}
    policy: { public: true }
    plugins: [{ use: ./pid.ts }]
`;
}

/** A cookie-jar browser that dials whichever process `target()` names for every `*.example.test`. */
const dialing = (target: () => string) => new Browser((url) => (url.hostname.endsWith('.example.test') ? target() : undefined));

/** The sign-in form's action and hidden fields. */
function formOf(pageUrl: string, html: string): { action: string; fields: URLSearchParams } {
  const form = /<form[^>]*method="post"[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) throw new Error(`no form in page from ${pageUrl}: ${html.slice(0, 300)}`);
  const fields = new URLSearchParams();
  for (const m of form[2]!.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) fields.set(m[1]!, decodeEntities(m[2]!));
  return { action: new URL(decodeEntities(form[1]!), pageUrl).href, fields };
}

/** Navigates to `url` (which must end on the sign-in page), fills it in, follows the redirects. */
async function signIn(browser: Browser, url: string, email = 'alice@example.test', password = PASSWORD): Promise<{ response: Response; url: string }> {
  const { response, url: at } = await browser.navigate(url);
  if (!at.startsWith(`${AUTH}/.gatehouse/sign_in`)) throw new Error(`expected the sign-in page, got ${response.status} ${at}`);
  return browser.submitForm(at, await response.text(), { email, password });
}

/**
 * Signs in for `${APP}/start` but stops before the route host redeems its hand-off code: returns
 * the callback URL (the browser holds the route host's nonce cookie).
 */
async function codeFor(browser: Browser, email = 'alice@example.test'): Promise<string> {
  const { response, url: at } = await browser.navigate(`${APP}/start`);
  if (!at.startsWith(`${AUTH}/.gatehouse/sign_in`)) throw new Error(`expected the sign-in page, got ${response.status} ${at}`);
  const { action, fields } = formOf(at, await response.text());
  fields.set('email', email);
  fields.set('password', PASSWORD);
  let res = await browser.fetch(action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: AUTH, 'sec-fetch-site': 'same-origin' },
    body: fields.toString(),
  });
  let current = action;
  for (let hop = 0; hop < 10; hop++) {
    const location = res.headers.get('location');
    await res.arrayBuffer();
    if (res.status < 300 || res.status >= 400 || !location) break;
    const next = new URL(location, current).href;
    if (next.startsWith(`${APP}/.gatehouse/callback?code=`)) return next;
    current = next;
    res = await browser.fetch(current);
  }
  throw new Error(`no hand-off code: ${browser.history.map((h) => `${h.status} ${h.method} ${h.url}`).join(' -> ')}`);
}

/** The GET confirm page, then its POST (with the CSRF token): the sign-out a user clicks through. */
async function signOut(browser: Browser): Promise<void> {
  const confirm = await browser.navigate(`${APP}/.gatehouse/sign_out?redirect_uri=%2Fbye`);
  expect(confirm.response.status).toBe(200);
  const before = browser.history.length;
  await browser.submitForm(confirm.url, await confirm.response.text(), {});
  const post = browser.history.slice(before).find((h) => h.method === 'POST');
  expect(post).toMatchObject({ url: `${APP}/.gatehouse/sign_out`, status: 303 });
  expect(browser.jar.get(COOKIE, 'app.example.test')).toBeUndefined();
}

/** A script request for the protected app with exactly `cookie` as the session cookie. */
const scriptHeaders = (cookie: string) => ({ host: 'app.example.test', cookie: `${COOKIE}=${cookie}`, accept: 'application/json', 'sec-fetch-mode': 'cors' });

/** The status of a script request to `base` (a process) carrying `cookie`. */
async function statusWith(base: string, cookie: string, path = '/api/me'): Promise<number> {
  const res = await fetch(`${base}${path}`, { headers: scriptHeaders(cookie), redirect: 'manual' });
  await res.arrayBuffer();
  return res.status;
}

/** Polls `probe` until it answers `want`; returns the ms it took (bounded by `ms` and 200 tries). */
async function msUntilStatus(probe: () => Promise<number>, want: number, ms: number): Promise<{ elapsed: number; last: number }> {
  const started = Date.now();
  let last = 0;
  for (let i = 0; i < 200; i++) {
    last = await probe();
    if (last === want || Date.now() - started > ms) break;
    await Bun.sleep(20);
  }
  return { elapsed: Date.now() - started, last };
}

const cleanup: (() => unknown)[] = [];
afterAll(async () => {
  while (cleanup.length) {
    try {
      await cleanup.pop()!();
    } catch (error) {
      console.error('cleanup failed', error);
    }
  }
});

function startTestUpstream(): TestUpstream {
  const upstream = startUpstream(upstreamHandler);
  cleanup.push(() => upstream.stop());
  return upstream;
}

/** A config folder (key.pem, pid.ts), removed after the tests (after the processes using it stopped). */
function folder(): string {
  const dir = clusterFolder();
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function gatehouse(dir: string, name: string, yaml: string, port: number, listening = 1): Promise<GatehouseProcess> {
  const g = await startGatehouse(dir, name, yaml, port, { listening });
  cleanup.push(() => g.stop());
  return g;
}

describe.skipIf(!REDIS_BIN)('two gateway processes on one Redis', () => {
  let redis: RedisServer;
  let A: GatehouseProcess;
  let B: GatehouseProcess;
  beforeAll(async () => {
    redis = await startRedis({ bin: REDIS_BIN });
    cleanup.push(() => redis.stop());
    const upstream = startTestUpstream();
    const dir = folder();
    const state = `redis://127.0.0.1:${redis.port}/0`;
    const [pa, pb] = [freePort(), freePort()];
    [A, B] = await Promise.all([
      gatehouse(dir, 'a.yaml', await gatehouseYaml({ port: pa, upstream: upstream.url, state }), pa),
      gatehouse(dir, 'b.yaml', await gatehouseYaml({ port: pb, upstream: upstream.url, state }), pb),
    ]);
  }, 90_000);

  test('a cookie from A works on B; after sign-out on A the old cookie is refused on A and on B within a second', async () => {
    let target = A.base;
    const browser = dialing(() => target);
    const { response, url } = await signIn(browser, `${APP}/start`);
    expect(url).toBe(`${APP}/start`);
    expect(await response.json()).toEqual({ path: '/start', email: 'alice@example.test' });
    const old = browser.jar.get(COOKIE, 'app.example.test')!.value;

    // Same signing key, same state: the cookie A set is good on B.
    expect(await statusWith(A.base, old)).toBe(200);
    expect(await statusWith(B.base, old)).toBe(200);
    target = B.base;
    const onB = await browser.navigate(`${APP}/from-b`);
    expect(onB.response.status).toBe(200);
    expect(await onB.response.json()).toEqual({ path: '/from-b', email: 'alice@example.test' });

    target = A.base;
    const started = Date.now();
    await signOut(browser);
    // A revoked it itself; B hears of it through the state's change feed.
    expect(await statusWith(A.base, old)).toBe(401);
    const onBAfter = await msUntilStatus(() => statusWith(B.base, old), 401, 5000);
    const elapsed = Date.now() - started;
    expect(onBAfter.last).toBe(401);
    expect(elapsed).toBeLessThan(PROPAGATION_MS);
    // A navigation with the old cookie is sent to sign in again, on both.
    for (const base of [A.base, B.base]) {
      const nav = await fetch(`${base}/page`, { headers: { host: 'app.example.test', cookie: `${COOKIE}=${old}`, accept: 'text/html', 'sec-fetch-mode': 'navigate' }, redirect: 'manual' });
      expect(nav.status).toBe(302);
      expect(nav.headers.get('location')).toStartWith(`${APP}/.gatehouse/sign_in?redirect_uri=`);
    }
    // And it stays refused (the periodic full reload does not resurrect it).
    await Bun.sleep(200);
    expect(await statusWith(B.base, old)).toBe(401);
  });

  test('a hand-off code redeemed on A is refused on B (and the reverse)', async () => {
    for (const [first, second] of [
      [A, B],
      [B, A],
    ] as const) {
      let target = first.base;
      const browser = dialing(() => target);
      const callback = await codeFor(browser);
      const redeemed = await browser.fetch(callback);
      expect(redeemed.status).toBe(302);
      expect(redeemed.headers.get('location')).toBe(`${APP}/start`);
      expect(browser.jar.get(COOKIE, 'app.example.test')).toBeDefined();

      target = second.base;
      const replay = await browser.fetch(callback, { navigate: false });
      expect(replay.status).toBe(400);
      expect(await replay.json()).toMatchObject({ error: 'invalid_handoff', message: 'code already used' });
    }
  });

  test('wrong passwords split across A and B count against one limit (5 per user and address)', async () => {
    const attempt = async (base: string, password: string) => {
      const { response } = await signIn(dialing(() => base), `${APP}/`, 'bob@example.test', password);
      await response.arrayBuffer();
      return response;
    };
    // Per process, each would have seen at most 3 of these.
    for (let i = 1; i <= 5; i++) {
      const res = await attempt(i % 2 ? A.base : B.base, `wrong-${i}`);
      expect({ attempt: i, status: res.status }).toEqual({ attempt: i, status: 401 });
    }
    for (const base of [B.base, A.base]) {
      const res = await attempt(base, PASSWORD);
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });
});

/** `want` keep-alive connections to `port`, each on a different worker process (by the pid the `whoami` route stamps). */
async function connectionsOnDistinctWorkers(port: number, want: number, supervisorPid: number): Promise<{ conn: PinnedConnection; pid: number }[]> {
  const found = new Map<number, PinnedConnection>();
  const extra: PinnedConnection[] = [];
  try {
    for (let i = 0; i < 60 && found.size < want; i++) {
      const conn = await PinnedConnection.open(port);
      const res = await conn.fetch(`${WHOAMI}/`);
      await res.arrayBuffer();
      const pid = Number(res.headers.get('x-worker-pid'));
      expect(res.status).toBe(200);
      expect(pid).not.toBe(supervisorPid);
      if (found.has(pid)) extra.push(conn);
      else found.set(pid, conn);
    }
  } finally {
    for (const c of extra) c.close();
  }
  if (found.size < want) throw new Error(`only ${found.size} distinct worker(s) answered 60 fresh connections`);
  return [...found].map(([pid, conn]) => ({ pid, conn }));
}

/** The pids that answered `n` requests on fresh connections to `port`, and their statuses. */
async function freshConnections(port: number, n: number, cookie: string): Promise<{ pids: Set<number>; statuses: Set<number> }> {
  const pids = new Set<number>();
  const statuses = new Set<number>();
  for (let i = 0; i < n; i++) {
    const res = await fetch(`http://127.0.0.1:${port}/api/me`, { headers: { ...scriptHeaders(cookie), connection: 'close' }, keepalive: false, redirect: 'manual' });
    await res.arrayBuffer();
    pids.add(Number(res.headers.get('x-worker-pid')));
    statuses.add(res.status);
  }
  return { pids, statuses };
}

describe('one process with workers: 2 on sqlite:PATH', () => {
  let G: GatehouseProcess;
  let stateFile: string;
  beforeAll(async () => {
    const upstream = startTestUpstream();
    const dir = folder();
    stateFile = join(dir, 'state', 'gatehouse.db');
    const port = freePort();
    G = await gatehouse(dir, 'workers.yaml', await gatehouseYaml({ port, upstream: upstream.url, state: `sqlite:${stateFile}`, workers: 2 }), port, 2);
  }, 90_000);

  test('sign-out on one worker: the old cookie is refused by the other worker within a second', async () => {
    const [x, y] = await connectionsOnDistinctWorkers(G.port, 2, G.proc.pid);
    try {
      const jar = new CookieJar();
      const onX = new PinnedBrowser(x!.conn, jar);
      const { response, url } = await signIn(onX, `${APP}/start`);
      expect(url).toBe(`${APP}/start`);
      expect(response.headers.get('x-worker-pid')).toBe(String(x!.pid));
      await response.arrayBuffer();
      const old = jar.get(COOKIE, 'app.example.test')!.value;

      const probe = async (conn: PinnedConnection, pid: number) => {
        const res = await conn.fetch(`${APP}/api/me`, { headers: scriptHeaders(old) });
        await res.arrayBuffer();
        expect(res.headers.get('x-worker-pid')).toBe(String(pid));
        return res.status;
      };
      expect(await probe(x!.conn, x!.pid)).toBe(200);
      expect(await probe(y!.conn, y!.pid)).toBe(200);

      const started = Date.now();
      await signOut(onX);
      expect(await probe(x!.conn, x!.pid)).toBe(401);
      const onY = await msUntilStatus(() => probe(y!.conn, y!.pid), 401, 5000);
      const elapsed = Date.now() - started;
      expect(onY.last).toBe(401);
      expect(elapsed).toBeLessThan(PROPAGATION_MS);

      // Fresh connections land on either worker; every one refuses the old cookie.
      const spread = await freshConnections(G.port, 40, old);
      expect(spread.statuses).toEqual(new Set([401]));
      expect(spread.pids).toEqual(new Set([x!.pid, y!.pid]));
    } finally {
      x!.conn.close();
      y!.conn.close();
    }
  });

  test('a hand-off code redeemed on one worker is refused on the other (both ways)', async () => {
    const [x, y] = await connectionsOnDistinctWorkers(G.port, 2, G.proc.pid);
    try {
      for (const [first, second] of [
        [x!, y!],
        [y!, x!],
      ] as const) {
        const jar = new CookieJar();
        const callback = await codeFor(new PinnedBrowser(first.conn, jar));
        const redeemed = await new PinnedBrowser(first.conn, jar).fetch(callback);
        expect(redeemed.status).toBe(302);
        expect(redeemed.headers.get('location')).toBe(`${APP}/start`);
        await redeemed.arrayBuffer();
        expect(jar.get(COOKIE, 'app.example.test')).toBeDefined();

        const replay = await new PinnedBrowser(second.conn, jar).fetch(callback, { navigate: false });
        expect(replay.status).toBe(400);
        expect(await replay.json()).toMatchObject({ error: 'invalid_handoff', message: 'code already used' });
      }
    } finally {
      x!.conn.close();
      y!.conn.close();
    }
  });

  test('the state lives in the configured SQLite file', async () => {
    expect(Bun.file(stateFile).size).toBeGreaterThan(0);
  });
});

/** Whether the admin `/readyz` asks the shared state (issue 13); the assertions on it wait for that. */
const READYZ_CHECKS_STATE = (() => {
  const admin = readFileSync(join(ROOT, 'src', 'server', 'admin-server.ts'), 'utf8');
  const server = readFileSync(join(ROOT, 'src', 'server', 'server.ts'), 'utf8');
  return admin.includes('admin.checks') && /checks\.set\(\s*['"]state['"]/.test(server);
})();
if (!READYZ_CHECKS_STATE) console.warn('\n!!!!!!!! SKIPPED: the admin /readyz does not check the shared state yet (src/server/admin-server.ts); its assertions in test/shared-state.test.ts are skipped !!!!!!!!\n');

describe.skipIf(!REDIS_BIN)('Redis stopped mid-run, then started again', () => {
  test('sign-in 503 + Retry-After; a verified session keeps working for the grace, then 503 state_unavailable; all back once Redis is', async () => {
    const redis = await startRedis({ bin: REDIS_BIN });
    cleanup.push(() => redis.stop());
    const upstream = startTestUpstream();
    const dir = folder();
    const port = freePort();
    const admin = freePort();
    const GRACE_MS = 2000;
    const G = await gatehouse(
      dir,
      'outage.yaml',
      await gatehouseYaml({ port, upstream: upstream.url, state: `{ url: "redis://127.0.0.1:${redis.port}/0", grace: 2s }`, admin }),
      port,
    );
    const readyz = async () => {
      const res = await fetch(`http://127.0.0.1:${admin}/readyz`);
      return { status: res.status, body: (await res.json()) as { ready: boolean; checks?: Record<string, boolean> } };
    };
    const session = async (cookie: string) => {
      const res = await fetch(`${G.base}/api/me`, { headers: scriptHeaders(cookie), redirect: 'manual' });
      return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown> };
    };

    // Signed in while Redis is up.
    const browser = dialing(() => G.base);
    expect((await signIn(browser, `${APP}/start`)).response.status).toBe(200);
    const cookie = browser.jar.get(COOKIE, 'app.example.test')!.value;
    expect((await session(cookie)).status).toBe(200);
    if (READYZ_CHECKS_STATE) expect(await readyz()).toMatchObject({ status: 200, body: { ready: true, checks: { state: true } } });

    // A second browser has the sign-in form in hand when Redis goes away.
    const late = dialing(() => G.base);
    const page = await late.navigate(`${APP}/late`);
    expect(page.url).toStartWith(`${AUTH}/.gatehouse/sign_in`);
    const form = formOf(page.url, await page.response.text());
    form.fields.set('email', 'carol@example.test');
    form.fields.set('password', PASSWORD);
    const postForm = () =>
      late.fetch(form.action, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: AUTH, 'sec-fetch-site': 'same-origin' },
        body: form.fields.toString(),
      });

    const stoppedAt = Date.now();
    await redis.stop();

    // Sign-in needs the state (throttle counters, session record): 503 with Retry-After.
    const refused = await postForm();
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ error: 'state_unavailable' });
    const refusedAt = Date.now() - stoppedAt;

    // The already verified session keeps working through the grace, then fails closed.
    const seen: { at: number; status: number }[] = [];
    let closed: Awaited<ReturnType<typeof session>> | undefined;
    for (let i = 0; i < 200 && Date.now() - stoppedAt < 10_000; i++) {
      const s = await session(cookie);
      seen.push({ at: Date.now() - stoppedAt, status: s.status });
      if (s.status !== 200) {
        closed = s;
        break;
      }
      await Bun.sleep(100);
    }
    const log = JSON.stringify({ refusedAt, seen });
    // Answered 200 after the sign-in was refused, i.e. while the gateway could not reach the state.
    expect(seen.filter((s) => s.status === 200 && s.at >= refusedAt).length, log).toBeGreaterThan(0);
    expect(closed, log).toBeDefined();
    expect(closed!.status, log).toBe(503);
    expect(closed!.body, log).toMatchObject({ error: 'state_unavailable' });
    expect(Number(closed!.retryAfter)).toBeGreaterThan(0);
    const closedAt = seen.at(-1)!.at;
    // Not before the grace; within grace + health check interval (1 s) + ping timeout (1 s) + slack.
    expect(closedAt, log).toBeGreaterThanOrEqual(GRACE_MS);
    expect(closedAt, log).toBeLessThan(GRACE_MS + 4000);
    // A public route does not need the state.
    const pub = await fetch(`${G.base}/`, { headers: { host: 'whoami.example.test' } });
    expect(pub.status).toBe(200);

    if (READYZ_CHECKS_STATE) {
      const down = await pollUntil(async () => {
        const r = await readyz();
        return r.status === 503 ? r : undefined;
      }, { ms: 5000, every: 100, what: '/readyz to report the state down' });
      expect(down.body).toMatchObject({ ready: false, checks: { state: false } });
    }

    // Redis back on the same port: no restart of Gatehouse needed.
    await redis.start();
    const back = await pollUntil(async () => {
      const s = await session(cookie);
      return s.status === 200 ? s : undefined;
    }, { ms: 15_000, every: 100, what: 'the session to work again after Redis restarted' });
    expect(back.body).toEqual({ path: '/api/me', email: 'alice@example.test' });
    const signedIn = await pollUntil(async () => {
      const fresh = dialing(() => G.base);
      const { response, url } = await signIn(fresh, `${APP}/again`, 'carol@example.test');
      return response.status === 200 && url === `${APP}/again` ? ((await response.json()) as unknown) : undefined;
    }, { ms: 15_000, every: 200, max: 30, what: 'a sign-in to succeed again after Redis restarted' });
    expect(signedIn).toEqual({ path: '/again', email: 'carol@example.test' });
    if (READYZ_CHECKS_STATE) {
      await pollUntil(async () => ((await readyz()).status === 200 ? true : undefined), { ms: 5000, every: 100, what: '/readyz to report ready again' });
    }
    // Still the same process, never restarted.
    expect(G.proc.exitCode).toBeNull();
    expect(G.logs().filter((l) => l.msg === 'gatehouse listening')).toHaveLength(1);
  }, 90_000);
});
