/**
 * `GET /.gatehouse/sign_in?redirect_uri=…` on route hosts and on the sign-in host.
 */
import { getCookie, serializeCookie } from '../session/cookies.ts';
import { completeSignIn, issuesCode, sessionOf, validHandoffHash } from './complete-sign-in.ts';
import { helperCookie, Paths, returnUrl, sharesCookieWithAuth, type AuthContext, type RequestInfo } from '../deps.ts';
import { hashNonce, newHandoffNonce } from '../session/handoff.ts';
import { html, jsonError, redirect } from './http.ts';
import { startOidc } from './oidc-callback.ts';
import { renderContinuePage, renderSignInPage } from './pages.ts';

/** The nonce cookie lives long enough for a slow password entry. */
const NONCE_MAX_AGE = 30 * 60;
const CSRF_MAX_AGE = 2 * 60 * 60;

/**
 * On a route host: back to `redirect_uri` when this host already has a session; otherwise to the
 * sign-in host, first storing a hand-off nonce cookie when this host needs its own cookie.
 */
export async function routeHostSignIn(ctx: AuthContext, request: Request, info: RequestInfo): Promise<Response> {
  const returnTo = returnUrl(ctx, info.url.searchParams.get('redirect_uri'), info);
  const toAuth = (extra = '') => `${ctx.authOrigin}${Paths.signIn}?redirect_uri=${encodeURIComponent(returnTo)}${extra}`;
  if (new URL(returnTo).origin !== info.url.origin) return redirect(toAuth());
  if (await ctx.sessions.read(request)) return redirect(returnTo);
  if (sharesCookieWithAuth(ctx, info.url.hostname)) {
    // A stale host-only cookie from before `cookie_domain` was set would be sent first and shadow
    // the new domain cookie forever; clear it on the way.
    return redirect(toAuth(), [serializeCookie(ctx.sessions.cookieName, '', { path: '/', maxAge: 0 })]);
  }
  // Reusing an existing nonce lets several tabs sign in at once without invalidating each other.
  const existing = getCookie(request, ctx.cookies.handoffNonce);
  const nonce = existing && /^[\w-]{24}$/.test(existing) ? existing : newHandoffNonce();
  // Path /.gatehouse/ so the next sign-in here sees (and reuses) it, and the callback reads it.
  const cookie = serializeCookie(ctx.cookies.handoffNonce, nonce, helperCookie(ctx, '/.gatehouse/', NONCE_MAX_AGE));
  return redirect(toAuth(`&handoff=${hashNonce(nonce)}`), [cookie]);
}

/**
 * The CSRF seed cookie: the existing one, or a new one plus its `Set-Cookie`. Its path is
 * `/.gatehouse/` so that the sign-in, sign-out and hand-off confirmation forms all see it.
 */
export function csrfSeed(ctx: AuthContext, request: Request): { seed: string; cookies: string[] } {
  const existing = getCookie(request, ctx.cookies.csrf);
  if (existing && /^[\w-]{24}$/.test(existing)) return { seed: existing, cookies: [] };
  const seed = ctx.csrf.newSeed();
  return { seed, cookies: [serializeCookie(ctx.cookies.csrf, seed, helperCookie(ctx, '/.gatehouse/', CSRF_MAX_AGE, 'strict'))] };
}

/** Renders the static provider's form (used by GET and by failed POSTs). */
export function signInPage(
  ctx: AuthContext,
  request: Request,
  values: { returnTo: string; handoff?: string; email?: string; error?: string },
  status = 200,
  extraCookies: string[] = [],
): Response {
  const { seed, cookies } = csrfSeed(ctx, request);
  const body = renderSignInPage({
    action: Paths.signIn,
    csrf: ctx.csrf.tokenFor(seed),
    redirectUri: values.returnTo,
    handoff: values.handoff,
    email: values.email,
    error: values.error,
  });
  return html(body, status, [...cookies, ...extraCookies]);
}

/**
 * Whether a signed-in browser may get a hand-off code without a click. Fetch metadata tells a
 * navigation another site started (`cross-site`) from the ordinary flow: route hosts redirect
 * here from the same site, a typed URL or bookmark is `none`. Without the header (older
 * browsers, scripts) there is no signal to act on, and the code is still bound to the nonce
 * cookie of the browser that asked for it, so those stay silent too.
 */
function silentHandoffAllowed(request: Request): boolean {
  const site = request.headers.get('sec-fetch-site');
  return site === null || site === 'same-origin' || site === 'same-site' || site === 'none';
}

/** "Continue to <host>?", whose button repeats this request with a `confirm` token. */
function continuePage(ctx: AuthContext, request: Request, info: RequestInfo, who: string, returnTo: string): Response {
  const { seed, cookies } = csrfSeed(ctx, request);
  // Only the values this endpoint reads, already checked: nothing else of the link is echoed.
  const handoff = validHandoffHash(info.url.searchParams.get('handoff'));
  const fields: Record<string, string> = { redirect_uri: returnTo, ...(handoff ? { handoff } : {}), confirm: ctx.csrf.tokenFor(seed, 'handoff') };
  return html(renderContinuePage({ action: Paths.signIn, host: new URL(returnTo).host, who, fields }), 200, cookies);
}

/** On the sign-in host: finish at once when signed in here, else the form or the provider's redirect. */
export async function authHostSignIn(ctx: AuthContext, request: Request, info: RequestInfo): Promise<Response> {
  const returnTo = returnUrl(ctx, info.url.searchParams.get('redirect_uri'), info);
  const handoff = validHandoffHash(info.url.searchParams.get('handoff'));
  const identity = await ctx.sessions.read(request);
  if (identity) {
    const confirmed = ctx.csrf.check(getCookie(request, ctx.cookies.csrf), info.url.searchParams.get('confirm'), 'handoff');
    if (issuesCode(ctx, returnTo, handoff) && !silentHandoffAllowed(request) && !confirmed) {
      ctx.log.info('hand-off needs a click: cross-site request', { request_id: info.requestId, target: new URL(returnTo).origin });
      return continuePage(ctx, request, info, identity.email ?? identity.name ?? identity.subject, returnTo);
    }
    return completeSignIn(ctx, { session: sessionOf(identity.claims), returnTo, handoff });
  }
  if (ctx.provider === 'oidc') return startOidc(ctx, info, returnTo, handoff);
  if (ctx.provider === 'static') return signInPage(ctx, request, { returnTo, handoff });
  return jsonError(404, 'sign_in_not_configured', info.requestId);
}
