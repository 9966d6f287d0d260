/**
 * Header-name lists of the preflight plugin: `allow_headers` (judged against a preflight's
 * `Access-Control-Request-Headers`) and `expose_headers`, validated once at load.
 */
import type { OptionProblem } from '../../src/plugin-api/index.ts';
import { TOKEN } from '../shared/token.ts';


// Fetch's forbidden request-header names: a page can never set them, so allowing them only
// signals a misunderstanding. The Access-Control-Allow-* names belong in responses only.
const FORBIDDEN_REQUEST = new Set([
  'accept-charset', 'accept-encoding', 'access-control-request-headers',
  'access-control-request-method', 'access-control-request-private-network', 'connection',
  'content-length', 'cookie', 'cookie2', 'date', 'dnt', 'expect', 'host', 'keep-alive', 'origin',
  'referer', 'set-cookie', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'via',
  'access-control-allow-origin', 'access-control-allow-credentials',
  'access-control-allow-methods', 'access-control-allow-headers',
  'access-control-expose-headers', 'access-control-max-age',
]);
const FORBIDDEN_REQUEST_PREFIXES = ['proxy-', 'sec-'];
const FORBIDDEN_RESPONSE = new Set(['set-cookie', 'set-cookie2']);

// With `*` there is no list to size the limit from; real browsers send a few hundred bytes.
const ANY_HEADERS_MAX_LENGTH = 8192;

/** `allow_headers`, compiled. */
export interface AllowedHeaders {
  /**
   * `*`: any name (Authorization only when also listed, as the Fetch standard requires, with
   * or without credentials).
   */
  readonly any: boolean;
  /** Lowercased listed names. */
  readonly names: ReadonlySet<string>;
  /** The `Access-Control-Allow-Headers` value of a successful preflight without credentials. */
  readonly value: string;
  /** Longer `Access-Control-Request-Headers` values are refused without being scanned. */
  readonly maxRequestLength: number;
}

/** Validates `allow_headers`; problems (naming the value, located at it) go onto `problems`. */
export function compileAllowHeaders(list: readonly string[], problems: OptionProblem[]): AllowedHeaders {
  const names = new Set<string>();
  const spelled: string[] = [];
  let any = false;
  for (const [i, name] of list.entries()) {
    const refuse = (message: string) => problems.push({ at: ['allow_headers', i], message: `allow_headers: ${message}` });
    const lower = name.toLowerCase();
    if (name === '*') {
      any = true;
    } else if (!TOKEN.test(name)) {
      refuse(`${JSON.stringify(name)} is not a valid header name`);
    } else if (FORBIDDEN_REQUEST.has(lower) || FORBIDDEN_REQUEST_PREFIXES.some((p) => lower.startsWith(p))) {
      refuse(`${JSON.stringify(name)} is a forbidden request header that pages can never set`);
    } else if (!names.has(lower)) {
      names.add(lower);
      spelled.push(name);
    }
  }
  if (any) {
    // `*` never covers Authorization in browsers, so it is named when the config allows it.
    const value = names.has('authorization') ? '*, Authorization' : '*';
    return { any, names, value, maxRequestLength: ANY_HEADERS_MAX_LENGTH };
  }
  // Room for every allowed name once, with a little whitespace and a few empty items.
  let maxRequestLength = 64;
  for (const name of names) maxRequestLength += name.length + 5;
  return { any, names, value: spelled.join(', '), maxRequestLength };
}

/**
 * Whether every name in an `Access-Control-Request-Headers` value is allowed. Spaces, tabs
 * and empty items are tolerated; the work is linear and bounded by `maxRequestLength`.
 */
export function requestHeadersAllowed(allowed: AllowedHeaders, acrh: string): boolean {
  if (acrh.length > allowed.maxRequestLength) return false;
  let start = 0;
  while (start <= acrh.length) {
    let end = acrh.indexOf(',', start);
    if (end < 0) end = acrh.length;
    let from = start;
    let to = end;
    while (from < to && isOws(acrh.charCodeAt(from))) from++;
    while (to > from && isOws(acrh.charCodeAt(to - 1))) to--;
    if (to > from) {
      const name = acrh.slice(from, to).toLowerCase();
      if (allowed.any) {
        if (!TOKEN.test(name)) return false;
        if (name === 'authorization' && !allowed.names.has(name)) return false;
      } else if (!allowed.names.has(name)) {
        return false;
      }
    }
    start = end + 1;
  }
  return true;
}

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/**
 * Validates `expose_headers` (problems located at the offending name go onto `problems`);
 * returns the `Access-Control-Expose-Headers` value ('' for none).
 */
export function compileExposeHeaders(list: readonly string[], credentials: boolean, problems: OptionProblem[]): string {
  const spelled: string[] = [];
  const seen = new Set<string>();
  for (const [i, name] of list.entries()) {
    const refuse = (message: string) => problems.push({ at: ['expose_headers', i], message: `expose_headers: ${message}` });
    const lower = name.toLowerCase();
    if (name === '*') {
      if (credentials) {
        refuse('"*" cannot be combined with allow_credentials: true (browsers then read it as a header literally named "*"); list the headers');
      }
    } else if (!TOKEN.test(name)) {
      refuse(`${JSON.stringify(name)} is not a valid header name`);
      continue;
    } else if (FORBIDDEN_RESPONSE.has(lower)) {
      refuse(`${JSON.stringify(name)} can never be exposed to a page`);
      continue;
    }
    if (!seen.has(lower)) {
      seen.add(lower);
      spelled.push(name);
    }
  }
  return spelled.join(', ');
}
