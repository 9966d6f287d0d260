/**
 * Response helpers for Gatehouse's own endpoints: JSON errors in the one shape every client
 * sees, redirects, and HTML pages, none of them cacheable.
 */

export const NO_STORE = { 'cache-control': 'no-store' } as const;

/** The pages' Content-Security-Policy; `imgSource` adds one origin (the sign-in logo's) to `img-src`. */
export function pageCsp(imgSource?: string): string {
  return `default-src 'none'; style-src 'unsafe-inline'; img-src data:${imgSource ? ` ${imgSource}` : ''}; frame-ancestors 'none'; base-uri 'none'`;
}

/** Headers for every HTML page Gatehouse renders itself. */
export const HTML_HEADERS = {
  ...NO_STORE,
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': pageCsp(),
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  // same-origin, not no-referrer: under no-referrer Chromium posts forms with `Origin: null`, which the
  // sign-in form's origin check must refuse. Nothing is sent to other sites either way.
  'referrer-policy': 'same-origin',
} as const;

function withCookies(headers: Headers, cookies: readonly string[]): Headers {
  for (const c of cookies) headers.append('set-cookie', c);
  return headers;
}

export { jsonError } from '../../http/json-error.ts';

export function json(body: unknown, status = 200, headers: HeadersInit = NO_STORE): Response {
  const h = new Headers(headers);
  h.set('content-type', 'application/json');
  return new Response(JSON.stringify(body), { status, headers: h });
}

/**
 * A redirect. With `viaPage`, a 200 page that navigates on its own (meta refresh) instead: a
 * `SameSite=Strict` cookie is not sent on a redirect chain that began on another site, and a
 * fresh navigation from our own page breaks that chain.
 */
export function redirect(location: string, cookies: readonly string[] = [], options: { status?: number; viaPage?: boolean } = {}): Response {
  if (options.viaPage) {
    const url = escapeHtml(location);
    const body = `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${url}"><title>Signing in…</title><a href="${url}">Continue</a>`;
    return new Response(body, { status: 200, headers: withCookies(new Headers(HTML_HEADERS), cookies) });
  }
  const headers = withCookies(new Headers(NO_STORE), cookies);
  headers.set('location', location);
  return new Response(null, { status: options.status ?? 302, headers });
}

/** An HTML page; `imgSource` is one more `img-src` origin for its CSP (see `pageCsp`). */
export function html(body: string, status = 200, cookies: readonly string[] = [], imgSource?: string): Response {
  const headers = withCookies(new Headers(HTML_HEADERS), cookies);
  if (imgSource) headers.set('content-security-policy', pageCsp(imgSource));
  return new Response(body, { status, headers });
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
