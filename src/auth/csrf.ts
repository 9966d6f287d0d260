/**
 * CSRF protection for the sign-in form: a signed double-submit token. The browser holds a
 * random value in a cookie; the form carries HMAC(value). An attacker who can plant a cookie
 * (e.g. from a sibling subdomain) still cannot produce the matching form field, and every
 * worker derives the same HMAC key from the signing key, so no shared state is needed.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface Csrf {
  /** A new cookie value. */
  newSeed(): string;
  /** The form token that goes with `seed`. */
  tokenFor(seed: string): string;
  /** Whether `token` belongs to `seed` (constant time). */
  check(seed: string | undefined, token: string | null | undefined): boolean;
}

/** `keySeed`: secret bytes (the signing key's private scalar); a purpose label keeps this key separate. */
export function createCsrf(keySeed: Uint8Array): Csrf {
  const key = createHmac('sha256', keySeed).update('gatehouse csrf v1').digest();
  const tokenFor = (seed: string) => createHmac('sha256', key).update(seed).digest('base64url');
  return {
    newSeed: () => randomBytes(18).toString('base64url'),
    tokenFor,
    check(seed, token) {
      if (!seed || !token || !/^[\w-]{16,64}$/.test(seed)) return false;
      const want = Buffer.from(tokenFor(seed));
      const got = Buffer.from(token);
      return got.length === want.length && timingSafeEqual(got, want);
    },
  };
}
