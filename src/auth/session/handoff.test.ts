import { beforeAll, expect, test } from 'bun:test';
import { createHandoff, HandoffError, hashNonce, newHandoffNonce } from './handoff.ts';
import { generateSigningKeyPem, loadKeySet, type KeySet } from '../tokens/keys.ts';
import { fakeClock } from '../../../test/support/memory-logger.ts';
import { createOwnTokens, TokenType } from '../tokens/own-tokens.ts';

let keys: KeySet;
beforeAll(async () => {
  keys = await loadKeySet(generateSigningKeyPem());
});

const APP = 'https://app.example.test';
const session = { sub: 'alice', email: 'alice@example.test', groups: ['dev'], sid: 'sid1', exp: Math.floor(Date.now() / 1000) + 3600 };
const setup = (clock = fakeClock()) => {
  const tokens = createOwnTokens(keys, 'https://auth.example.test', clock.seconds);
  return { handoff: createHandoff(tokens, { now: clock.seconds }), tokens, clock };
};

test('a code is redeemed once, on its host, by the browser holding the nonce', async () => {
  const { handoff } = setup();
  const nonceHash = hashNonce(newHandoffNonce());
  const code = await handoff.issue({ origin: APP, nonceHash }, { session, returnTo: `${APP}/x` });
  expect(await handoff.redeem(code, { origin: APP, nonceHash })).toEqual({ session, returnTo: `${APP}/x` });
  await expect(handoff.redeem(code, { origin: APP, nonceHash })).rejects.toThrow(/already used/);
});

test('a code for another host is refused', async () => {
  const { handoff } = setup();
  const nonceHash = hashNonce(newHandoffNonce());
  const code = await handoff.issue({ origin: APP, nonceHash }, { session, returnTo: `${APP}/` });
  await expect(handoff.redeem(code, { origin: 'https://api.example.test', nonceHash })).rejects.toBeInstanceOf(HandoffError);
});

test('a code older than 60 seconds is refused', async () => {
  const { handoff, clock } = setup();
  const nonceHash = hashNonce(newHandoffNonce());
  const code = await handoff.issue({ origin: APP, nonceHash }, { session, returnTo: `${APP}/` });
  clock.advance(66);
  await expect(handoff.redeem(code, { origin: APP, nonceHash })).rejects.toThrow(/invalid code/);
});

test('a code without the matching nonce cookie is refused', async () => {
  const { handoff } = setup();
  const code = await handoff.issue({ origin: APP, nonceHash: hashNonce('victim-nonce-aaaaaaaaaaa') }, { session, returnTo: `${APP}/` });
  await expect(handoff.redeem(code, { origin: APP, nonceHash: undefined })).rejects.toThrow(/not requested by this browser/);
  await expect(handoff.redeem(code, { origin: APP, nonceHash: hashNonce('attacker-nonce-aaaaaaaa') })).rejects.toThrow(/not requested/);
});

test('other kinds of Gatehouse tokens are not codes', async () => {
  const { handoff, tokens } = setup();
  const nonceHash = hashNonce(newHandoffNonce());
  const claims = { jti: 'j', nh: nonceHash, rt: `${APP}/`, ses: session };
  for (const typ of [TokenType.access, TokenType.assertion, TokenType.oidcState]) {
    const token = await tokens.sign(typ, claims, { audience: APP, ttlSeconds: 60 });
    await expect(handoff.redeem(token, { origin: APP, nonceHash })).rejects.toThrow(/invalid code/);
  }
  await expect(handoff.redeem('garbage', { origin: APP, nonceHash })).rejects.toBeInstanceOf(HandoffError);
});
