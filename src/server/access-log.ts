import type { LineSink } from '../log/logger.ts';
import type { AccessRecord } from '../gateway/gateway.ts';

/** Writes the one JSON line per request: time, id, method, host, path, status, duration, route, upstream. */
export function writeAccessLine(sink: LineSink, request: Request, url: URL | undefined, status: number, startedAt: number, record: AccessRecord): void {
  const u = url ?? new URL(request.url);
  sink.write(
    JSON.stringify({
      time: new Date().toISOString(),
      type: 'access',
      request_id: record.requestId,
      method: request.method,
      host: request.headers.get('host') ?? u.host,
      path: u.pathname,
      status,
      duration_ms: Math.round((performance.now() - startedAt) * 100) / 100,
      route: record.route,
      upstream: record.upstream,
      exemption: record.exemption,
      identity: record.identity,
    }) + '\n',
  );
}
