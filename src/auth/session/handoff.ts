/**
 * Cross-host hand-off codes. A route host whose cookie the sign-in host cannot set sends the
 * browser to the sign-in host, which answers with `<host>/.gatehouse/callback?code=…`.
 *
 * The code is itself a signed JWT (so any worker process can check it): `typ`
 * `gatehouse-handoff+jwt`, `aud` = the target origin, 60 s, a `jti`, the session's claims, the
 * return URL, and the hash of a nonce that the target host stored in a cookie before sending the
 * browser away. The nonce binding means a leaked or planted code is useless in any other
 * browser; one-time use is enforced through the shared state (set-if-absent on the `jti`), so a
 * code redeemed on one worker or machine is refused on every other.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { JWTPayload } from 'jose';
import type { SessionClaims } from './sessions.ts';
import { createMemoryStore } from '../../state/memory-store.ts';
import type { StateStore } from '../../state/store.ts';
import { TokenType, type OwnTokens } from '../tokens/own-tokens.ts';

export const HANDOFF_TTL_SECONDS = 60;

export class HandoffError extends Error {}

export interface HandoffClaims {
  /** Session claims to copy into the target host's cookie. */
  session: SessionClaims;
  returnTo: string;
}

/** A fresh nonce for the nonce cookie, and the hash that travels in URLs and codes. */
export function newHandoffNonce(): string {
  return randomBytes(18).toString('base64url');
}
export function hashNonce(nonce: string): string {
  return createHash('sha256').update(nonce).digest('base64url');
}

export interface Handoff {
  issue(target: { origin: string; nonceHash: string }, claims: HandoffClaims): Promise<string>;
  /** Checks a code for `origin` against the nonce cookie's hash; throws HandoffError with the reason. */
  redeem(code: string, expect: { origin: string; nonceHash: string | undefined }): Promise<HandoffClaims>;
}

/**
 * `store`: where used codes are remembered (default: this process's memory, bounded); `now` in
 * seconds for tests.
 */
export function createHandoff(tokens: OwnTokens, options: { store?: Pick<StateStore, 'setIfAbsent'>; now?: () => number } = {}): Handoff {
  const store = options.store ?? createMemoryStore();
  const nowMs = () => (options.now ? options.now() * 1000 : Date.now());

  return {
    issue(target, { session, returnTo }) {
      return tokens.sign(
        TokenType.handoff,
        { jti: randomBytes(16).toString('base64url'), nh: target.nonceHash, rt: returnTo, ses: session },
        { audience: target.origin, ttlSeconds: HANDOFF_TTL_SECONDS },
      );
    },
    async redeem(code, expect) {
      let payload: JWTPayload;
      try {
        payload = await tokens.verify(code, { typ: TokenType.handoff, audience: expect.origin });
      } catch (e) {
        throw new HandoffError(`invalid code: ${(e as Error).message}`);
      }
      const { jti, nh, rt, ses } = payload as { jti?: unknown; nh?: unknown; rt?: unknown; ses?: HandoffClaims['session'] };
      if (typeof jti !== 'string' || typeof nh !== 'string' || typeof rt !== 'string' || !ses || typeof ses.sub !== 'string') {
        throw new HandoffError('malformed code');
      }
      if (!expect.nonceHash || expect.nonceHash !== nh) throw new HandoffError('code was not requested by this browser');
      // Kept a little past exp: a code is refused by its signature's expiry after that anyway.
      const keepMs = Math.max(1, payload.exp! * 1000 - nowMs()) + 10_000;
      if (!(await store.setIfAbsent(`handoff:${jti}`, '1', keepMs))) throw new HandoffError('code already used');
      return { session: ses, returnTo: rt };
    },
  };
}
