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
import { requestHeadersAllowed } from './request-headers.ts';
import { appendVary, editHeaders, stripCorsHeaders } from './response-headers.ts';

/** Why a preflight was refused; sent as `reason` in the 403 body. */
export type DenyReason = 'origin' | 'method' | 'headers' | 'private_network';

export function respondHandler(policy: CorsPolicy): Handler {
  return async (ctx, next) => {
    const headers = ctx.request.headers;
    const origin = requestOrigin(headers);
    const isOptions = ctx.request.method === 'OPTIONS';
    if (origin !== null && policy.origins.matches(origin)) markAllowedOrigin(ctx, policy, origin);
    if (isOptions && origin !== null) {
      const acrm = headers.get('access-control-request-method');
      if (acrm !== null) return answerPreflight(policy, ctx, origin, acrm);
    }
    const response = await next();
    return editHeaders(response, (h) => decorate(policy, h, origin, isOptions));
  };
}

function answerPreflight(policy: CorsPolicy, ctx: RequestContext, origin: string, acrm: string): Response {
  const deny = (reason: DenyReason) =>
    ctx.error(403, 'cors_preflight_denied', { reason }, { Vary: policy.preflightVary });
  if (!policy.origins.matches(origin)) return deny('origin');
  const method = normaliseMethod(acrm);
  if (!methodAllowed(policy.methods, method)) return deny('method');
  const headers = ctx.request.headers;
  const acrh = headers.get('access-control-request-headers');
  if (acrh !== null && !requestHeadersAllowed(policy.headers, acrh)) return deny('headers');
  const privateNetwork = headers.get('access-control-request-private-network') === 'true';
  if (privateNetwork && !policy.privateNetwork) return deny('private_network');

  const out = new Headers(policy.preflightHeaders as Array<[string, string]>);
  out.set('access-control-allow-origin', policy.origins.any ? '*' : origin);
  // With credentials a literal `*` is a method or header named "*" to browsers, so the request
  // is named back instead (as jub0bs/cors does); Authorization was already held to the list.
  const reflect = policy.credentials;
  if (reflect && policy.methods.any) out.set('access-control-allow-methods', method);
  // Checked above, so `acrh` is short here; only name headers when some were asked for.
  if (acrh !== null && /[^\s,]/.test(acrh)) out.set('access-control-allow-headers', reflect && policy.headers.any ? acrh : policy.headers.value);
  if (privateNetwork) out.set('access-control-allow-private-network', 'true');
  return new Response(null, { status: 204, headers: out });
}

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
    if (origin === null || !policy.origins.matches(origin)) return;
    h.set('access-control-allow-origin', origin);
    if (policy.credentials) h.set('access-control-allow-credentials', 'true');
  }
  if (policy.exposeHeaders !== '') h.set('access-control-expose-headers', policy.exposeHeaders);
}
