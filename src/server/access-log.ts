import type { LineSink } from '../log/logger.ts';
import type { AccessRecord } from '../gateway/gateway.ts';

/**
 * Writes the one JSON line per request: time, id, method, host, path, status, duration, route,
 * upstream, identity (subject and kind), client, and for a policy 403 why (`denial_reason`,
 * `denial_rule`). Host and path come from the request gate's URL; a request the gate refused
 * is logged with its raw target. Never throws: a request always gets its line.
 */
export function writeAccessLine(sink: LineSink, request: Request, url: URL | undefined, status: number, startedAt: number, record: AccessRecord): void {
  try {
    sink.write(accessLine(request, url, status, startedAt, record));
  } catch {
    // A sink that cannot write (disk full, closed pipe) must not turn a served request into an error.
  }
}

function accessLine(request: Request, url: URL | undefined, status: number, startedAt: number, record: AccessRecord): string {
  return (
    JSON.stringify({
      time: new Date().toISOString(),
      type: 'access',
      request_id: record.requestId,
      method: request.method,
      host: url ? url.host : String(request.headers.get('host') ?? '').slice(0, 256),
      path: url ? url.pathname : rawPath(request.url).slice(0, 2048),
      status,
      duration_ms: Math.round((performance.now() - startedAt) * 100) / 100,
      route: record.route,
      upstream: record.upstream,
      exemption: record.exemption,
      identity: record.identity,
      identity_kind: record.identityKind,
      denial_reason: record.denialReason,
      denial_rule: record.denialRule,
      client_ip: record.clientIp,
    }) + '\n'
  );
}

/** The path part of a URL the gate refused (`http://bad:host/x` → `/x`), or the text as it came. */
function rawPath(url: string): string {
  const scheme = url.indexOf('://');
  if (scheme === -1) return url;
  const slash = url.indexOf('/', scheme + 3);
  return slash === -1 ? '/' : url.slice(slash).split('?', 1)[0]!;
}
