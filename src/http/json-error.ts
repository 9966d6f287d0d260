/**
 * The one error shape Gatehouse answers with: `{"error": code, "request_id": id, ...extra}`,
 * `X-Request-Id` set, never cached.
 */
export function jsonError(
  status: number,
  code: string,
  requestId: string,
  extra?: Record<string, unknown>,
  headers?: HeadersInit,
): Response {
  const h = new Headers(headers);
  h.set('content-type', 'application/json; charset=utf-8');
  h.set('cache-control', 'no-store');
  h.set('x-request-id', requestId);
  return new Response(JSON.stringify({ error: code, ...extra, request_id: requestId }), { status, headers: h });
}
