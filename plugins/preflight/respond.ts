/**
 * `mode: respond`: Gatehouse owns CORS for the route. Preflights are answered here and never
 * reach the auth plugins or the upstream; every other response gets its CORS headers on the
 * way back, Gatehouse's own errors included.
 */
import type { Handler, RequestContext } from '../../src/plugin-api/index.ts';
import { normaliseMethod } from '../shared/methods.ts';
import { requestOrigin } from '../shared/origin-pattern.ts';
import { methodAllowed } from './allowed-methods.ts';
import { markAllowedOrigin } from './allowed-origin.ts';
import type { CorsPolicy } from './config.ts';
import { preflightAnswers, type PreflightAnswer } from './preflight-answers.ts';
import { requestHeadersAllowed } from './request-headers.ts';
import { appendVary, editHeaders, stripCorsHeaders } from './response-headers.ts';

/** Why a preflight was refused; sent as `reason` in the 403 body. */
export type DenyReason = 'origin' | 'method' | 'headers' | 'private_network';

export function respondHandler(policy: CorsPolicy): Handler {
  const answer = preflightAnswers(policy);
  return (ctx, next) => {
    const headers = ctx.request.headers;
    const origin = requestOrigin(headers);
    const allowed = origin !== null && policy.origins.matches(origin);
    if (allowed) markAllowedOrigin(ctx, policy, origin);
    const isOptions = ctx.request.method === 'OPTIONS';
    if (isOptions && origin !== null) {
      const acrm = headers.get('access-control-request-method');
      if (acrm !== null) return answerPreflight(policy, answer, ctx, allowed, origin, acrm);
    }
    return next().then((response) => editHeaders(response, (h) => decorate(policy, h, allowed ? origin : null, isOptions)));
  };
}

function answerPreflight(policy: CorsPolicy, answer: PreflightAnswer, ctx: RequestContext, allowed: boolean, origin: string, acrm: string): Response {
  if (!allowed) return deny(policy, ctx, 'origin');
  const method = normaliseMethod(acrm);
  if (!methodAllowed(policy.methods, method)) return deny(policy, ctx, 'method');
  const headers = ctx.request.headers;
  const acrh = headers.get('access-control-request-headers');
  if (acrh !== null && !requestHeadersAllowed(policy.headers, acrh)) return deny(policy, ctx, 'headers');
  const privateNetwork = headers.get('access-control-request-private-network') === 'true';
  if (privateNetwork && !policy.privateNetwork) return deny(policy, ctx, 'private_network');
  return new Response(null, { status: 204, headers: answer(origin, method, acrh, privateNetwork) });
}

function deny(policy: CorsPolicy, ctx: RequestContext, reason: DenyReason): Response {
  return ctx.error(403, 'cors_preflight_denied', { reason }, { Vary: policy.preflightVary });
}

/** Adds the CORS headers to a response; `origin` is the request's Origin when the policy allows it, else null. */
function decorate(policy: CorsPolicy, h: Headers, origin: string | null, isOptions: boolean): void {
  stripCorsHeaders(h);
  // A cache must not hand one origin's answer (or a preflight's) to another request.
  if (isOptions) appendVary(h, policy.preflightVary);
  else if (!policy.origins.any) appendVary(h, 'Origin');
  if (policy.origins.any) {
    // Credentials are refused with `*` at load, so the wildcard is always safe here; it is
    // sent even without an Origin so a cached copy serves later cross-origin requests too.
    h.set('access-control-allow-origin', '*');
  } else {
    if (origin === null) return;
    h.set('access-control-allow-origin', origin);
    if (policy.credentials) h.set('access-control-allow-credentials', 'true');
  }
  if (policy.exposeHeaders !== '') h.set('access-control-expose-headers', policy.exposeHeaders);
}
