/**
 * The floor's handler (`bench/obligations-proxy.ts` serves it; `bench/handle-micro.ts` MODE=floor
 * times it in process): the steps are listed and justified in obligations-proxy.ts.
 * It shares no code with Gatehouse on purpose: a yardstick must not move when Gatehouse changes.
 */
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

/** Gathers lines and hands `write` a batch every 50 ms or 64 KiB. */
function batchedLog(write: (batch: string) => void): (line: string) => void {
  let pending = '';
  let timer: Timer | undefined;
  const flush = () => {
    timer = undefined;
    write(pending);
    pending = '';
  };
  return (line) => {
    pending += line;
    if (pending.length >= 65_536) {
      clearTimeout(timer);
      flush();
    } else timer ??= setTimeout(flush, 50);
  };
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

/**
 * The floor's request handler. Options: `upstream` (origin the requests go to), `allowedOrigin`
 * (the page origin whose preflights are answered), `write` (takes a batch of access lines).
 */
export function createObligationsHandler(options: { upstream: string; allowedOrigin: string; write: (batch: string) => void }) {
  const { upstream, allowedOrigin } = options;
  const log = batchedLog(options.write);
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

  return async function handle(request: Request, server: { requestIP(request: Request): { address: string } | null }): Promise<Response> {
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
  };
}
