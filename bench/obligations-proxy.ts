/**
 * The floor under Gatehouse: the bare Bun proxy (`bench/ceiling-proxy.ts`) plus only what every
 * request through a Gatehouse public route must have done to it, each written as cheaply as this
 * runtime allows. No routing, no plugins, no config, no metrics. If Gatehouse costs about what
 * this costs, the gap to the bare proxy is the price of those rules on Bun, not Gatehouse's code.
 *
 *   PORT=8083 UPSTREAM=http://127.0.0.1:8080 ORIGIN=http://app.bench.test bun bench/obligations-proxy.ts
 *
 * Per request, and why it cannot go:
 * 1. The peer address (`requestIP`): `X-Forwarded-For` and the access line's `client_ip`.
 * 2. A request id (`crypto.randomUUID`): `X-Request-Id` both ways, the access line, error bodies.
 * 3. The request target parsed once with the checked `Host` (`new URL`): routing, the forwarded
 *    host and port, the access line. `Host` verdicts are kept per value, as Gatehouse does.
 * 4. A copy of the client's headers without hop-by-hop headers and without the names only the
 *    gateway may set (`X-Forwarded-*`, `X-Gatehouse-*`, `X-Real-IP`, ...): a client must not
 *    choose what the upstream believes about it.
 * 5. The forwarding headers set on it: `X-Forwarded-For/-Proto/-Host/-Port`, `X-Request-Id`, and a
 *    W3C `traceparent` (a new trace whose id is the request id).
 * 6. A deadline on the upstream call (`AbortController` and a timer): a hung upstream is a 504,
 *    never a hung client.
 * 7. The answer's hop-by-hop headers removed and `X-Request-Id` added.
 * 8. One JSON access line, gathered and written every 50 ms or 64 KiB, its time stamp formatted
 *    once per millisecond.
 * An OPTIONS preflight from ORIGIN is answered here (precomputed CORS headers, as
 * `bench/bare-204.ts` sends) with 1, 2, 3, 7's `X-Request-Id` and 8.
 *
 * It shares no code with Gatehouse on purpose: a yardstick must not move when Gatehouse changes.
 * Several copies on one port share it (SO_REUSEPORT), like Gatehouse's `workers`.
 */
const upstream = process.env.UPSTREAM ?? 'http://127.0.0.1:8080';
const port = Number(process.env.PORT ?? 8083);
const allowedOrigin = process.env.ORIGIN ?? 'http://app.bench.test';
const TIMEOUT_MS = 30_000;

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);
const GATEWAY_ONLY = /^(?:x-forwarded-|x-gatehouse-|x-real-ip$|forwarded$|x-original-|proxy-)/;

const hostVerdicts = new Map<string, boolean>();
function hostIsValid(host: string): boolean {
  let ok = hostVerdicts.get(host);
  if (ok === undefined) {
    ok = /^[a-z0-9.-]+(?::\d{1,5})?$/i.test(host);
    if (hostVerdicts.size < 1024) hostVerdicts.set(host, ok);
  }
  return ok;
}

let pending = '';
let timer: Timer | undefined;
const out = Bun.stdout.writer();
function flush(): void {
  timer = undefined;
  out.write(pending);
  out.flush();
  pending = '';
}
function log(line: string): void {
  pending += line;
  if (pending.length >= 65_536) {
    clearTimeout(timer);
    flush();
  } else timer ??= setTimeout(flush, 50);
}
let stampedAt = -1;
let stamp = '';
function isoNow(): string {
  const now = Date.now();
  if (now !== stampedAt) {
    stampedAt = now;
    stamp = new Date(now).toISOString();
  }
  return stamp;
}
function accessLine(id: string, method: string, url: URL, status: number, startedAt: number, ip: string, traceId: string): void {
  log(
    `{"time":"${isoNow()}","type":"access","request_id":"${id}","method":"${method}","host":"${url.host}","path":${JSON.stringify(url.pathname)},"status":${status},"duration_ms":${Math.round((performance.now() - startedAt) * 100) / 100},"route":"routes[0]","upstream":"${upstream}","client_ip":"${ip}","trace_id":"${traceId}"}\n`,
  );
}

const preflightHeaders: Record<string, string> = {
  vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
  'access-control-allow-origin': allowedOrigin,
  'access-control-allow-methods': 'GET, PUT',
  'access-control-allow-headers': 'Authorization',
  'access-control-max-age': '600',
};

Bun.serve({
  hostname: '127.0.0.1',
  port,
  reusePort: true,
  development: false,
  async fetch(request, server) {
    const startedAt = performance.now();
    const ip = server.requestIP(request)?.address ?? '';
    const id = crypto.randomUUID();
    const traceId = id.replaceAll('-', '');
    if (!hostIsValid(request.headers.get('host') ?? '')) return new Response('bad host', { status: 400, headers: { 'x-request-id': id } });
    const url = new URL(request.url);
    const method = request.method;

    if (method === 'OPTIONS' && request.headers.get('origin') === allowedOrigin) {
      const preflight = new Response(null, { status: 204, headers: preflightHeaders });
      preflight.headers.set('x-request-id', id);
      accessLine(id, method, url, 204, startedAt, ip, traceId);
      return preflight;
    }

    const headers = new Headers(request.headers);
    const present = headers.toJSON();
    for (const name in present) if (HOP_BY_HOP.has(name) || GATEWAY_ONLY.test(name)) headers.delete(name);
    headers.set('x-forwarded-for', ip);
    headers.set('x-forwarded-proto', 'http');
    headers.set('x-forwarded-host', url.host);
    headers.set('x-forwarded-port', url.port || '80');
    headers.set('x-request-id', id);
    headers.set('traceparent', `00-${traceId}-${traceId.slice(0, 16)}-01`);

    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
    let status = 502;
    try {
      const response = await fetch(upstream + url.pathname + url.search, {
        method,
        headers,
        body: request.body,
        redirect: 'manual',
        decompress: false,
        signal: abort.signal,
      });
      status = response.status;
      const answerHeaders = response.headers;
      for (const name in answerHeaders.toJSON()) if (HOP_BY_HOP.has(name)) answerHeaders.delete(name);
      answerHeaders.set('x-request-id', id);
      return response;
    } catch {
      status = abort.signal.aborted ? 504 : 502;
      return new Response(null, { status, headers: { 'x-request-id': id } });
    } finally {
      clearTimeout(timer);
      accessLine(id, method, url, status, startedAt, ip, traceId);
    }
  },
});
export {};
