/**
 * HTTP method names as the Fetch standard treats them: case-sensitive, except the six that
 * browsers normalise to uppercase; CONNECT, TRACE and TRACK can never be sent from a page.
 */
import type { OptionProblem } from '../../src/plugin-api/index.ts';
import { TOKEN } from './token.ts';

const NORMALISED = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);
const FORBIDDEN = new Set(['CONNECT', 'TRACE', 'TRACK']);

/** The CORS-safelisted methods: a preflight for them never needs `Access-Control-Allow-Methods`. */
export const SAFELISTED_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST']);

/** Fetch's "normalize a method": `delete` becomes `DELETE`, `patch` stays `patch`. */
export function normaliseMethod(method: string): string {
  // Browsers send these already uppercase: no copy to make.
  if (method.length > 7 || NORMALISED.has(method)) return method;
  const upper = method.toUpperCase();
  return NORMALISED.has(upper) ? upper : method;
}

/**
 * Validates and normalises a configured method list found at `at` in the options. Problems
 * (naming the value, located at it) are pushed onto `problems`; `what` names the option in
 * them, e.g. `allow_methods`.
 */
export function compileMethods(
  methods: readonly string[],
  what: string,
  problems: OptionProblem[],
  at: readonly (string | number)[],
): Set<string> {
  const set = new Set<string>();
  for (const [i, method] of methods.entries()) {
    const refuse = (message: string) => problems.push({ at: [...at, i], message: `${what}: ${message}` });
    if (method === '*') {
      refuse('"*" is not supported; list the methods the route accepts');
    } else if (!TOKEN.test(method)) {
      refuse(`${JSON.stringify(method)} is not a valid method name`);
    } else if (FORBIDDEN.has(method.toUpperCase())) {
      refuse(`${JSON.stringify(method)} is a forbidden method browsers never send`);
    } else {
      set.add(normaliseMethod(method));
    }
  }
  return set;
}

/** Whether a request's method (as received) is in a set built by `compileMethods`. */
export function hasMethod(set: ReadonlySet<string>, method: string): boolean {
  return set.has(method) || set.has(normaliseMethod(method));
}
