import { beforeAll, describe, expect, test } from 'bun:test';
import { createPublicKey } from 'node:crypto';
import { base64url, SignJWT, UnsecuredJWT } from 'jose';
import { createJwtServices } from './jwt-services.ts';
import { generateSigningKeyPem, loadKeySet, type KeySet } from './keys.ts';
import { fakeClock } from '../../../test/support/memory-logger.ts';
import { TokenCache, type CachedVerification } from './token-cache.ts';
import { createOwnTokens, TokenType, type OwnTokens } from './own-tokens.ts';

const ISS = 'https://auth.example.test';
let pem: string;
let keys: KeySet;
let tokens: OwnTokens;

beforeAll(async () => {
  pem = generateSigningKeyPem();
  keys = await loadKeySet(pem);
  tokens = createOwnTokens(keys, ISS);
});

const services = (clock = fakeClock()) => {
  const cache = new TokenCache<CachedVerification>({ now: clock.millis });
  const t = createOwnTokens(keys, ISS, clock.seconds);
  return { jwt: createJwtServices(t, cache), cache, tokens: t, clock };
};
const session = (claims: Record<string, unknown> = {}) =>
  tokens.sign(TokenType.access, { sub: 'alice', email: 'alice@example.test', groups: ['dev'], sid: 's1', ...claims }, { audience: 'gatehouse', ttlSeconds: 600 });

/** A token with the given header and payload, signed with `sign` over the signing input. */
async function forge(header: Record<string, unknown>, payload: Record<string, unknown>, signer: (input: string) => Promise<string> | string) {
  const input = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}`;
  return `${input}.${await signer(input)}`;
}
const now = () => Math.floor(Date.now() / 1000);
const claims = () => ({ sub: 'mallory', iss: ISS, aud: 'gatehouse', iat: now(), exp: now() + 600 });

describe('verifyOwn', () => {
  test('a valid session token gives a frozen identity', async () => {
    const { jwt } = services();
    const identity = await jwt.verifyOwn(await session());
    expect(identity).toMatchObject({ subject: 'alice', kind: 'user', email: 'alice@example.test', groups: ['dev'], sessionId: 's1' });
    expect(Object.isFrozen(identity)).toBe(true);
    expect(Object.isFrozen(identity!.groups)).toBe(true);
  });

  test('verified tokens are cached until exp, and only the exact string hits', async () => {
    const { jwt, cache, clock } = services();
    const token = await tokens.sign(TokenType.access, { sub: 'alice' }, { audience: 'gatehouse', expiresAt: clock.seconds() + 60 });
    const first = await jwt.verifyOwn(token);
    expect(cache.size).toBe(1);
    expect(await jwt.verifyOwn(token)).toBe(first!);
    // Same signature, payload changed by one character: a miss, then a failed verification.
    const [h, p, s] = token.split('.');
    const payload = Buffer.from(p!, 'base64url').toString().replace('alice', 'alicf');
    expect(await jwt.verifyOwn(`${h}.${Buffer.from(payload).toString('base64url')}.${s}`)).toBeNull();
    const i = token.length - 10; // inside the signature (the last character only carries padding bits)
    expect(await jwt.verifyOwn(`${token.slice(0, i)}${token[i] === 'A' ? 'B' : 'A'}${token.slice(i + 1)}`)).toBeNull();
    clock.advance(70);
    expect(await jwt.verifyOwn(token)).toBeNull();
  });

  test('audience: default "gatehouse", a list matches any', async () => {
    const { jwt } = services();
    const api = await tokens.sign(TokenType.access, { sub: 'a' }, { audience: 'https://api.example.test', ttlSeconds: 60 });
    expect(await jwt.verifyOwn(api)).toBeNull();
    expect(await jwt.verifyOwn(api, { audience: 'https://other.example.test' })).toBeNull();
    expect(await jwt.verifyOwn(api, { audience: ['gatehouse', 'https://api.example.test'] })).not.toBeNull();
    // A cached entry still answers the audience question for each caller.
    expect(await jwt.verifyOwn(api)).toBeNull();
  });

  test('a token past exp is refused', async () => {
    const clock = fakeClock();
    const { jwt, tokens: t } = services(clock);
    const token = await t.sign(TokenType.access, { sub: 'a' }, { audience: 'gatehouse', expiresAt: clock.seconds() - 30 });
    expect(await jwt.verifyOwn(token)).toBeNull();
  });

  test('a token with nbf in the future is refused', async () => {
    const { jwt } = services();
    const token = await tokens.sign(TokenType.access, { sub: 'a', nbf: now() + 120 }, { audience: 'gatehouse', ttlSeconds: 600 });
    expect(await jwt.verifyOwn(token)).toBeNull();
  });

  test('alg none is refused', async () => {
    const { jwt } = services();
    const token = new UnsecuredJWT(claims()).encode();
    expect(await jwt.verifyOwn(token)).toBeNull();
    const withKid = await forge({ alg: 'none', typ: 'JWT', kid: keys.active.kid }, claims(), () => '');
    expect(await jwt.verifyOwn(withKid)).toBeNull();
  });

  test('HS256 signed with the public key (PEM or JWK) is refused', async () => {
    const { jwt } = services();
    const publicPem = createPublicKey(pem).export({ format: 'pem', type: 'spki' }).toString();
    for (const secret of [publicPem, JSON.stringify(keys.jwks.keys[0]), JSON.stringify(keys.jwks)]) {
      const token = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: keys.active.kid })
        .sign(new TextEncoder().encode(secret));
      expect(await jwt.verifyOwn(token)).toBeNull();
    }
  });

  test('a token signed by an unknown key, or without kid, is refused', async () => {
    const { jwt } = services();
    const stranger = await loadKeySet(generateSigningKeyPem());
    const other = createOwnTokens(stranger, ISS);
    expect(await jwt.verifyOwn(await other.sign(TokenType.access, { sub: 'a' }, { audience: 'gatehouse' }))).toBeNull();
    // Claiming our kid does not help either.
    const lying = await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: keys.active.kid }).sign(stranger.active.privateKey);
    expect(await jwt.verifyOwn(lying)).toBeNull();
    const noKid = await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', typ: 'JWT' }).sign(keys.active.privateKey);
    expect(await jwt.verifyOwn(noKid)).toBeNull();
  });

  test('an unknown crit header is refused', async () => {
    const { jwt } = services();
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: keys.active.kid, crit: ['exp-ext'], 'exp-ext': 1 } as never)
      .sign(keys.active.privateKey, { crit: { 'exp-ext': true } });
    expect(await jwt.verifyOwn(token)).toBeNull();
  });

  test('wrong issuer, missing sub, other token kinds are refused', async () => {
    const { jwt } = services();
    const sign = (header: Record<string, unknown>, payload: Record<string, unknown>) =>
      new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: keys.active.kid, ...header } as never).sign(keys.active.privateKey);
    expect(await jwt.verifyOwn(await sign({ typ: 'JWT' }, { ...claims(), iss: 'https://evil.test' }))).toBeNull();
    expect(await jwt.verifyOwn(await sign({ typ: 'JWT' }, { ...claims(), sub: undefined }))).toBeNull();
    for (const typ of [TokenType.assertion, TokenType.handoff, TokenType.oidcState]) {
      expect(await jwt.verifyOwn(await tokens.sign(typ, { sub: 'a' }, { audience: 'gatehouse' }))).toBeNull();
    }
  });

  test('garbage and oversized tokens are refused without throwing', async () => {
    const { jwt } = services();
    for (const t of ['', 'a', 'a.b', 'a.b.c.d', '!!!.@@@.###', 'x'.repeat(100_000), `${await session()}.extra`]) {
      expect(await jwt.verifyOwn(t)).toBeNull();
    }
  });
});

describe('sign', () => {
  test('signs with the active key and iss; verifyOwn accepts it for its audience', async () => {
    const { jwt } = services();
    const token = await jwt.sign({ sub: 'bob' }, { audience: 'https://api.example.test', ttlSeconds: 120 });
    const identity = await jwt.verifyOwn(token, { audience: 'https://api.example.test' });
    expect(identity?.subject).toBe('bob');
    expect(identity?.claims.iss).toBe(ISS);
    expect(Number(identity?.claims.exp) - Number(identity?.claims.iat)).toBe(120);
  });
});

describe('token facts for plugins', () => {
  test('shapeProblem and identityFromClaims are the rules Gatehouse verifies and builds identities by', () => {
    const { jwt } = services();
    expect(jwt.shapeProblem('a.b.c')).toBeNull();
    expect(jwt.shapeProblem('a.b')).toBe('not a compact JWS (three base64url parts)');
    expect(jwt.shapeProblem('x'.repeat(10_000))).toBe('token too long');
    expect(jwt.identityFromClaims({ sub: 'u', team: ['t'], sid: 'theirs' }, { via: 'mine', groupsClaim: 'team' })).toMatchObject({ subject: 'u', groups: ['t'], via: 'mine' });
    expect(jwt.identityFromClaims({ sub: 'u', sid: 'theirs' }, { via: 'mine' })!.sessionId).toBeUndefined();
    expect(jwt.identityFromClaims({}, { via: 'mine' })).toBeNull();
  });
});
