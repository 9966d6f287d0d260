import type { LineSink } from '../log/logger.ts';
import type { AccessRecord } from '../gateway/gateway.ts';

/**
 * Writes the one JSON line per request: time, id, method, host, path, status, duration, route,
 * upstream, identity (subject and kind), client, trace id, and for a policy 403 why
 * (`denial_reason`, `denial_rule`). Host and path come from the request gate's URL; a request the gate refused
 * is logged with its raw target. Never throws: a request always gets its line.
 */
export function writeAccessLine(sink: LineSink, request: Request, url: URL | undefined, status: number, startedAt: number, record: AccessRecord): void {
  try {
    sink.write(accessLine(request, url, status, startedAt, record));
  } catch {
    // A sink that cannot write (disk full, closed pipe) must not turn a served request into an error.
  }
}

/**
 * The line, written field by field: building an object for `JSON.stringify` cost more than the
 * rest of the line. Strings are escaped one by one exactly as `JSON.stringify` escapes them; an
 * absent field is left out, as `JSON.stringify` leaves out `undefined`.
 */
export function accessLine(request: Request, url: URL | undefined, status: number, startedAt: number, record: AccessRecord): string {
  let line = `{"time":"${isoNow()}","type":"access"`;
  if (record.requestId !== undefined) line += `,"request_id":${jsonString(record.requestId)}`;
  line += `,"method":${jsonString(request.method)}`;
  line += `,"host":${jsonString(url ? url.host : String(request.headers.get('host') ?? '').slice(0, 256))}`;
  line += `,"path":${jsonString(url ? url.pathname : rawPath(request.url).slice(0, 2048))}`;
  line += `,"status":${status},"duration_ms":${Math.round((performance.now() - startedAt) * 100) / 100}`;
  if (record.route !== undefined) line += `,"route":${jsonString(record.route)}`;
  if (record.upstream !== undefined) line += `,"upstream":${jsonString(record.upstream)}`;
  if (record.exemption !== undefined) line += `,"exemption":${jsonString(record.exemption)}`;
  if (record.identity !== undefined) line += `,"identity":${jsonString(record.identity)}`;
  if (record.identityKind !== undefined) line += `,"identity_kind":${jsonString(record.identityKind)}`;
  if (record.denialReason !== undefined) line += `,"denial_reason":${jsonString(record.denialReason)}`;
  if (record.denialRule !== undefined) line += `,"denial_rule":${jsonString(record.denialRule)}`;
  if (record.clientIp !== undefined) line += `,"client_ip":${jsonString(record.clientIp)}`;
  if (record.traceId !== undefined) line += `,"trace_id":${jsonString(record.traceId)}`;
  return line + '}\n';
}

// Printable ASCII but `"` and `\`: such a string is its own JSON body (ids, routes, addresses, most paths).
const NEEDS_NO_ESCAPE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** `JSON.stringify(value)` for a string, skipping the call where nothing needs escaping. */
function jsonString(value: string): string {
  return NEEDS_NO_ESCAPE.test(value) ? `"${value}"` : JSON.stringify(value);
}

let stampedAt = -1;
let stamp = '';
/** `new Date().toISOString()`, formatted once per millisecond however many lines share it. */
function isoNow(): string {
  const now = Date.now();
  if (now !== stampedAt) {
    stampedAt = now;
    stamp = new Date(now).toISOString();
  }
  return stamp;
}

/** The path part of a URL the gate refused (`http://bad:host/x` → `/x`), or the text as it came. */
function rawPath(url: string): string {
  const scheme = url.indexOf('://');
  if (scheme === -1) return url;
  const slash = url.indexOf('/', scheme + 3);
  return slash === -1 ? '/' : url.slice(slash).split('?', 1)[0]!;
}
