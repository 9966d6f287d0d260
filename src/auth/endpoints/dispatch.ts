/**
 * Which of Gatehouse's own endpoints answers a request, before any route is looked up.
 */
import { declaresTooLarge } from '../../http/read-capped-body.ts';
import { Paths, type AuthDeps, type EndpointRequest } from '../deps.ts';
import { payloadTooLarge } from './form.ts';
import { handoffCallback } from './handoff-callback.ts';
import { html, jsonError, redirect } from './http.ts';
import { isStateUnavailable } from '../../state/store.ts';
import { oidcCallback } from './oidc-callback.ts';
import { authHostSignIn, routeHostSignIn } from './sign-in.ts';
import { renderSignedInPage, renderUnavailablePage } from './pages.ts';
import { signedOut, signOut, signOutPage } from './sign-out.ts';
import { staticSignIn } from './static-sign-in.ts';
import { userEndpoint } from './user.ts';

export type Endpoint = (request: Request, info: EndpointRequest) => Promise<Response> | Response;

/**
 * Extra `/.gatehouse/*` endpoints served on every host, by path. `/.gatehouse/token` (issue 4)
 * plugs in here.
 */
export type ExtraEndpoints = Partial<Record<string, Endpoint>>;

const methodNotAllowed = (info: EndpointRequest, allow: string) => jsonError(405, 'method_not_allowed', info.requestId, {}, { allow });

/**
 * Builds `handle(request, info)`: answers the reserved paths on every host and everything on
 * the sign-in host; null for anything else (the route pipeline takes it).
 */
export function createDispatcher(deps: AuthDeps, jwks: object, extra: ExtraEndpoints = {}) {
  const jwksBody = JSON.stringify(jwks);

  return async function handle(request: Request, info: EndpointRequest): Promise<Response | null> {
    try {
      return await answer(request, info);
    } catch (error) {
      if (!isStateUnavailable(error)) throw error;
      deps.log.warn('sign-in state unavailable', { request_id: info.requestId, error: (error as Error).message });
      return stateUnavailable(request, info);
    }
  };

  async function answer(request: Request, info: EndpointRequest): Promise<Response | null> {
    const path = info.url.pathname;
    const method = request.method;
    const onAuthHost = deps.authOrigin !== undefined && info.url.origin === deps.authOrigin;
    const get = method === 'GET' || method === 'HEAD';

    if (path === Paths.jwks) {
      if (!get) return methodNotAllowed(info, 'GET, HEAD');
      return new Response(jwksBody, { headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' } });
    }
    if (!path.startsWith('/.gatehouse/') && !onAuthHost) return null;
    // Nothing Gatehouse answers takes a big body; the handlers that read one stop at the same cap.
    if (declaresTooLarge(request)) return payloadTooLarge(info);
    if (!path.startsWith('/.gatehouse/')) {
      if (path !== '/') return jsonError(404, 'not_found', info.requestId);
      if (!get) return methodNotAllowed(info, 'GET, HEAD');
      const identity = await deps.sessions.read(request);
      if (!identity) return redirect(Paths.signIn);
      return html(renderSignedInPage(identity.email ?? identity.name ?? identity.subject, Paths.signOut));
    }

    const endpoint = extra[path];
    if (endpoint) return endpoint(request, info);
    if (deps.authOrigin === undefined && path !== Paths.user) return jsonError(404, 'sign_in_not_configured', info.requestId);

    switch (path) {
      case Paths.signIn:
        if (onAuthHost && method === 'POST') return staticSignIn(deps, request, info);
        if (!get) return methodNotAllowed(info, onAuthHost ? 'GET, HEAD, POST' : 'GET, HEAD');
        return onAuthHost ? authHostSignIn(deps, request, info) : routeHostSignIn(deps, request, info);
      case Paths.callback:
        if (!get) return methodNotAllowed(info, 'GET, HEAD');
        return handoffCallback(deps, request, info);
      case Paths.signOut:
        if (method === 'POST') return signOut(deps, request, info);
        if (!get) return methodNotAllowed(info, 'GET, HEAD, POST');
        return signOutPage(deps, request, info);
      case Paths.user:
        if (!get) return methodNotAllowed(info, 'GET, HEAD');
        return userEndpoint(deps, request, info);
      case Paths.oidcCallback:
        if (!onAuthHost || !deps.oidc) break;
        if (!get) return methodNotAllowed(info, 'GET, HEAD');
        return oidcCallback(deps, request, info);
      case Paths.signedOut:
        if (!onAuthHost) break;
        return signedOut(deps, info);
    }
    return jsonError(404, 'not_found', info.requestId);
  }
}

/**
 * The shared state did not answer: nothing was decided, so say so plainly and ask to come back.
 * Browsers get a page, scripts JSON; both carry `Retry-After`.
 */
function stateUnavailable(request: Request, info: EndpointRequest): Response {
  const headers = { 'retry-after': '5' };
  const accept = request.headers.get('accept') ?? '';
  if (request.method === 'GET' && accept.includes('text/html')) {
    const response = html(renderUnavailablePage(), 503);
    response.headers.set('retry-after', '5');
    return response;
  }
  return jsonError(503, 'state_unavailable', info.requestId, { message: 'sign-in is unavailable right now; try again in a few seconds' }, headers);
}
