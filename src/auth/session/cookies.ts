/**
 * Cookie parsing and `Set-Cookie` serialisation (RFC 6265), the runtime half of `CookieServices`.
 */
import { TOKEN } from '../../http/header-rules.ts';
import type { CookieServices } from '../../plugin-api/index.ts';

export type CookieAttributes = NonNullable<Parameters<CookieServices['serialize']>[2]>;

const VALUE = /^[!#-+\--:<-[\]-~]*$/;

/** Every value of cookie `name` in the request's `Cookie` header, in header order. */
function* cookieValues(request: Request, name: string): Generator<string> {
  const header = request.headers.get('cookie');
  if (!header) return;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    yield value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  }
}

/**
 * The distinct non-empty values sent for cookie `name`, in header order, at most `max` of them.
 * A host-only and a domain cookie can both arrive; a caller verifying each bounds its work by
 * `max`, whatever number of copies a client sends.
 */
export function getCookies(request: Request, name: string, max = Infinity): string[] {
  const values: string[] = [];
  for (const value of cookieValues(request, name)) {
    if (values.length >= max) break;
    if (value !== '' && !values.includes(value)) values.push(value);
  }
  return values;
}

/** The first value of cookie `name` (possibly empty), or undefined. */
export function getCookie(request: Request, name: string): string | undefined {
  for (const value of cookieValues(request, name)) return value;
  return undefined;
}

/** A `Set-Cookie` value; throws on a name or value that would need quoting or could inject attributes. */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes = {}): string {
  if (!TOKEN.test(name)) throw new Error(`invalid cookie name "${name}"`);
  if (!VALUE.test(value)) throw new Error(`invalid characters in the value of cookie "${name}"`);
  let out = `${name}=${value}; Path=${attributes.path ?? '/'}`;
  if (attributes.domain) {
    if (!/^\.?[a-z0-9.-]+$/i.test(attributes.domain)) throw new Error(`invalid cookie domain "${attributes.domain}"`);
    out += `; Domain=${attributes.domain}`;
  }
  if (attributes.maxAge !== undefined) {
    const maxAge = Math.max(0, Math.floor(attributes.maxAge));
    out += `; Max-Age=${maxAge}`;
    if (maxAge === 0) out += '; Expires=Thu, 01 Jan 1970 00:00:00 GMT';
  }
  if (attributes.secure) out += '; Secure';
  if (attributes.httpOnly) out += '; HttpOnly';
  if (attributes.sameSite) out += `; SameSite=${attributes.sameSite[0]!.toUpperCase()}${attributes.sameSite.slice(1)}`;
  return out;
}

/** The `CookieServices` plugins receive. */
export const cookieServices: CookieServices = { get: getCookie, serialize: serializeCookie };
