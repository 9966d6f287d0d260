/**
 * `GET /.gatehouse/user`: who the trust cookie on this host says the caller is, or 401. Scripts
 * get JSON; a browser navigating here gets a page with the same facts, the routes whose policy
 * admits the caller, and a way to sign out.
 */
import { Paths, type AuthDeps, type EndpointRequest } from '../deps.ts';
import { html, json, jsonError, redirect } from './http.ts';
import { renderWhoAmIPage } from './pages.ts';

export async function userEndpoint(deps: AuthDeps, request: Request, info: EndpointRequest): Promise<Response> {
  const identity = await deps.sessions.read(request);
  const page = wantsPage(request);
  if (!identity) {
    // A person gets the sign-in page and comes back here; without sign-in configured there is none.
    if (page && deps.authOrigin !== undefined) return redirect(`${Paths.signIn}?redirect_uri=${encodeURIComponent(Paths.user)}`);
    const login_url = `${info.url.origin}${Paths.signIn}?redirect_uri=%2F`;
    return jsonError(401, 'unauthenticated', info.requestId, { login_url });
  }
  const exp = Number(identity.claims.exp);
  const expiresAt = new Date(exp * 1000).toISOString();
  if (page) {
    return html(
      renderWhoAmIPage({
        subject: identity.subject,
        email: identity.email,
        name: identity.name,
        groups: identity.groups,
        expiresAt,
        routes: deps.routesFor(identity),
        signOutUrl: Paths.signOut,
      }),
    );
  }
  return json({
    subject: identity.subject,
    email: identity.email ?? null,
    name: identity.name ?? null,
    groups: identity.groups,
    session_id: identity.sessionId ?? null,
    expires_at: expiresAt,
  });
}

/**
 * A browser navigation (unless its Accept ranks JSON above HTML), or any request whose Accept
 * ranks HTML above JSON. `fetch()`, whose default Accept ranks the two equal, keeps getting JSON.
 */
function wantsPage(request: Request): boolean {
  const accept = request.headers.get('accept');
  const htmlQ = quality(accept, 'text/html');
  const jsonQ = quality(accept, 'application/json');
  if (request.headers.get('sec-fetch-mode') === 'navigate') return htmlQ >= jsonQ && htmlQ > 0;
  return htmlQ > jsonQ;
}

/** The q-value `accept` gives `type` (the most specific matching range wins; no header accepts all). */
function quality(accept: string | null, type: string): number {
  if (!accept?.trim()) return 1;
  const [major] = type.split('/');
  let best = -1;
  let q = 0;
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const specificity = range === type ? 2 : range === `${major}/*` ? 1 : range === '*/*' ? 0 : -1;
    if (specificity <= best) continue;
    const qParam = params.find((p) => p.startsWith('q='));
    const value = qParam ? Number(qParam.slice(2)) : 1;
    best = specificity;
    q = Number.isFinite(value) ? Math.min(Math.max(value, 0), 1) : 0;
  }
  return q;
}
