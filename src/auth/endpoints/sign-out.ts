/**
 * `/.gatehouse/sign_out?redirect_uri=…`. Signing out changes state, so it happens only on a POST
 * from Gatehouse's own confirmation page (Fetch metadata and a CSRF token, like the sign-in
 * form); a GET, which any other site can trigger, only shows that page.
 *
 * On a route host the POST clears this host's trust cookie and continues to the sign-in host with
 * a sign-out hop token naming the session (sign-out-hop.ts), so the sign-in host clears its own
 * cookie without a second click, and for OIDC providers with an `end_session_endpoint` signs out
 * there too (RP-initiated logout) before returning. A route host without a session has nothing to
 * name, so the sign-in host then asks on its own confirmation page.
 *
 * Other route hosts that received their own cookie through a hand-off keep it until it expires
 * (a browser only lets a host clear its own cookies); with `cookie_domain` there is only one.
 */
import type { Identity } from '../../plugin-api/index.ts';
import { getCookie } from '../session/cookies.ts';
import { Paths, returnUrl, type AuthDeps, type EndpointRequest } from '../deps.ts';
import { postedFromOrigin, readForm } from './form.ts';
import { html, redirect } from './http.ts';
import { csrfSeed } from './sign-in.ts';
import { renderSignOutPage } from './pages.ts';

function confirmPage(deps: AuthDeps, request: Request, identity: Identity | null, returnTo: string, error?: string, status = 200): Response {
  const { seed, cookies } = csrfSeed(deps, request);
  const body = renderSignOutPage({
    action: Paths.signOut,
    csrf: deps.csrf.tokenFor(seed, 'sign-out'),
    redirectUri: returnTo,
    who: identity ? (identity.email ?? identity.name ?? identity.subject) : undefined,
    error,
  });
  return html(body, status, cookies);
}

/**
 * Revokes the session in the shared state: its cookie, copied anywhere, stops working on every
 * host and instance. A state that cannot answer makes sign-out fail (503) rather than pretend.
 */
async function endSession(deps: AuthDeps, identity: Identity | null): Promise<void> {
  if (identity?.sessionId) await deps.sessionRegistry.revokeSession(identity.sessionId);
}

/** Clears the sign-in host's cookie, then the provider's session (OIDC) or straight back. */
async function signOutOnAuthHost(deps: AuthDeps, info: EndpointRequest, identity: Identity | null, returnTo: string): Promise<Response> {
  await endSession(deps, identity);
  const clear = deps.sessions.clearCookies(info.url.hostname);
  if (identity) deps.log.info('signed out', { request_id: info.requestId, subject: identity.subject });
  if (deps.oidc) {
    try {
      const url = await deps.oidc.logoutUrl(`${deps.authOrigin}${Paths.signedOut}`, returnTo);
      if (url) return redirect(url, clear, { status: 303 });
    } catch (e) {
      deps.log.warn('RP-initiated logout skipped: provider unavailable', { request_id: info.requestId, error: (e as Error).message });
    }
  }
  return redirect(returnTo, clear, { status: 303 });
}

/** GET: the confirmation page; on the sign-in host, a valid hop token for this session signs out at once. */
export async function signOutPage(deps: AuthDeps, request: Request, info: EndpointRequest): Promise<Response> {
  const returnTo = returnUrl(deps, info.url.searchParams.get('redirect_uri'), info);
  const identity = await deps.sessions.read(request);
  if (deps.authOrigin !== undefined && info.url.origin === deps.authOrigin) {
    const sid = deps.signOutHop.sessionOf(info.url.searchParams.get('token'));
    // No session left here (e.g. one `cookie_domain` cookie, already cleared) still signs out at the provider.
    if (sid !== undefined && (!identity || identity.claims.sid === sid)) return signOutOnAuthHost(deps, info, identity, returnTo);
  }
  return confirmPage(deps, request, identity, returnTo);
}

/** POST from the confirmation page. */
export async function signOut(deps: AuthDeps, request: Request, info: EndpointRequest): Promise<Response> {
  const form = await readForm(request, info);
  if (form instanceof Response) return form;
  const returnTo = returnUrl(deps, form.get('redirect_uri'), info);
  const identity = await deps.sessions.read(request);
  if (!postedFromOrigin(request, info.url.origin) || !deps.csrf.check(getCookie(request, deps.cookies.csrf), form.get('csrf'), 'sign-out')) {
    deps.log.warn('sign-out refused: CSRF check failed', { request_id: info.requestId, client_ip: info.clientIp });
    return confirmPage(deps, request, identity, returnTo, 'This sign-out form expired. Please try again.', 403);
  }
  if (deps.authOrigin !== undefined && info.url.origin === deps.authOrigin) return signOutOnAuthHost(deps, info, identity, returnTo);
  await endSession(deps, identity);
  const clear = deps.sessions.clearCookies(info.url.hostname);
  if (identity) deps.log.info('signed out', { request_id: info.requestId, subject: identity.subject });
  if (deps.authOrigin === undefined) return redirect(returnTo, clear, { status: 303 });
  const sid = identity?.claims.sid;
  const token = typeof sid === 'string' && sid !== '' ? `&token=${deps.signOutHop.issue(sid)}` : '';
  return redirect(`${deps.authOrigin}${Paths.signOut}?redirect_uri=${encodeURIComponent(returnTo)}${token}`, clear, { status: 303 });
}

/** `/.gatehouse/signed_out?state=…`: where the provider sends the browser after its logout. */
export function signedOut(deps: AuthDeps, info: EndpointRequest): Response {
  return redirect(returnUrl(deps, info.url.searchParams.get('state'), info));
}
