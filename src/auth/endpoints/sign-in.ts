/**
 * `GET /.gatehouse/sign_in?redirect_uri=…` on route hosts and on the sign-in host.
 */
import { logoImgSource } from '../../config/branding.ts';
import { getCookie, serializeCookie } from '../session/cookies.ts';
import { completeSignIn, issuesCode, sessionOf, validHandoffHash } from './complete-sign-in.ts';
import { helperCookie, Paths, returnUrl, sharesCookieWithAuth, type AuthDeps, type EndpointRequest } from '../deps.ts';
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
export async function routeHostSignIn(deps: AuthDeps, request: Request, info: EndpointRequest): Promise<Response> {
  const returnTo = returnUrl(deps, info.url.searchParams.get('redirect_uri'), info);
  const toAuth = (extra = '') => `${deps.authOrigin}${Paths.signIn}?redirect_uri=${encodeURIComponent(returnTo)}${extra}`;
  if (new URL(returnTo).origin !== info.url.origin) return redirect(toAuth());
  if (await deps.sessions.read(request)) return redirect(returnTo);
  if (sharesCookieWithAuth(deps, info.url.hostname)) {
    // A stale host-only cookie from before `cookie_domain` was set would be sent first and shadow
    // the new domain cookie forever; clear it on the way.
    return redirect(toAuth(), [serializeCookie(deps.sessions.cookieName, '', { path: '/', maxAge: 0 })]);
  }
  // Reusing an existing nonce lets several tabs sign in at once without invalidating each other.
  const existing = getCookie(request, deps.cookies.handoffNonce);
  const nonce = existing && /^[\w-]{24}$/.test(existing) ? existing : newHandoffNonce();
  // Path /.gatehouse/ so the next sign-in here sees (and reuses) it, and the callback reads it.
  const cookie = serializeCookie(deps.cookies.handoffNonce, nonce, helperCookie(deps, '/.gatehouse/', NONCE_MAX_AGE));
  return redirect(toAuth(`&handoff=${hashNonce(nonce)}`), [cookie]);
}

/**
 * The CSRF seed cookie: the existing one, or a new one plus its `Set-Cookie`. Its path is
 * `/.gatehouse/` so that the sign-in, sign-out and hand-off confirmation forms all see it.
 */
export function csrfSeed(deps: AuthDeps, request: Request): { seed: string; cookies: string[] } {
  const existing = getCookie(request, deps.cookies.csrf);
  if (existing && /^[\w-]{24}$/.test(existing)) return { seed: existing, cookies: [] };
  const seed = deps.csrf.newSeed();
  return { seed, cookies: [serializeCookie(deps.cookies.csrf, seed, helperCookie(deps, '/.gatehouse/', CSRF_MAX_AGE, 'strict'))] };
}

/** Renders the static provider's form (used by GET and by failed POSTs). */
export function signInPage(
  deps: AuthDeps,
  request: Request,
  values: { returnTo: string; handoff?: string; email?: string; error?: string },
  status = 200,
  extraCookies: string[] = [],
): Response {
  const { seed, cookies } = csrfSeed(deps, request);
  // `returnTo` passed `returnUrl`, so its host is a route's or this one; this one is not news.
  const site = new URL(values.returnTo).host;
  const body = renderSignInPage({
    action: Paths.signIn,
    csrf: deps.csrf.tokenFor(seed),
    redirectUri: values.returnTo,
    site: deps.authOrigin && site === new URL(deps.authOrigin).host ? undefined : site,
    handoff: values.handoff,
    email: values.email,
    error: values.error,
    branding: deps.branding,
  });
  return html(body, status, [...cookies, ...extraCookies], logoSource(deps));
}

/** The CSP `img-src` addition for the configured logo, if any. */
function logoSource(deps: AuthDeps): string | undefined {
  return deps.branding?.logo_url ? logoImgSource(deps.branding.logo_url) : undefined;
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
function continuePage(deps: AuthDeps, request: Request, info: EndpointRequest, who: string, returnTo: string): Response {
  const { seed, cookies } = csrfSeed(deps, request);
  // Only the values this endpoint reads, already checked: nothing else of the link is echoed.
  const handoff = validHandoffHash(info.url.searchParams.get('handoff'));
  const fields: Record<string, string> = { redirect_uri: returnTo, ...(handoff ? { handoff } : {}), confirm: deps.csrf.tokenFor(seed, 'handoff') };
  return html(renderContinuePage({ action: Paths.signIn, host: new URL(returnTo).host, who, fields, branding: deps.branding }), 200, cookies, logoSource(deps));
}

/** On the sign-in host: finish at once when signed in here, else the form or the provider's redirect. */
export async function authHostSignIn(deps: AuthDeps, request: Request, info: EndpointRequest): Promise<Response> {
  const returnTo = returnUrl(deps, info.url.searchParams.get('redirect_uri'), info);
  const handoff = validHandoffHash(info.url.searchParams.get('handoff'));
  const identity = await deps.sessions.read(request);
  if (identity) {
    const confirmed = deps.csrf.check(getCookie(request, deps.cookies.csrf), info.url.searchParams.get('confirm'), 'handoff');
    if (issuesCode(deps, returnTo, handoff) && !silentHandoffAllowed(request) && !confirmed) {
      deps.log.info('hand-off needs a click: cross-site request', { request_id: info.requestId, target: new URL(returnTo).origin });
      return continuePage(deps, request, info, identity.email ?? identity.name ?? identity.subject, returnTo);
    }
    return completeSignIn(deps, { session: sessionOf(identity.claims), returnTo, handoff });
  }
  if (deps.provider === 'oidc') return startOidc(deps, info, returnTo, handoff);
  if (deps.provider === 'static') return signInPage(deps, request, { returnTo, handoff });
  return jsonError(404, 'sign_in_not_configured', info.requestId);
}
