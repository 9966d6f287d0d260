/**
 * The headers of a successful preflight's `204`, built once per allowed origin and request shape
 * rather than on every preflight: a page's preflights repeat, and only the origin, whether headers
 * were asked for and whether private-network access was asked for change the answer (apart from
 * `*` with credentials, where the requested method and headers are named back).
 */
import type { CorsPolicy } from './config.ts';

/** Origins whose answers are kept; past it the oldest is forgotten (patterns match unboundedly many). */
export const KEPT_ORIGINS = 1024;

// A header list with at least one name in it (not only commas and whitespace).
const NAMES_SOMETHING = /[^\s,]/;

/** A preflight that passed every check: the answer's headers. */
export type PreflightAnswer = (
  /** The request's Origin (already matched). */
  origin: string,
  /** The normalised `Access-Control-Request-Method`. */
  method: string,
  /** `Access-Control-Request-Headers` (already allowed), or null. */
  requestHeaders: string | null,
  /** Whether private-network access was asked for (and is allowed). */
  privateNetwork: boolean,
) => Headers;

/**
 * The policy's `204` headers for a preflight that passed. The Headers returned are shared: pass
 * them to `new Response` (which copies them), never edit them.
 */
export function preflightAnswers(policy: CorsPolicy): PreflightAnswer {
  // With credentials a literal `*` is a method or header named "*" to browsers, so the request
  // is named back instead (as jub0bs/cors does); such answers are built per request.
  const reflectMethod = policy.credentials && policy.methods.any;
  const reflectHeaders = policy.credentials && policy.headers.any;
  const byOrigin = new Map<string, Array<Headers | undefined>>();

  function build(origin: string, method: string, requestHeaders: string | null, privateNetwork: boolean, named: boolean): Headers {
    const out = new Headers(policy.preflightHeaders as Array<[string, string]>);
    out.set('access-control-allow-origin', policy.origins.any ? '*' : origin);
    if (reflectMethod) out.set('access-control-allow-methods', method);
    // Checked already, so `requestHeaders` is short here; only name headers when some were asked for.
    if (named) out.set('access-control-allow-headers', reflectHeaders ? requestHeaders! : policy.headers.value);
    if (privateNetwork) out.set('access-control-allow-private-network', 'true');
    return out;
  }

  return (origin, method, requestHeaders, privateNetwork) => {
    const named = requestHeaders !== null && NAMES_SOMETHING.test(requestHeaders);
    if (reflectMethod || (reflectHeaders && named)) return build(origin, method, requestHeaders, privateNetwork, named);
    const key = policy.origins.any ? '*' : origin;
    let shapes = byOrigin.get(key);
    if (shapes === undefined) {
      if (byOrigin.size >= KEPT_ORIGINS) byOrigin.delete(byOrigin.keys().next().value!);
      shapes = [];
      byOrigin.set(key, shapes);
    }
    const shape = (named ? 1 : 0) | (privateNetwork ? 2 : 0);
    return (shapes[shape] ??= build(origin, method, requestHeaders, privateNetwork, named));
  };
}
