/**
 * The trust cookie values worth a signature check. The plugin API's `cookies.get` returns only
 * the first value, but a browser can hold a host-only and a domain-wide trust cookie at once
 * (`session.cookie_domain` turned on later), and the first may be the stale one.
 */

/** Most values verified per request: the host-only and the domain cookie. */
export const MAX_SESSION_COOKIES = 2;

/**
 * The first `max` distinct non-empty values of cookie `name`, in header order. Thirty forged
 * copies cost no more signature checks than two.
 */
export function sessionCookieValues(request: Request, name: string, max = MAX_SESSION_COOKIES): string[] {
  const header = request.headers.get('cookie');
  if (!header) return [];
  const values: string[] = [];
  // Only the `;`-separated items containing `name` can be named `name` (a token has no `;`):
  // jump from one occurrence to the next instead of splitting the whole header.
  let from = 0;
  while (values.length < max) {
    const at = header.indexOf(name, from);
    if (at < 0) break;
    const start = header.lastIndexOf(';', at) + 1;
    let end = header.indexOf(';', at);
    if (end < 0) end = header.length;
    from = end + 1;
    const part = header.slice(start, end);
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (value !== '' && !values.includes(value)) values.push(value);
  }
  return values;
}
