/**
 * `/.gatehouse/sign_out?redirect_uri=…` (GET or POST): clears this host's trust cookie; on a
 * route host then continues to the sign-in host, which clears its own and, for OIDC providers
 * with an `end_session_endpoint`, signs out there too (RP-initiated logout) before returning.
 *
 * Other route hosts that received their own cookie through a hand-off keep it until it expires
 * (a browser only lets a host clear its own cookies); with `cookie_domain` there is only one.
 */
import { Paths, type AuthContext, type RequestInfo } from './context.ts';
import { redirect } from './http.ts';
import { safeReturnUrl } from './return-url.ts';

export async function signOut(ctx: AuthContext, request: Request, info: RequestInfo): Promise<Response> {
  const returnTo = safeReturnUrl(info.url.searchParams.get('redirect_uri'), info.url, ctx.isAllowedOrigin);
  const clear = ctx.sessions.clearCookies(info.url.hostname);
  const identity = await ctx.sessions.read(request);
  if (identity) ctx.log.info('signed out', { request_id: info.requestId, subject: identity.subject });
  if (ctx.authOrigin === undefined) return redirect(returnTo, clear);
  if (info.url.origin !== ctx.authOrigin) {
    return redirect(`${ctx.authOrigin}${Paths.signOut}?redirect_uri=${encodeURIComponent(returnTo)}`, clear, { status: 303 });
  }
  if (ctx.oidc) {
    try {
      const url = await ctx.oidc.logoutUrl(`${ctx.authOrigin}${Paths.signedOut}`, returnTo);
      if (url) return redirect(url, clear, { status: 303 });
    } catch (e) {
      ctx.log.warn('RP-initiated logout skipped: provider unavailable', { request_id: info.requestId, error: (e as Error).message });
    }
  }
  return redirect(returnTo, clear, { status: 303 });
}

/** `/.gatehouse/signed_out?state=…`: where the provider sends the browser after its logout. */
export function signedOut(ctx: AuthContext, info: RequestInfo): Response {
  return redirect(safeReturnUrl(info.url.searchParams.get('state'), info.url, ctx.isAllowedOrigin));
}
