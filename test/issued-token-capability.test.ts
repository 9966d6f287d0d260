/**
 * `/.gatehouse/token` issues tokens for the routes whose plugins ask for them
 * (`services.session.acceptIssuedTokens()`), not for routes that name a particular plugin: a
 * user's own auth plugin gets the same capability `header-jwt` uses.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { generateSigningKeyPem, loadKeySet } from '../src/auth/tokens/keys.ts';
import { createOwnTokens, TokenType, type OwnTokens } from '../src/auth/tokens/own-tokens.ts';
import { startGateway, startUpstream, type TestGateway, type TestUpstream } from './support/gateway.ts';

const AUTH = 'http://auth.example.test';
const APP = 'http://app.example.test';
const MINE = 'http://mine.example.test';
const SHY = 'http://shy.example.test';

/** A user's auth plugin: takes `X-My-Token`, asks for issued tokens unless `accept: false`. */
const MY_AUTH = `
export default {
  name: 'my-auth',
  kind: 'auth',
  create(options, services) {
    if (options.accept !== false) services.session.acceptIssuedTokens();
    return async (ctx, next) => {
      const token = ctx.request.headers.get('x-my-token');
      if (token === null) return next();
      const identity = await services.jwt.verifyOwn(token, { audience: ctx.route.origin });
      if (!identity) return ctx.error(401, 'invalid_token');
      ctx.identity = { ...identity, via: 'my-auth' };
      return next();
    };
  },
};
`;

let upstream: TestUpstream;
let gw: TestGateway;
let none: TestGateway;
let own: OwnTokens;

beforeAll(async () => {
  upstream = startUpstream();
  const keyPem = generateSigningKeyPem();
  own = createOwnTokens(await loadKeySet(keyPem), AUTH);
  const hash = await Bun.password.hash('pw', { algorithm: 'argon2id' });
  const head = `
authenticate:
  url: ${AUTH}
  provider: static
  static: { users: [{ email: alice@example.test, password_hash: "${hash}" }] }
session: { cookie_secure: false, signing_key_file: key.pem }
`;
  const files = { 'key.pem': keyPem, 'my-auth.ts': MY_AUTH };
  gw = await startGateway(
    `${head}routes:
  - { from: ${APP}, to: ${upstream.url}, policy: { allow_any_authenticated_user: true } }
  - { from: ${MINE}, to: ${upstream.url}, policy: { allow_any_authenticated_user: true }, plugins: [{ use: ./my-auth.ts }] }
  - { from: ${SHY}, to: ${upstream.url}, policy: { allow_any_authenticated_user: true }, plugins: [{ use: ./my-auth.ts, accept: false }] }
`,
    { files },
  );
  none = await startGateway(
    `${head}routes:
  - { from: ${APP}, to: ${upstream.url}, policy: { allow_any_authenticated_user: true } }
  - { from: ${SHY}, to: ${upstream.url}, policy: { allow_any_authenticated_user: true }, plugins: [{ use: ./my-auth.ts, accept: false }] }
`,
    { files },
  );
});
afterAll(async () => {
  await gw?.stop();
  await none?.stop();
  await upstream?.stop();
});

const cookie = async () => `_gatehouse=${await own.sign(TokenType.access, { sub: 'alice@example.test', email: 'alice@example.test', groups: [] }, { audience: 'gatehouse', ttlSeconds: 600 })}`;
const tokenFor = async (g: TestGateway, audience: string) =>
  g.request(`/.gatehouse/token?audience=${encodeURIComponent(audience)}`, { host: new URL(APP).host, headers: { cookie: await cookie() } });

test("a user's plugin that calls acceptIssuedTokens() makes its route a token audience", async () => {
  const response = await tokenFor(gw, MINE);
  expect(response.status).toBe(200);
  const { token } = (await response.json()) as { token: string };
  const through = await gw.request('/data', { host: new URL(MINE).host, headers: { 'x-my-token': token } });
  expect(through.status).toBe(200);
});

test('routes whose plugins did not ask stay refused: 400 audience_not_allowed', async () => {
  for (const audience of [SHY, APP]) {
    const response = await tokenFor(gw, audience);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('audience_not_allowed');
  }
});

test('while no route accepts issued tokens the endpoint answers 404, as if it did not exist', async () => {
  const response = await tokenFor(none, SHY);
  expect(response.status).toBe(404);
  expect(((await response.json()) as { error: string }).error).toBe('not_found');
});
