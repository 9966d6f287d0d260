/**
 * CSRF protection for Gatehouse's own forms: a signed double-submit token. The browser holds a
 * random value in a cookie; the form carries HMAC(value). An attacker who can plant a cookie
 * (e.g. from a sibling subdomain) still cannot produce the matching form field, and every
 * worker derives the same HMAC key from the signing key, so no shared state is needed.
 *
 * A `purpose` label gives each form its own token from the same cookie, so a token that shows up
 * in a URL (the hand-off confirmation) is not also good for the sign-in or sign-out forms.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type CsrfPurpose = 'sign-in' | 'sign-out' | 'handoff';

export interface Csrf {
  /** A new cookie value. */
  newSeed(): string;
  /** The form token that goes with `seed` for `purpose` (default `sign-in`). */
  tokenFor(seed: string, purpose?: CsrfPurpose): string;
  /** Whether `token` belongs to `seed` and `purpose` (constant time). */
  check(seed: string | undefined, token: string | null | undefined, purpose?: CsrfPurpose): boolean;
}

/** `keySeed`: secret bytes (the signing key's private scalar); a purpose label keeps this key separate. */
export function createCsrf(keySeed: Uint8Array): Csrf {
  const key = createHmac('sha256', keySeed).update('gatehouse csrf v1').digest();
  // `sign-in` keeps the original input, so forms rendered before an upgrade still validate.
  const tokenFor = (seed: string, purpose: CsrfPurpose = 'sign-in') =>
    createHmac('sha256', key).update(purpose === 'sign-in' ? seed : `${purpose}\n${seed}`).digest('base64url');
  return {
    newSeed: () => randomBytes(18).toString('base64url'),
    tokenFor,
    check(seed, token, purpose) {
      if (!seed || !token || !/^[\w-]{16,64}$/.test(seed)) return false;
      const want = Buffer.from(tokenFor(seed, purpose));
      const got = Buffer.from(token);
      return got.length === want.length && timingSafeEqual(got, want);
    },
  };
}
