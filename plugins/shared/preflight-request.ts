/**
 * Telling a real CORS preflight from an OPTIONS request made to look like one. A browser's
 * preflight is OPTIONS with `Origin` and `Access-Control-Request-Method`, no body, and none of the
 * page's own headers (the page's custom headers are only named in
 * `Access-Control-Request-Headers`), so never a method-override header.
 */
import { normaliseMethod } from './methods.ts';

/** Headers some frameworks read to run a request as another method (`POST` as `DELETE`). */
export const METHOD_OVERRIDE_HEADERS: readonly string[] = ['x-http-method-override', 'x-http-method', 'x-method-override'];

/**
 * Whether `request` is shaped like a browser's preflight: method OPTIONS, non-empty `Origin` and
 * `Access-Control-Request-Method`, no body (`Content-Length` absent or 0, no
 * `Transfer-Encoding`), no method-override header. Anything else, OPTIONS included, is an
 * ordinary request and must be authenticated as one.
 */
export function isPreflight(request: Request): boolean {
  if (normaliseMethod(request.method) !== 'OPTIONS') return false;
  const h = request.headers;
  if (!h.get('origin') || !h.get('access-control-request-method')) return false;
  const length = h.get('content-length');
  if ((length !== null && length.trim() !== '0') || h.has('transfer-encoding')) return false;
  return !METHOD_OVERRIDE_HEADERS.some((name) => h.has(name));
}
