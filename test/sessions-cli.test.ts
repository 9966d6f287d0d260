/**
 * `gatehouse sessions` against running gateways: a session signed in over HTTP shows in
 * `sessions list`, and `sessions revoke` makes every gateway on the same state refuse it within
 * about a second — the trust cookie, and the tokens `/.gatehouse/token` issued from it. Against
 * `state: sqlite:PATH` and (when redis-server is installed; required in CI) `redis://`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, spyOn, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { generateSigningKeyPem } from '../src/auth/tokens/keys.ts';
import { sessionsCommand } from '../src/cli/sessions.ts';
import { Browser } from './support/browser-jar.ts';
import { startGateway, startUpstream, type TestGateway, type TestUpstream } from './support/gateway.ts';
import { runCli, startRun, type Spawned } from './support/process.ts';
import { redisOrSkip, startRedis, type RedisServer } from './support/redis.ts';

setDefaultTimeout(60_000);

const PASSWORD = 'sessions cli test password';
const APP = 'http://app.example.test';
const API = 'http://api.example.test';
/** How long a revocation may take to reach a gateway: the brief's ~1 s, plus scheduling slack. */
const REACH_MS = 1500;

let upstream: TestUpstream;
let hash: string;
beforeAll(async () => {
  upstream = startUpstream();
  hash = await Bun.password.hash(PASSWORD, { algorithm: 'argon2id' });
});
afterAll(() => upstream.stop());

const config = (state: string, head = '') => `${head}watch: false
state: ${state}
authenticate:
  url: http://auth.example.test
  provider: static
  static: { users: [{ email: alice@example.test, password_hash: "${hash}", groups: [dev] }] }
session: { cookie_secure: false, signing_key_file: key.pem }
routes:
  - from: ${APP}
    to: ${upstream.url}
    policy: { allow_any_authenticated_user: true }
    plugins: [{ use: trust-cookie }]
  - from: ${API}
    to: ${upstream.url}
    policy: { allow_any_authenticated_user: true }
    plugins: [{ use: header-jwt }]
`;

/** A browser that dials `origin` for every `*.example.test` host. */
const browserFor = (origin: string) => new Browser((url) => (url.hostname.endsWith('.example.test') ? origin : undefined));

/** Signs alice in on the app host; returns the browser and her session id. */
async function signIn(origin: string): Promise<{ browser: Browser; sid: string }> {
  const browser = browserFor(origin);
  const { response: page, url: at } = await browser.navigate(`${APP}/`);
  expect(at).toStartWith('http://auth.example.test/.gatehouse/sign_in?');
  const { response, url } = await browser.submitForm(at, await page.text(), { email: 'alice@example.test', password: PASSWORD });
  expect({ url, status: response.status }).toEqual({ url: `${APP}/`, status: 200 });
  const cookie = browser.jar.get('_gatehouse', 'app.example.test');
  return { browser, sid: String(decodeJwt(cookie!.value).sid) };
}

/** A script's request to the app with the cookie: 200 while the session lives, 401 after. */
const appStatus = async (browser: Browser) => (await browser.fetch(`${APP}/data`, { navigate: false, headers: { 'sec-fetch-mode': 'cors' } })).status;

/** Polls `status` until it answers 401; the time that took, in ms (fails after REACH_MS). */
async function refusedWithin(status: () => Promise<number>): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < REACH_MS) {
    if ((await status()) === 401) return Date.now() - started;
    await Bun.sleep(25);
  }
  expect(await status()).toBe(401);
  return Date.now() - started;
}

describe('revoking a user refuses their tokens from /.gatehouse/token (in-process gateway, sqlite)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(config('sqlite:state.db'), { files: { 'key.pem': generateSigningKeyPem() } });
  });
  afterAll(() => gw.stop());
  let out: ReturnType<typeof spyOn> | undefined;
  afterEach(() => out?.mockRestore());

  test('sign in, take a token for the header-jwt route, revoke the user: the token and the cookie get 401', async () => {
    const { browser } = await signIn(gw.origin);
    const minted = await browser.fetch(`${APP}/.gatehouse/token?audience=${encodeURIComponent(API)}`, { navigate: false, headers: { 'sec-fetch-site': 'same-origin' } });
    expect(minted.status).toBe(200);
    const { token } = (await minted.json()) as { token: string };
    expect(decodeJwt(token)).toMatchObject({ sub: 'alice@example.test', sid: expect.any(String), aud: API });
    const apiStatus = async () => (await fetch(`${gw.origin}/data`, { headers: { host: 'api.example.test', 'x-gatehouse-authorization': token } })).status;
    expect(await apiStatus()).toBe(200);

    out = spyOn(console, 'log').mockImplementation(() => {});
    expect(await sessionsCommand(['revoke', '--user', 'alice@example.test', '-c', gw.configFile])).toBe(0);
    expect(out.mock.calls.flat().join('\n')).toContain('revoked 1 session of alice@example.test');

    await refusedWithin(apiStatus);
    const refused = await fetch(`${gw.origin}/data`, { headers: { host: 'api.example.test', authorization: `Bearer ${token}` } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toStartWith('Bearer');
    expect(await appStatus(browser)).toBe(401);
  });
});

/** The CLI against a `gatehouse run` process on `state`: list shows the session, revoke ends it within ~1 s. */
function cliAgainstRunningGateway(state: () => string) {
  let gh: Spawned & { url: string };
  let file: string;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-sessions-cli-'));
    file = join(dir, 'gatehouse.yaml');
    writeFileSync(join(dir, 'key.pem'), generateSigningKeyPem());
    writeFileSync(file, config(state(), 'listen: "127.0.0.1:0"\n'));
    gh = await startRun(file, { cwd: dir });
  });
  afterAll(async () => {
    gh?.kill('SIGTERM');
    const timer = setTimeout(() => gh?.kill('SIGKILL'), 10_000);
    await gh?.exited;
    clearTimeout(timer);
  });

  test('sessions list shows a session signed in over HTTP; revoke --session refuses its cookie within ~1 s', async () => {
    const { browser, sid } = await signIn(gh.url);
    const other = await signIn(gh.url);
    expect(await appStatus(browser)).toBe(200);

    const listed = await runCli(['sessions', 'list', '-c', file]);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    const row = listed.stdout.split('\n').find((l) => l.startsWith(sid));
    expect(row).toMatch(/^\S+ +alice@example\.test +static +\d{4}-/);
    expect(listed.stdout).toContain(other.sid);
    const json = await runCli(['sessions', 'list', '--user', 'alice@example.test', '--json', '-c', file]);
    expect((JSON.parse(json.stdout) as { sessions: { sid: string }[] }).sessions.map((s) => s.sid).sort()).toEqual([sid, other.sid].sort());

    const revoked = await runCli(['sessions', 'revoke', '--session', sid, '-c', file]);
    expect({ code: revoked.code, stderr: revoked.stderr }).toEqual({ code: 0, stderr: '' });
    expect(revoked.stdout).toContain(`revoked session ${sid}.`);
    const took = await refusedWithin(() => appStatus(browser));
    if (process.env.SHOW_DETAIL) console.log(`refused ${took} ms after the CLI exited`);
    expect(await appStatus(other.browser)).toBe(200);

    const after = await runCli(['sessions', 'list', '-c', file]);
    expect(after.stdout).not.toContain(sid);
    expect(after.stdout).toContain(other.sid);
  });
}

describe('gatehouse sessions against a running gateway on sqlite:PATH', () => {
  cliAgainstRunningGateway(() => 'sqlite:state.db');
});

const redisBin = redisOrSkip('gatehouse sessions against a gateway on redis://');
(redisBin ? describe : describe.skip)('gatehouse sessions against a running gateway on redis://', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis({ bin: redisBin });
  });
  afterAll(() => redis?.stop());
  cliAgainstRunningGateway(() => `{ url: "${redis.url}/0", prefix: "sessions-cli-${process.pid}:" }`);
});
