/**
 * `POST /.gatehouse/sign_in` on the sign-in host: the static provider's form submission.
 *
 * Order matters against hostile clients: the body is read with a cap, the CSRF check is cheap,
 * then the attempt takes its throttle slot before any password is checked (a burst cannot get
 * more checks than the limit), and the check itself waits for one of a few argon2 slots.
 */
import { BusyError } from '../providers/concurrency.ts';
import { getCookie } from '../session/cookies.ts';
import { completeSignIn, validHandoffHash } from './complete-sign-in.ts';
import { returnUrl, type AuthDeps, type EndpointRequest } from '../deps.ts';
import { postedFromOrigin, readForm } from './form.ts';
import { jsonError } from './http.ts';
import { signInPage } from './sign-in.ts';

/** One message for every failed password check, whether or not the email exists. */
export const WRONG_CREDENTIALS = 'Incorrect email or password.';
const MAX_EMAIL_LENGTH = 254;

/** "12 seconds", "3 minutes". */
function waitText(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minutes`;
}

export async function staticSignIn(deps: AuthDeps, request: Request, info: EndpointRequest): Promise<Response> {
  if (deps.provider !== 'static' || !deps.staticUsers) return jsonError(405, 'method_not_allowed', info.requestId, {}, { allow: 'GET' });
  const users = deps.staticUsers;
  const form = await readForm(request, info);
  if (form instanceof Response) return form;
  const returnTo = returnUrl(deps, form.get('redirect_uri'), info);
  const handoff = validHandoffHash(form.get('handoff'));
  const email = (form.get('email') ?? '').trim();
  const password = form.get('password') ?? '';
  const log = { request_id: info.requestId, client_ip: info.clientIp, email };
  const again = (error: string, status: number, headers: Record<string, string> = {}) => {
    const response = signInPage(deps, request, { returnTo, handoff, email, error }, status);
    for (const [k, v] of Object.entries(headers)) response.headers.set(k, v);
    return response;
  };

  if (!postedFromOrigin(request, info.url.origin) || !deps.csrf.check(getCookie(request, deps.cookies.csrf), form.get('csrf'))) {
    deps.log.warn('sign-in refused: CSRF check failed', { request_id: info.requestId, client_ip: info.clientIp });
    return again('This sign-in form expired. Please try again.', 403);
  }
  // Nothing to check, or an address no user can have (RFC 5321): no argon2, no throttle counter.
  if (!email || !password || email.length > MAX_EMAIL_LENGTH) return again(WRONG_CREDENTIALS, 401);
  const slot = await deps.throttle.reserve(info.clientIp, email);
  if (!slot.ok) {
    deps.log.warn('sign-in throttled', { ...log, limit: slot.limit });
    return again(`Too many failed sign-ins. Try again in ${waitText(slot.retryAfterMs)}.`, 429, {
      'retry-after': String(Math.ceil(slot.retryAfterMs / 1000)),
    });
  }
  let profile;
  try {
    profile = await deps.passwordChecks.run(() => users.verify(email, password));
  } catch (e) {
    if (!(e instanceof BusyError)) throw e;
    await slot.cancel();
    deps.log.warn('sign-in refused: too many password checks in progress', log);
    return again('Too many sign-ins in progress. Please try again in a moment.', 429, { 'retry-after': '1' });
  }
  if (!profile) {
    deps.log.warn('sign-in failed', log);
    return again(WRONG_CREDENTIALS, 401);
  }
  await slot.succeeded();
  const { token, session } = await deps.sessions.issue(profile);
  deps.log.info('signed in', { request_id: info.requestId, subject: profile.sub, provider: 'static' });
  return completeSignIn(deps, {
    session,
    returnTo,
    handoff,
    cookies: [deps.sessions.setCookie(token, session.exp, info.url.hostname)],
    fresh: true,
    status: 303,
  });
}
