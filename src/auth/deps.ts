/**
 * What the sign-in endpoints share, built once per config by `createAuthRuntime`.
 */
import type { Identity, Logger } from '../plugin-api/index.ts';
import type { ConcurrencyLimit } from './providers/concurrency.ts';
import type { Csrf } from './session/csrf.ts';
import type { Handoff } from './session/handoff.ts';
import type { OidcClient } from './providers/oidc.ts';
import { safeReturnUrl } from './session/return-url.ts';
import type { Sessions } from './session/sessions.ts';
import type { SignOutHop } from './session/sign-out-hop.ts';
import type { StaticProvider } from './providers/static-provider.ts';
import type { SessionRegistry } from './session/session-registry.ts';
import type { Throttle } from './session/throttle.ts';
import type { OwnTokens } from './tokens/own-tokens.ts';

export interface EndpointRequest {
  requestId: string;
  clientIp: string;
  /** The URL as the client addressed it. */
  url: URL;
}

/** A route as the `/.gatehouse/user` page lists it. */
export interface RouteAccess {
  from: string;
  prefix: string;
  /** Admits everyone, signed in or not. */
  public: boolean;
}

export interface AuthDeps {
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
  /** Bounds the argon2 checks running at once. */
  passwordChecks: ConcurrencyLimit;
  /** One-time use across every instance (set-if-absent in the shared state): true the first time. */
  oneTime: { claim(key: string, ttlMs: number): Promise<boolean> };
  /** Server-side sessions: sign-out revokes through it. */
  sessionRegistry: SessionRegistry;
  /** Lets a route host's sign-out clear the sign-in host's cookie too. */
  signOutHop: SignOutHop;
  /**
   * Origins `redirect_uri` may point at besides the current host: route hosts and the sign-in
   * host. `via` is the URL of the request being answered (see `originMatcher` on ports).
   */
  isAllowedOrigin(url: URL, via: URL): boolean;
  /** The routes whose policy admits `identity` (plugins in front of the policy may still refuse). */
  routesFor(identity: Identity): RouteAccess[];
  log: Logger;
  /** `authenticate.branding`: the sign-in page's title, logo and accent colour (already validated). */
  branding?: { title?: string; logo_url?: string; accent_color?: string };
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

/** `raw` as a safe absolute return URL for the request `info` answers (see `safeReturnUrl`). */
export function returnUrl(ctx: AuthDeps, raw: string | null | undefined, info: EndpointRequest): string {
  return safeReturnUrl(raw, info.url, (url) => ctx.isAllowedOrigin(url, info.url));
}

/** Whether a cookie set by the sign-in host also reaches `hostname` (both under `cookie_domain`). */
export function sharesCookieWithAuth(ctx: AuthDeps, hostname: string): boolean {
  return ctx.authOrigin !== undefined && ctx.sessions.covers(hostname) && ctx.sessions.covers(new URL(ctx.authOrigin).hostname);
}

/** The helper-cookie attributes: short-lived, HttpOnly, Secure as configured. */
export function helperCookie(ctx: AuthDeps, path: string, maxAge: number, sameSite: 'lax' | 'strict' = 'lax') {
  return { path, maxAge, secure: ctx.sessions.settings.cookie_secure, httpOnly: true, sameSite };
}
