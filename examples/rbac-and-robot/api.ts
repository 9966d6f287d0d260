/**
 * This example's API: a small JSON API that trusts nobody but Gatehouse. Every request must
 * carry Gatehouse's signed assertion (`X-Gatehouse-Jwt-Assertion`, from `pass_identity_headers`),
 * which it verifies against Gatehouse's JWKS before answering. Who may call what (eng on
 * /admin, the robot on the rest) is decided by Gatehouse's route policies; the API only reads
 * who the caller is.
 *
 *   GET  /v1/me         who is calling: email (people) or service name (robots), kind, groups
 *   GET  /v1/builds     the robot's read
 *   POST /v1/builds     the robot's write (JSON body echoed back)
 *   POST /v1/items      the SPA's write (JSON body: a preflighted request)
 *   GET  /admin/users   eng only (Gatehouse's /admin route)
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { Upstream } from '../shared/kit.ts';
import { hosts } from './app.ts';

const ASSERTION_TYP = 'gatehouse-assertion+jwt';

const api: Upstream = (origins) => {
  const port = new URL(origins.api).port;
  // Gatehouse's keys; a deployed API fetches them from its public URL
  // (https://auth.mycorp.example/.well-known/gatehouse/jwks.json).
  const jwks = createRemoteJWKSet(new URL(`http://127.0.0.1:${port}/.well-known/gatehouse/jwks.json`), { timeoutDuration: 3000 });
  const issuer = `http://${hosts.app.replace(/^app\./, 'auth.')}:${port}`;

  async function caller(request: Request): Promise<JWTPayload | null> {
    const assertion = request.headers.get('x-gatehouse-jwt-assertion');
    if (!assertion) return null;
    try {
      const { payload } = await jwtVerify(assertion, jwks, { issuer, audience: origins.api, typ: ASSERTION_TYP, algorithms: ['ES256'] });
      return payload;
    } catch {
      return null;
    }
  }

  return async (request) => {
    const who = await caller(request);
    if (!who) return Response.json({ error: 'no valid Gatehouse assertion: call me through Gatehouse' }, { status: 401 });
    const { pathname } = new URL(request.url);
    const identity = {
      user: (who.email as string | undefined) ?? who.sub ?? null,
      kind: who.kind,
      groups: (who.groups as string[] | undefined) ?? [],
      via: who.via,
    };
    const body = request.method === 'POST' ? await request.json().catch(() => null) : undefined;
    const route = `${request.method} ${pathname}`;
    switch (route) {
      case 'GET /v1/me':
        return Response.json({ message: 'HELLO WORLD', ...identity });
      case 'GET /v1/builds':
        return Response.json({ builds: [{ id: 41, status: 'passed' }, { id: 42, status: 'running' }], ...identity });
      case 'POST /v1/builds':
      case 'POST /v1/items':
        return Response.json({ saved: body, ...identity }, { status: 201 });
      case 'GET /admin/users':
        return Response.json({ users: ['user@example.test', 'sales@example.test'], ...identity });
      default:
        return Response.json({ error: 'not_found', path: pathname, ...identity }, { status: 404 });
    }
  };
};

export default api;
