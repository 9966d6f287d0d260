/**
 * `GET /.gatehouse/user`: who the trust cookie on this host says the caller is, or 401.
 */
import { Paths, type AuthDeps, type EndpointRequest } from '../deps.ts';
import { json, jsonError } from './http.ts';

export async function userEndpoint(deps: AuthDeps, request: Request, info: EndpointRequest): Promise<Response> {
  const identity = await deps.sessions.read(request);
  if (!identity) {
    const login_url = `${info.url.origin}${Paths.signIn}?redirect_uri=%2F`;
    return jsonError(401, 'unauthenticated', info.requestId, { login_url });
  }
  const exp = Number(identity.claims.exp);
  return json({
    subject: identity.subject,
    email: identity.email ?? null,
    name: identity.name ?? null,
    groups: identity.groups,
    session_id: identity.sessionId ?? null,
    expires_at: new Date(exp * 1000).toISOString(),
  });
}
