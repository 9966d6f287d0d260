/**
 * `POST /.gatehouse/sign_in` on the sign-in host: the static provider's form submission.
 */
import { getCookie } from './cookies.ts';
import { completeSignIn, validHandoffHash } from './complete-sign-in.ts';
import type { AuthContext, RequestInfo } from './context.ts';
import { jsonError } from './http.ts';
import { safeReturnUrl } from './return-url.ts';
import { signInPage } from './sign-in.ts';

/** One message for every failed password check, whether or not the email exists. */
export const WRONG_CREDENTIALS = 'Incorrect email or password.';
const MAX_FORM_BYTES = 16 * 1024;

async function readForm(request: Request): Promise<URLSearchParams | undefined> {
  if (!/^application\/x-www-form-urlencoded\b/i.test(request.headers.get('content-type') ?? '')) return undefined;
  if (Number(request.headers.get('content-length') ?? 0) > MAX_FORM_BYTES) return undefined;
  const body = await request.arrayBuffer();
  if (body.byteLength > MAX_FORM_BYTES) return undefined;
  return new URLSearchParams(new TextDecoder().decode(body));
}

/** Whether the browser says this POST comes from our own page (Fetch metadata / Origin). */
function sameOrigin(request: Request, origin: string): boolean {
  const site = request.headers.get('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') return false;
  const from = request.headers.get('origin');
  return from === null || from === origin;
}

export async function staticSignIn(ctx: AuthContext, request: Request, info: RequestInfo): Promise<Response> {
  if (ctx.provider !== 'static' || !ctx.staticUsers) return jsonError(405, 'method_not_allowed', info.requestId, {}, { allow: 'GET' });
  const form = await readForm(request);
  if (!form) return jsonError(400, 'invalid_request', info.requestId, { message: 'expected a urlencoded form' });
  const returnTo = safeReturnUrl(form.get('redirect_uri'), info.url, ctx.isAllowedOrigin);
  const handoff = validHandoffHash(form.get('handoff'));
  const email = (form.get('email') ?? '').trim();
  const password = form.get('password') ?? '';
  const again = (error: string, status: number, headers: Record<string, string> = {}) => {
    const response = signInPage(ctx, request, { returnTo, handoff, email, error }, status);
    for (const [k, v] of Object.entries(headers)) response.headers.set(k, v);
    return response;
  };

  if (!sameOrigin(request, info.url.origin) || !ctx.csrf.check(getCookie(request, ctx.cookies.csrf), form.get('csrf'))) {
    ctx.log.warn('sign-in refused: CSRF check failed', { request_id: info.requestId, client_ip: info.clientIp });
    return again('This sign-in form expired. Please try again.', 403);
  }
  const wait = ctx.throttle.retryAfterMs(info.clientIp, email);
  if (wait > 0) {
    ctx.log.warn('sign-in throttled', { request_id: info.requestId, client_ip: info.clientIp, email });
    const minutes = Math.ceil(wait / 60_000);
    return again(`Too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, 429, {
      'retry-after': String(Math.ceil(wait / 1000)),
    });
  }
  const profile = email && password ? await ctx.staticUsers.verify(email, password) : null;
  if (!profile) {
    ctx.throttle.fail(info.clientIp, email);
    ctx.log.warn('sign-in failed', { request_id: info.requestId, client_ip: info.clientIp, email });
    return again(WRONG_CREDENTIALS, 401);
  }
  ctx.throttle.succeed(email);
  const { token, session } = await ctx.sessions.issue(profile);
  ctx.log.info('signed in', { request_id: info.requestId, subject: profile.sub, provider: 'static' });
  return completeSignIn(ctx, {
    session,
    returnTo,
    handoff,
    cookies: [ctx.sessions.setCookie(token, session.exp, info.url.hostname)],
    fresh: true,
    status: 303,
  });
}
