/**
 * The sign-in host's side of OIDC: the redirect to the provider, with `state`, `nonce` and the
 * PKCE verifier kept in a signed, short-lived cookie named after the state (so several tabs can
 * sign in at once), and `/.gatehouse/oidc/callback`.
 */
import { getCookie, serializeCookie } from '../session/cookies.ts';
import { completeSignIn, validHandoffHash } from './complete-sign-in.ts';
import { helperCookie, Paths, returnUrl, type AuthDeps, type EndpointRequest } from '../deps.ts';
import { jsonError, redirect } from './http.ts';
import { OidcError, type OidcPending } from '../providers/oidc.ts';
import { TokenType } from '../tokens/own-tokens.ts';

/** Time allowed at the provider between leaving and coming back. */
const STATE_TTL_SECONDS = 10 * 60;
const STATE_FORMAT = /^[\w-]{16,128}$/;

function errorStatus(e: OidcError): number {
  return e.code === 'idp_unavailable' ? 502 : 400;
}

export async function startOidc(deps: AuthDeps, info: EndpointRequest, returnTo: string, handoff: string | undefined): Promise<Response> {
  let started;
  try {
    started = await deps.oidc!.start();
  } catch (e) {
    deps.log.error('cannot start OIDC sign-in', { request_id: info.requestId, error: (e as Error).message });
    return jsonError(502, 'idp_unavailable', info.requestId);
  }
  const { url, pending } = started;
  const state = await deps.tokens.sign(TokenType.oidcState, { ...pending, rt: returnTo, ho: handoff }, {
    audience: deps.authOrigin!,
    ttlSeconds: STATE_TTL_SECONDS,
  });
  // Lax, whatever the session's SameSite: the provider's redirect back is a cross-site navigation.
  const cookie = serializeCookie(deps.cookies.oidcState(pending.state), state, helperCookie(deps, Paths.oidcCallback, STATE_TTL_SECONDS));
  return redirect(url, [cookie]);
}

export async function oidcCallback(deps: AuthDeps, request: Request, info: EndpointRequest): Promise<Response> {
  const login_url = `${deps.authOrigin}${Paths.signIn}`;
  const state = info.url.searchParams.get('state') ?? '';
  if (!STATE_FORMAT.test(state)) return jsonError(400, 'invalid_state', info.requestId, { login_url });
  const cookieName = deps.cookies.oidcState(state);
  const clear = serializeCookie(cookieName, '', helperCookie(deps, Paths.oidcCallback, 0));
  const stored = getCookie(request, cookieName);
  let pending: OidcPending & { rt?: unknown; ho?: unknown };
  try {
    if (!stored) throw new Error('no sign-in was started in this browser with this state');
    pending = (await deps.tokens.verify(stored, { typ: TokenType.oidcState, audience: deps.authOrigin! })) as unknown as typeof pending;
    if (pending.state !== state) throw new Error('state does not match');
  } catch (e) {
    // The cookie stays: a planted link with a wrong state must not cancel a sign-in in progress.
    deps.log.warn('OIDC callback refused: state mismatch', { request_id: info.requestId, reason: (e as Error).message });
    return jsonError(400, 'invalid_state', info.requestId, { login_url });
  }
  let profile;
  try {
    profile = await deps.oidc!.finish(info.url, pending);
  } catch (e) {
    const err = e instanceof OidcError ? e : new OidcError('invalid_response', (e as Error).message);
    deps.log.warn('OIDC sign-in failed', { request_id: info.requestId, code: err.code, reason: err.message });
    return jsonError(errorStatus(err), err.code, info.requestId, { login_url }, { 'set-cookie': clear });
  }
  // One use per state on every instance, claimed only once the provider vouched for the code:
  // failed callbacks write nothing, so they cannot fill the state.
  if (!(await deps.oneTime.claim(`oidc-state:${state}`, STATE_TTL_SECONDS * 1000))) {
    deps.log.warn('OIDC callback refused: state already used', { request_id: info.requestId });
    return jsonError(400, 'invalid_state', info.requestId, { login_url, message: 'this sign-in was already completed' });
  }
  const { token, session } = await deps.sessions.issue(profile);
  deps.log.info('signed in', { request_id: info.requestId, subject: profile.sub, provider: 'oidc' });
  const returnTo = returnUrl(deps, typeof pending.rt === 'string' ? pending.rt : null, info);
  return completeSignIn(deps, {
    session,
    returnTo,
    handoff: validHandoffHash(typeof pending.ho === 'string' ? pending.ho : undefined),
    cookies: [clear, deps.sessions.setCookie(token, session.exp, info.url.hostname)],
    fresh: true,
  });
}
