/**
 * What the sign-in endpoints share, built once per config by `createAuthRuntime`.
 */
import type { Logger } from '../plugin-api/index.ts';
import type { Csrf } from './csrf.ts';
import type { Handoff } from './handoff.ts';
import type { OidcClient } from './oidc.ts';
import type { Sessions } from './sessions.ts';
import type { StaticProvider } from './static-provider.ts';
import type { Throttle } from './throttle.ts';
import type { OwnTokens } from './tokens.ts';

export interface RequestInfo {
  requestId: string;
  clientIp: string;
  /** The URL as the client addressed it. */
  url: URL;
}

export interface AuthContext {
  /** `authenticate.url`'s origin; undefined when no `authenticate` block is configured. */
  authOrigin: string | undefined;
  provider: 'oidc' | 'static' | undefined;
  tokens: OwnTokens;
  sessions: Sessions;
  handoff: Handoff;
  oidc: OidcClient | undefined;
  staticUsers: StaticProvider | undefined;
  csrf: Csrf;
  throttle: Throttle;
  /** Origins `redirect_uri` may point at besides the current host: route hosts and the sign-in host. */
  isAllowedOrigin(url: URL): boolean;
  log: Logger;
  /** Names of Gatehouse's short-lived helper cookies, derived from `session.cookie_name`. */
  cookies: { csrf: string; handoffNonce: string; oidcState(state: string): string };
}

/** Reserved paths. */
export const Paths = {
  signIn: '/.gatehouse/sign_in',
  signOut: '/.gatehouse/sign_out',
  signedOut: '/.gatehouse/signed_out',
  callback: '/.gatehouse/callback',
  oidcCallback: '/.gatehouse/oidc/callback',
  user: '/.gatehouse/user',
  token: '/.gatehouse/token',
  jwks: '/.well-known/gatehouse/jwks.json',
} as const;

/** Whether a cookie set by the sign-in host also reaches `hostname` (both under `cookie_domain`). */
export function sharesCookieWithAuth(ctx: AuthContext, hostname: string): boolean {
  return ctx.authOrigin !== undefined && ctx.sessions.covers(hostname) && ctx.sessions.covers(new URL(ctx.authOrigin).hostname);
}

/** The helper-cookie attributes: short-lived, HttpOnly, Secure as configured. */
export function helperCookie(ctx: AuthContext, path: string, maxAge: number, sameSite: 'lax' | 'strict' = 'lax') {
  return { path, maxAge, secure: ctx.sessions.settings.cookie_secure, httpOnly: true, sameSite };
}
