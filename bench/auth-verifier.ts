/**
 * The external verifier of the nginx `auth_request` row (the usual nginx + oauth2-proxy setup):
 * answers nginx's subrequest with 204 when `Authorization: Bearer <jwt>` holds a valid HS256 token
 * of the bench issuer, else 401. Like a real verifier it caches a verified token by its exact
 * string until its `exp`, so a repeated token costs a map lookup, as in Gatehouse.
 *   SOCKET=/tmp/x/verifier.sock JWT_SECRET=… JWT_ISSUER=… JWT_AUDIENCE=… bun bench/auth-verifier.ts
 * Listens on a unix socket (nginx: `proxy_pass http://unix:SOCKET`), made writable for nginx's
 * workers, which run as another user when nginx is started by root.
 */
import { chmodSync, rmSync } from 'node:fs';
import { jwtVerify } from 'jose';

const socket = process.env.SOCKET;
const secret = process.env.JWT_SECRET;
const issuer = process.env.JWT_ISSUER;
const audience = process.env.JWT_AUDIENCE;
if (!socket || !secret || !issuer || !audience) throw new Error('set SOCKET, JWT_SECRET, JWT_ISSUER and JWT_AUDIENCE');
const key = new TextEncoder().encode(secret);
/** token → expiry (ms since the epoch); bounded so a flood of distinct tokens cannot grow it. */
const verified = new Map<string, number>();
const CACHE_LIMIT = 10_000;

const allow = () => new Response(null, { status: 204 });
const deny = () => new Response(null, { status: 401 });

rmSync(socket, { force: true });
Bun.serve({
  unix: socket,
  development: false,
  async fetch(request) {
    const header = request.headers.get('authorization');
    if (header === null || !header.startsWith('Bearer ')) return deny();
    const token = header.slice(7);
    const expires = verified.get(token);
    if (expires !== undefined) {
      if (expires > Date.now()) return allow();
      verified.delete(token);
    }
    try {
      const { payload } = await jwtVerify(token, key, { issuer, audience, algorithms: ['HS256'] });
      if (verified.size >= CACHE_LIMIT) verified.clear();
      verified.set(token, (payload.exp ?? 0) * 1000);
      return allow();
    } catch {
      return deny();
    }
  },
});
chmodSync(socket, 0o666);
