/**
 * `GET /.gatehouse/callback?code=…` on a route host: redeems a hand-off code from the sign-in
 * host and sets this host's own trust cookie.
 */
import { getCookie } from '../session/cookies.ts';
import { Paths, type AuthDeps, type EndpointRequest } from '../deps.ts';
import { HandoffError, hashNonce } from '../session/handoff.ts';
import { jsonError, redirect } from './http.ts';
import { safeReturnUrl } from '../session/return-url.ts';

export async function handoffCallback(deps: AuthDeps, request: Request, info: EndpointRequest): Promise<Response> {
  const nonce = getCookie(request, deps.cookies.handoffNonce);
  const code = info.url.searchParams.get('code') ?? '';
  let redeemed;
  try {
    redeemed = await deps.handoff.redeem(code, { origin: info.url.origin, nonceHash: nonce ? hashNonce(nonce) : undefined });
  } catch (e) {
    if (!(e instanceof HandoffError)) throw e;
    deps.log.warn('hand-off refused', { request_id: info.requestId, reason: e.message });
    return jsonError(400, 'invalid_handoff', info.requestId, {
      message: e.message,
      login_url: `${info.url.origin}${Paths.signIn}?redirect_uri=%2F`,
    });
  }
  // The code names its return URL, signed; it must still be on this host.
  const returnTo = safeReturnUrl(redeemed.returnTo, info.url, () => false);
  // The session may have been revoked since the code was minted (up to a minute ago).
  const verdict = await deps.sessionRegistry.check({ sid: redeemed.session.sid, sub: redeemed.session.sub, began: redeemed.session.sat ?? 0 });
  if (verdict !== 'ok') {
    deps.log.warn('hand-off refused: session ended', { request_id: info.requestId, verdict });
    return jsonError(400, 'invalid_handoff', info.requestId, { message: 'the session has ended', login_url: `${info.url.origin}${Paths.signIn}?redirect_uri=%2F` });
  }
  const { token, session } = await deps.sessions.issue(redeemed.session, { sid: redeemed.session.sid, exp: redeemed.session.exp, sat: redeemed.session.sat ?? 0 });
  return redirect(returnTo, [deps.sessions.setCookie(token, session.exp, info.url.hostname)], {
    viaPage: deps.sessions.settings.cookie_same_site === 'strict',
  });
}
