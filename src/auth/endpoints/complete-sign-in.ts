/**
 * The last step of every sign-in: send the browser back to where it was going, through a
 * hand-off code when the destination host cannot see the sign-in host's cookie.
 */
import { Paths, sharesCookieWithAuth, type AuthDeps } from '../deps.ts';
import type { SessionClaims } from '../session/sessions.ts';
import { redirect } from './http.ts';

const NONCE_HASH = /^[\w-]{43}$/;

/** Whether `value` looks like a hand-off nonce hash (what route hosts pass as `handoff`). */
export function validHandoffHash(value: string | null | undefined): string | undefined {
  return value && NONCE_HASH.test(value) ? value : undefined;
}

/**
 * Whether finishing a sign-in for `returnTo` mints a hand-off code: the destination cannot see the
 * sign-in host's cookie and has already stored its nonce (`handoff`).
 */
export function issuesCode(deps: AuthDeps, returnTo: string, handoff: string | undefined): boolean {
  const target = new URL(returnTo);
  return handoff !== undefined && target.origin !== deps.authOrigin && !sharesCookieWithAuth(deps, target.hostname);
}

/**
 * `returnTo` is an already checked absolute URL. `cookies` are `Set-Cookie` values to send along;
 * `fresh` marks a response that has just set the session cookie.
 */
export async function completeSignIn(
  deps: AuthDeps,
  args: { session: SessionClaims; returnTo: string; handoff?: string; cookies?: string[]; fresh?: boolean; status?: number },
): Promise<Response> {
  const target = new URL(args.returnTo);
  const cookies = args.cookies ?? [];
  const viaPage = args.fresh === true && deps.sessions.settings.cookie_same_site === 'strict';
  if (target.origin === deps.authOrigin || sharesCookieWithAuth(deps, target.hostname)) {
    return redirect(args.returnTo, cookies, { status: args.status, viaPage });
  }
  if (!args.handoff) {
    // The destination host has not set its nonce cookie yet: let it, and it sends the browser back here.
    return redirect(`${target.origin}${Paths.signIn}?redirect_uri=${encodeURIComponent(args.returnTo)}`, cookies, { status: args.status });
  }
  const code = await deps.handoff.issue({ origin: target.origin, nonceHash: args.handoff }, { session: args.session, returnTo: args.returnTo });
  return redirect(`${target.origin}${Paths.callback}?code=${code}`, cookies, { status: args.status });
}

/** The hand-off session claims of an identity read from a trust cookie. */
export function sessionOf(claims: Record<string, unknown>): SessionClaims {
  const s: SessionClaims = {
    sub: String(claims.sub),
    groups: Array.isArray(claims.groups) ? claims.groups.filter((g): g is string => typeof g === 'string') : [],
    sid: String(claims.sid ?? ''),
    exp: Number(claims.exp),
  };
  if (typeof claims.email === 'string') s.email = claims.email;
  if (typeof claims.name === 'string') s.name = claims.name;
  // A token from before session start times were recorded began no later than it was issued.
  s.sat = typeof claims.sat === 'number' ? claims.sat : typeof claims.iat === 'number' ? claims.iat : 0;
  return s;
}
