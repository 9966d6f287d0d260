/**
 * The refusals issue 3's security tests ask for, over real HTTP: hand-off codes that are
 * replayed, expired, for another host or planted in another browser; trust cookies re-signed
 * with HS256 using the public key, past `exp`, `alg: none`, tampered, or from an unknown key.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createPublicKey } from 'node:crypto';
import { base64url, SignJWT } from 'jose';
import { createHandoff, hashNonce } from '../src/auth/session/handoff.ts';
import { generateSigningKeyPem, loadKeySet } from '../src/auth/tokens/keys.ts';
import { createOwnTokens, TokenType } from '../src/auth/tokens/own-tokens.ts';
import { startStaticSignIn, type StaticSignIn } from './support/auth-server.ts';
import { Browser, decodeEntities } from './support/browser-jar.ts';

let fx: StaticSignIn;
let AUTH: string, APP: string, API: string;
let PASSWORD: string;
let server: StaticSignIn['server'];
beforeAll(async () => {
  fx = await startStaticSignIn();
  ({ AUTH, APP, API, PASSWORD, server } = fx);
});
afterAll(() => fx.server.stop());
const signIn = (browser: Browser, url: string) => fx.signIn(browser, url);
const sessionCookie = (browser: Browser, host: string) => browser.jar.get('_gatehouse', host);

describe('hand-off codes', () => {
  /** Runs a sign-in for `APP` and returns the browser plus the callback URL it used. */
  async function handedOff() {
    const browser = new Browser();
    await signIn(browser, `${APP}/start`);
    const callback = browser.history.find((h) => h.url.startsWith(`${APP}/.gatehouse/callback?code=`))!.url;
    return { browser, callback };
  }

  test('a replayed code is refused', async () => {
    const { browser, callback } = await handedOff();
    const replay = await browser.fetch(callback);
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: 'invalid_handoff', message: 'code already used' });
  });

  test('a code used in another browser (without the nonce cookie) is refused', async () => {
    // The attacker signs in but stops before using the code, then plants it on a victim.
    const attacker = new Browser();
    const { response, url } = await attacker.navigate(`${APP}/`);
    const form = await attacker.fetch(`${AUTH}/.gatehouse/sign_in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: AUTH },
      body: new URLSearchParams({
        email: 'alice@example.test',
        password: PASSWORD,
        csrf: decodeEntities(/name="csrf" value="([^"]+)"/.exec(await response.text())![1]!),
        redirect_uri: new URL(url).searchParams.get('redirect_uri')!,
        handoff: new URL(url).searchParams.get('handoff')!,
      }).toString(),
    });
    const callback = form.headers.get('location')!;
    expect(callback).toStartWith(`${APP}/.gatehouse/callback?code=`);
    const victim = new Browser();
    await victim.navigate(`${APP}/`); // the victim's own nonce cookie
    const res = await victim.fetch(callback);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_handoff', message: 'code was not requested by this browser' });
    expect(sessionCookie(victim, 'app.localhost')).toBeUndefined();
    // The attacker's own browser can still use it: only the binding made the difference.
    expect((await attacker.fetch(callback)).status).toBe(302);
  });

  test('a code for another host is refused', async () => {
    const { browser, callback } = await handedOff();
    await browser.navigate(`${API}/`); // sets API's nonce; signs in there through its own code
    const code = new URL(callback).searchParams.get('code')!;
    const fresh = new Browser();
    await fresh.fetch(`${API}/.gatehouse/sign_in?redirect_uri=%2F`);
    const res = await fresh.fetch(`${API}/.gatehouse/callback?code=${code}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/aud/);
  });

  test('an expired code is refused', async () => {
    const browser = new Browser();
    await browser.fetch(`${APP}/.gatehouse/sign_in?redirect_uri=%2F`);
    const nonce = browser.jar.get('_gatehouse_handoff', 'app.localhost')!.value;
    const past = Math.floor(Date.now() / 1000) - 120;
    const tokens = createOwnTokens(await loadKeySet(server.keyPem), AUTH, () => past);
    const session = { sub: 'alice@example.test', groups: [], sid: 's', exp: past + 3600 * 10 };
    const code = await createHandoff(tokens, { now: () => past }).issue({ origin: APP, nonceHash: hashNonce(nonce) }, { session, returnTo: `${APP}/` });
    const res = await browser.fetch(`${APP}/.gatehouse/callback?code=${code}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/exp/);
    // The same code made now is accepted: only the age made the difference.
    const now = createOwnTokens(await loadKeySet(server.keyPem), AUTH);
    const good = await createHandoff(now).issue({ origin: APP, nonceHash: hashNonce(nonce) }, { session: { ...session, exp: Math.floor(Date.now() / 1000) + 60 }, returnTo: `${APP}/` });
    expect((await browser.fetch(`${APP}/.gatehouse/callback?code=${good}`)).status).toBe(302);
  });
});

test('a code sends the browser only to its own host', async () => {
  const browser = new Browser();
  await browser.fetch(`${APP}/.gatehouse/sign_in?redirect_uri=%2F`);
  const nonce = browser.jar.get('_gatehouse_handoff', 'app.localhost')!.value;
  const tokens = createOwnTokens(await loadKeySet(server.keyPem), AUTH);
  const session = { sub: 'alice@example.test', groups: [], sid: 's', exp: Math.floor(Date.now() / 1000) + 600 };
  const code = await createHandoff(tokens).issue({ origin: APP, nonceHash: hashNonce(nonce) }, { session, returnTo: 'https://evil.test/' });
  const res = await browser.fetch(`${APP}/.gatehouse/callback?code=${code}`);
  expect(res.headers.get('location')).toBe(`${APP}/`);
});

describe('trust cookies that must be refused', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const claims = () => ({ iss: AUTH, aud: 'gatehouse', sub: 'mallory', email: 'mallory@example.test', groups: ['admins'], iat: now(), exp: now() + 600, sid: 'x' });
  async function withCookie(value: string) {
    const browser = new Browser();
    browser.jar.set('_gatehouse', value, 'app.localhost');
    const api = await browser.fetch(`${APP}/x`, { navigate: false, headers: { accept: 'application/json' } });
    const nav = await browser.fetch(`${APP}/x`);
    return { api: api.status, nav: nav.status, location: nav.headers.get('location') };
  }

  test('control: a cookie signed with the configured key is accepted', async () => {
    const keys = await loadKeySet(server.keyPem);
    const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: keys.active.kid }).sign(keys.active.privateKey);
    expect((await withCookie(token)).api).toBe(200);
  });

  test('a cookie re-signed with HS256 using the public key', async () => {
    const keys = await loadKeySet(server.keyPem);
    const publicPem = createPublicKey(server.keyPem).export({ format: 'pem', type: 'spki' }).toString();
    const jwks = await (await fetch(`${APP}/.well-known/gatehouse/jwks.json`)).text();
    for (const secret of [publicPem, jwks, JSON.stringify(keys.jwks.keys[0])]) {
      const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: keys.active.kid }).sign(new TextEncoder().encode(secret));
      const r = await withCookie(token);
      expect(r.api).toBe(401);
      expect(r.nav).toBe(302);
      expect(r.location).toStartWith(`${APP}/.gatehouse/sign_in?redirect_uri=`);
    }
  });

  test('a cookie past exp', async () => {
    const keys = await loadKeySet(server.keyPem);
    const token = await new SignJWT({ ...claims(), iat: now() - 7200, exp: now() - 60 })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: keys.active.kid })
      .sign(keys.active.privateKey);
    expect((await withCookie(token)).api).toBe(401);
  });

  test('alg none, tampered payload, unknown key', async () => {
    const keys = await loadKeySet(server.keyPem);
    const none = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url.encode(JSON.stringify(claims()))}.`;
    expect((await withCookie(none)).api).toBe(401);
    const good = await new SignJWT({ ...claims(), groups: [] }).setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: keys.active.kid }).sign(keys.active.privateKey);
    const [h, , s] = good.split('.');
    expect((await withCookie(`${h}.${base64url.encode(JSON.stringify(claims()))}.${s}`)).api).toBe(401);
    const stranger = await loadKeySet(generateSigningKeyPem());
    const foreign = await createOwnTokens(stranger, AUTH).sign(TokenType.access, claims(), { audience: 'gatehouse' });
    expect((await withCookie(foreign)).api).toBe(401);
  });
});

test('JWKS is served on every host', async () => {
  for (const origin of [AUTH, APP, API]) {
    const res = await fetch(`${origin}/.well-known/gatehouse/jwks.json`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { keys: { kid: string; d?: string }[] };
    expect(body.keys).toHaveLength(1);
    expect(body.keys[0]!.d).toBeUndefined();
  }
});
