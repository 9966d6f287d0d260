/**
 * Signing and verifying Gatehouse's own JWTs. Every kind of token Gatehouse issues goes through
 * here, told apart by the `typ` header (RFC 8725 explicit typing) so that one kind can never be
 * replayed as another: session/access tokens are `JWT`, upstream assertions, hand-off codes and
 * OIDC state each have their own.
 */
import { SignJWT, jwtVerify, type JWTPayload } from 'jose';
import type { KeySet } from './keys.ts';
import { MAX_TOKEN_LENGTH } from './token-shape.ts';

export const TokenType = {
  /** Trust cookie and token-endpoint tokens: the ones `verifyOwn` accepts. */
  access: 'JWT',
  assertion: 'gatehouse-assertion+jwt',
  handoff: 'gatehouse-handoff+jwt',
  oidcState: 'gatehouse-oidc-state+jwt',
} as const;
export type TokenType = (typeof TokenType)[keyof typeof TokenType];

export interface OwnTokens {
  /** `iss` of every token: the authenticate.url origin. */
  readonly issuer: string;
  readonly keys: KeySet;
  /** Signs `claims` (which may not override `iss`, `iat`, `exp`, `aud`). `expiresAt` wins over `ttlSeconds`. */
  sign(
    typ: TokenType,
    claims: Record<string, unknown>,
    options: { audience: string; ttlSeconds?: number; expiresAt?: number },
  ): Promise<string>;
  /**
   * Verifies signature (ES256 only, known `kid`), `typ`, `iss`, `exp`/`nbf`, `iat` (required, not
   * in the future), and `aud` when given; throws when anything is wrong.
   */
  verify(token: string, options: { typ: TokenType; audience?: string }): Promise<JWTPayload>;
}

/**
 * How many tokens `verify` has judged in this process (every kind, any outcome). Tests read it to
 * check that a request cannot make Gatehouse verify more than a bounded number of tokens.
 */
export const verifyCount = { value: 0 };

/** Allowed clock difference for `exp`/`nbf`/`iat` between Gatehouse processes. */
const CLOCK_TOLERANCE_SECONDS = 5;

/**
 * Binds a key set and issuer. `now` (seconds) is injectable for tests; default the system clock.
 */
export function createOwnTokens(keys: KeySet, issuer: string, now: () => number = () => Math.floor(Date.now() / 1000)): OwnTokens {
  const resolveKey = (header: { kid?: string }) => {
    const key = header.kid === undefined ? undefined : keys.verifying.get(header.kid);
    if (!key) throw new Error('token signed by an unknown key');
    return key;
  };
  return {
    issuer,
    keys,
    async sign(typ, claims, options) {
      const iat = now();
      const exp = options.expiresAt ?? iat + (options.ttlSeconds ?? 300);
      return new SignJWT({ ...claims, iss: issuer, aud: options.audience, iat, exp })
        .setProtectedHeader({ alg: 'ES256', typ, kid: keys.active.kid })
        .sign(keys.active.privateKey);
    },
    async verify(token, options) {
      if (token.length > MAX_TOKEN_LENGTH) throw new Error('token too long');
      verifyCount.value++;
      const { payload } = await jwtVerify(token, resolveKey, {
        algorithms: ['ES256'],
        typ: options.typ,
        issuer,
        audience: options.audience,
        requiredClaims: ['exp', 'iat'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: new Date(now() * 1000),
      });
      // jose checks `iat` is a number but not that it is past (without maxTokenAge).
      if (payload.iat! > now() + CLOCK_TOLERANCE_SECONDS) throw new Error('token issued in the future (iat)');
      return payload;
    },
  };
}
