/**
 * The least a Bun server can do to answer a CORS preflight: Bun.serve answering OPTIONS with 204
 * and the same headers Gatehouse's preflight plugin sends for bench/gatehouse-jwt.yaml.template
 * (origin echoed when it is the allowed one), nothing else. The ceiling of the preflight rows.
 * Other methods get the upstream's JSON body (the bench's readiness check).
 *   PORT=8082 ORIGIN=http://app.bench.test bun bench/bare-204.ts
 * Several copies on one port share it (SO_REUSEPORT), like Gatehouse's `workers`.
 */
const port = Number(process.env.PORT ?? 8082);
const allowedOrigin = process.env.ORIGIN ?? 'http://app.bench.test';
const body = '{"ok":true,"service":"upstream","items":[1,2,3]}';

Bun.serve({
  hostname: '127.0.0.1',
  port,
  reusePort: true,
  development: false,
  fetch(request) {
    if (request.method !== 'OPTIONS') return new Response(body, { headers: { 'content-type': 'application/json' } });
    const headers: Record<string, string> = {
      vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
      'access-control-allow-methods': 'GET, PUT',
      'access-control-max-age': '600',
    };
    const origin = request.headers.get('origin');
    if (origin === allowedOrigin) {
      headers['access-control-allow-origin'] = origin;
      if (request.headers.get('access-control-request-headers') !== null) headers['access-control-allow-headers'] = 'Authorization';
    }
    return new Response(null, { status: 204, headers });
  },
});
export {};
