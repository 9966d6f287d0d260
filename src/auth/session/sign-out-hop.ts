/**
 * The token a route host gives the sign-in host when it signs out, so that the sign-in host can
 * clear its own cookie without asking the user a second time. It names the session (its `sid`),
 * lives 60 seconds, and is an HMAC over both, keyed from the signing key like the CSRF tokens, so
 * any worker can check it. It is minted only after the route host's own CSRF-checked POST, and
 * the sign-in host acts on it only for that same session: a token from an attacker's own session
 * cannot sign anyone else out.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGN_OUT_HOP_TTL_SECONDS = 60;

export interface SignOutHop {
  /** A token for session `sid`. */
  issue(sid: string): string;
  /** The session id `token` names, when it is genuine and unexpired; else undefined. */
  sessionOf(token: string | null | undefined): string | undefined;
}

/**
 * `keySeed`: secret bytes (the signing key's private scalar). `ttlSeconds` defaults to 60; `now`
 * (seconds) to the system clock.
 */
export function createSignOutHop(keySeed: Uint8Array, options: { ttlSeconds?: number; now?: () => number } = {}): SignOutHop {
  const ttl = options.ttlSeconds ?? SIGN_OUT_HOP_TTL_SECONDS;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const key = createHmac('sha256', keySeed).update('gatehouse sign-out hop v1').digest();
  const mac = (body: string) => createHmac('sha256', key).update(body).digest('base64url');
  return {
    issue(sid) {
      const body = `${Buffer.from(sid).toString('base64url')}.${now() + ttl}`;
      return `${body}.${mac(body)}`;
    },
    sessionOf(token) {
      const m = token && /^([\w-]{1,200})\.(\d{1,12})\.([\w-]{43})$/.exec(token);
      if (!m) return undefined;
      const want = Buffer.from(mac(`${m[1]}.${m[2]}`));
      const got = Buffer.from(m[3]!);
      if (got.length !== want.length || !timingSafeEqual(got, want)) return undefined;
      if (Number(m[2]) < now()) return undefined;
      return Buffer.from(m[1]!, 'base64url').toString();
    },
  };
}
