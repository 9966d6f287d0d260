/**
 * The demo's JSON API, like the seeds' `{"message":"HELLO WORLD"}` server. It reports who
 * Gatehouse said the caller is (from the signed assertion header) and which path it was asked for.
 */
export function demoApi(request: Request): Response {
  const url = new URL(request.url);
  return Response.json({
    message: 'HELLO WORLD',
    path: url.pathname,
    method: request.method,
    user: assertedEmail(request.headers.get('x-gatehouse-jwt-assertion')),
  });
}

/** The email claim of the assertion. The demo only displays it; a real API verifies it against the JWKS. */
function assertedEmail(assertion: string | null): string | null {
  const payload = assertion?.split('.')[1];
  if (!payload) return null;
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')).email ?? null;
  } catch {
    return null;
  }
}
