/**
 * Maps the upstream's own paths in a response back to the public ones after a path rewrite:
 * `Location` (root-relative, or absolute on the client's origin, which is where the proxy has
 * already moved one naming the upstream) and the `Path` of each `Set-Cookie`. Whatever the
 * mapping cannot invert is left as the upstream sent it.
 */

/** The public path and query for an upstream `path` + `query` (`?…` or empty), or null. */
export type PathMap = (path: string, query: string) => string | null;

/**
 * Edits `headers` in place.
 * @param o.publicOrigin the client's origin, e.g. `https://app.example.test`
 * @param o.location map `Location` (false when the route sets it itself)
 * @param o.cookies map `Set-Cookie` paths (false when the route sets them itself)
 */
export function restorePaths(headers: Headers, map: PathMap, o: { publicOrigin: string; location: boolean; cookies: boolean }): void {
  const location = o.location ? headers.get('location') : null;
  if (location) {
    const mapped = mapLocation(location, map, o.publicOrigin);
    if (mapped !== null) headers.set('location', mapped);
  }
  if (!o.cookies || !headers.has('set-cookie')) return;
  const cookies = headers.getSetCookie();
  const mapped = cookies.map((c) => mapCookiePath(c, map));
  if (mapped.every((c, i) => c === cookies[i])) return;
  headers.delete('set-cookie');
  for (const c of mapped) headers.append('set-cookie', c);
}

function mapLocation(value: string, map: PathMap, publicOrigin: string): string | null {
  if (value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\')) {
    const hash = cut(value, '#');
    const query = cut(value.slice(0, value.length - hash.length), '?');
    const mapped = map(value.slice(0, value.length - hash.length - query.length), query);
    // `/app//evil.example` is this origin's; mapped to `//evil.example` it is another host's
    // (browsers also read `/\` as `//` and drop tabs and line breaks first).
    return mapped === null || /^\/[\t\n\r]*[/\\]/.test(mapped) ? null : mapped + hash;
  }
  if (!value.toLowerCase().startsWith(publicOrigin.toLowerCase() + '/') || !URL.canParse(value)) return null;
  const url = new URL(value);
  const mapped = map(url.pathname, url.search);
  return mapped === null ? null : publicOrigin + mapped + url.hash;
}

/** From the first `mark` to the end, or empty. */
function cut(text: string, mark: string): string {
  const at = text.indexOf(mark);
  return at === -1 ? '' : text.slice(at);
}

/** The cookie with its last `Path` (the one browsers use) mapped, or unchanged. */
function mapCookiePath(cookie: string, map: PathMap): string {
  // Browsers accept a `__Host-` cookie only with `Path=/`.
  if (cookie.trimStart().startsWith('__Host-')) return cookie;
  const parts = cookie.split(';');
  for (let i = parts.length - 1; i > 0; i--) {
    const eq = parts[i]!.indexOf('=');
    if (eq === -1 || parts[i]!.slice(0, eq).trim().toLowerCase() !== 'path') continue;
    const path = parts[i]!.slice(eq + 1).trim();
    if (!path.startsWith('/')) return cookie;
    const mapped = map(path, '');
    if (mapped === null || mapped === path) return cookie;
    parts[i] = ` Path=${mapped}`;
    return parts.join(';');
  }
  return cookie;
}
