/**
 * Telling a browser navigation (which may be redirected to sign in) from a script's request
 * (which must get a 401 it can read).
 */

function quality(accept: string, type: string): { q: number; order: number } {
  let order = 0;
  for (const part of accept.split(',')) {
    const [media = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (media === type) {
      const q = params.find((p) => p.startsWith('q='));
      return { q: q ? Number(q.slice(2)) || 0 : 1, order };
    }
    order++;
  }
  return { q: 0, order: Infinity };
}

/**
 * A navigation: `Sec-Fetch-Mode: navigate`; or, from clients that do not send Fetch metadata,
 * a GET whose `Accept` prefers `text/html` (over `application/json`, and not only via `*\/*`).
 */
export function isNavigation(request: Request): boolean {
  const mode = request.headers.get('sec-fetch-mode');
  if (mode !== null) return mode === 'navigate';
  if (request.method !== 'GET') return false;
  const accept = request.headers.get('accept');
  if (!accept) return false;
  const html = quality(accept, 'text/html');
  if (html.q <= 0) return false;
  const json = quality(accept, 'application/json');
  return html.q > json.q || (html.q === json.q && html.order < json.order);
}
