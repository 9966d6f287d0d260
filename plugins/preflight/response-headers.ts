/** Small helpers for editing responses on their way back through the preflight plugin. */

// Headers whose value a gatehouse-owned CORS policy decides; an upstream's copies are dropped
// so that a refused origin never sees an Access-Control-* header.
const CORS_RESPONSE_HEADERS = [
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'access-control-allow-private-network',
  'access-control-expose-headers',
  'access-control-max-age',
];

/** Removes every CORS response header the upstream (or an earlier plugin) set. */
export function stripCorsHeaders(headers: Headers): void {
  // Every name in one native call (Bun's `toJSON`, lower-case keys) rather than one per CORS name.
  const present = headers.toJSON();
  for (const name of CORS_RESPONSE_HEADERS) {
    if (name in present) headers.delete(name);
  }
}

/**
 * Adds `names` (already comma-joined, e.g. `Origin` or `Origin, Access-Control-Request-Method`)
 * to `Vary`, keeping what is there and never duplicating a name or diluting `Vary: *`.
 */
export function appendVary(headers: Headers, names: string): void {
  const current = headers.get('vary');
  if (current === null || current.trim() === '') {
    headers.set('vary', names);
    return;
  }
  const present = current.toLowerCase().split(',').map((s) => s.trim());
  if (present.includes('*')) return;
  const missing = names.split(', ').filter((n) => !present.includes(n.toLowerCase()));
  if (missing.length > 0) headers.set('vary', `${current}, ${missing.join(', ')}`);
}

/**
 * Runs `edit` on the response's headers. Responses with immutable headers (some built with
 * `Response.redirect` or taken from a cache) are copied first; `edit` must be idempotent
 * up to its first write, which is where immutable headers throw.
 */
export function editHeaders(response: Response, edit: (headers: Headers) => void): Response {
  try {
    edit(response.headers);
    return response;
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    const copy = new Response(response.body, response);
    edit(copy.headers);
    return copy;
  }
}
