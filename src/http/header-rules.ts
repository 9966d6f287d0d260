/**
 * What a configured header may be: one rule for the route settings and for plugins that add
 * headers (`path-prefix`), so a config cannot frame requests for the upstream, forge the identity
 * assertion, or smuggle a second header through a line break.
 */

/** RFC 9110 `token`: header names, cookie names, methods. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

// Headers that frame the message or the connection: the proxy sets them, a config never does.
const FRAMING = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'keep-alive', 'proxy-connection']);

/** The one request header only Gatehouse writes: upstreams trust it as who the caller is. */
export const ASSERTION_HEADER_NAME = 'x-gatehouse-jwt-assertion';

/** Why `name` cannot be configured as a header to send `direction`, or null. */
export function headerNameProblem(name: string, direction: 'request' | 'response'): string | null {
  if (!TOKEN.test(name)) return `"${name}" is not a valid header name`;
  const lower = name.toLowerCase();
  if (FRAMING.has(lower)) return `"${name}" frames the message; Gatehouse sets it itself`;
  if (direction === 'request' && lower === ASSERTION_HEADER_NAME) return `"${name}" is reserved for Gatehouse's signed identity assertion`;
  return null;
}

/** Why a header value cannot be sent, or null. Never quotes the value: it may be a secret. */
export function headerValueProblem(name: string, value: string): string | null {
  return /[\r\n\0]/.test(value) ? `the value of "${name}" contains a line break or NUL` : null;
}
