/**
 * What every example's app.ts and api.ts are made of: a page server and a small JSON API like
 * the seeds' `{"message":"HELLO WORLD"}`, optionally answering CORS itself (for the scenarios
 * where the API, not Gatehouse, owns CORS).
 */
import { join } from 'node:path';

/** The public origins of a running example (scheme, host and Gatehouse's port). */
export interface Origins {
  app: string;
  api: string;
}

/** An example's upstream, made once its origins are known. */
export type Upstream = (origins: Origins) => (request: Request) => Response | Promise<Response>;

/** The host names an example's routes use; the runner adds Gatehouse's port. */
export interface Hosts {
  app: string;
  api: string;
}

/**
 * The app: serves `dir/index.html` at `/`, with `%API_ORIGIN%` replaced by the API's origin
 * (so the page's script knows where to call); everything else is 404.
 */
export function pageApp(dir: string): Upstream {
  return (origins) => async (request) => {
    const { pathname } = new URL(request.url);
    if (pathname !== '/' && pathname !== '/index.html') return Response.json({ error: 'not_found', path: pathname }, { status: 404 });
    const html = (await Bun.file(join(dir, 'index.html')).text()).replaceAll('%API_ORIGIN%', origins.api);
    return new Response(html, { headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } });
  };
}

export interface ApiOptions {
  /** Answer CORS here (preflights and `Access-Control-Allow-Origin` for the app's origin). Default: no CORS. */
  cors?: { credentials?: boolean; methods?: string[]; headers?: string[] };
  /** Only answer requests carrying this header with this value; others get 401 (as the seed's `X-Secret-Auth`). */
  requireHeader?: { name: string; value: string };
}

/**
 * The API: `{"message":"HELLO WORLD", path, method, user}` for every path; `user` is the email
 * in Gatehouse's signed assertion (displayed only: a real API verifies it against the JWKS).
 */
export function helloApi(options: ApiOptions = {}): Upstream {
  return (origins) => (request) => {
    const cors = options.cors ? corsHeaders(request, origins.app, options.cors) : {};
    if (options.cors && request.method === 'OPTIONS') return new Response(null, { status: 204, headers: cors });
    const need = options.requireHeader;
    if (need && request.headers.get(need.name) !== need.value) {
      return Response.json({ error: `missing or wrong ${need.name}` }, { status: 401, headers: cors });
    }
    const { pathname } = new URL(request.url);
    return Response.json({ message: 'HELLO WORLD', path: pathname, method: request.method, user: assertedEmail(request) }, { headers: cors });
  };
}

function corsHeaders(request: Request, appOrigin: string, cors: NonNullable<ApiOptions['cors']>): Record<string, string> {
  if (request.headers.get('origin') !== appOrigin) return {};
  const headers: Record<string, string> = { 'access-control-allow-origin': appOrigin, vary: 'Origin' };
  if (cors.credentials) headers['access-control-allow-credentials'] = 'true';
  if (request.method === 'OPTIONS') {
    headers['access-control-allow-methods'] = (cors.methods ?? ['GET', 'POST']).join(', ');
    if (cors.headers?.length) headers['access-control-allow-headers'] = cors.headers.join(', ');
  }
  return headers;
}

function assertedEmail(request: Request): string | null {
  const payload = request.headers.get('x-gatehouse-jwt-assertion')?.split('.')[1];
  if (!payload) return null;
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')).email ?? null;
  } catch {
    return null;
  }
}
