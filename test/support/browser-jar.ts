/**
 * A tiny browser for HTTP tests: a cookie jar (Domain, Path, Max-Age, host-only) and fetch that
 * follows redirects by hand across hosts, recording each hop. `*.localhost` names resolve to
 * 127.0.0.1, so one test server can play several hosts.
 */

interface StoredCookie {
  name: string;
  value: string;
  domain: string;
  hostOnly: boolean;
  path: string;
  expiresAt: number;
  attributes: string;
}

export interface Hop {
  method: string;
  url: string;
  status: number;
  location?: string;
}

export class CookieJar {
  cookies: StoredCookie[] = [];

  /** Stores the `Set-Cookie` headers of `response`, received from `url`. */
  store(url: string, response: Response): void {
    const host = new URL(url).hostname;
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const cookie: StoredCookie = {
        name: pair.slice(0, eq),
        value: pair.slice(eq + 1),
        domain: host,
        hostOnly: true,
        path: '/',
        expiresAt: Infinity,
        attributes: attrs.join('; '),
      };
      for (const attr of attrs) {
        const [k = '', v = ''] = attr.split('=');
        const key = k.toLowerCase();
        if (key === 'domain' && v) {
          const domain = v.replace(/^\./, '').toLowerCase();
          if (host !== domain && !host.endsWith(`.${domain}`)) throw new Error(`${host} may not set a cookie for ${domain}`);
          cookie.domain = domain;
          cookie.hostOnly = false;
        } else if (key === 'path') cookie.path = v || '/';
        else if (key === 'max-age') cookie.expiresAt = Date.now() + Number(v) * 1000;
      }
      this.cookies = this.cookies.filter((c) => !(c.name === cookie.name && c.domain === cookie.domain && c.path === cookie.path && c.hostOnly === cookie.hostOnly));
      if (cookie.expiresAt > Date.now()) this.cookies.push(cookie);
    }
  }

  /** Cookies that go with a request to `url`, as a Cookie header value. */
  header(url: string): string {
    const u = new URL(url);
    const host = u.hostname;
    const now = Date.now();
    return this.cookies
      .filter((c) => c.expiresAt > now)
      .filter((c) => (c.hostOnly ? host === c.domain : host === c.domain || host.endsWith(`.${c.domain}`)))
      .filter((c) => u.pathname === c.path || u.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  get(name: string, host: string): StoredCookie | undefined {
    return this.cookies.find((c) => c.name === name && (c.hostOnly ? c.domain === host : host === c.domain || host.endsWith(`.${c.domain}`)));
  }

  set(name: string, value: string, host: string, path = '/'): void {
    this.cookies = this.cookies.filter((c) => !(c.name === name && c.domain === host && c.path === path));
    this.cookies.push({ name, value, domain: host, hostOnly: true, path, expiresAt: Infinity, attributes: '' });
  }
}

export class Browser {
  readonly jar = new CookieJar();
  history: Hop[] = [];

  /**
   * `connect` maps a URL to the address actually dialled (e.g. every `*.example.test` to the
   * gateway's 127.0.0.1 port); the URL's own host still goes in the Host header. Default: dial the URL.
   */
  constructor(private readonly connect?: (url: URL) => string | undefined) {}

  /** One request, no redirects followed; cookies sent and stored. */
  async fetch(url: string, init: RequestInit & { navigate?: boolean } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookie = this.jar.header(url);
    if (cookie) headers.set('cookie', cookie);
    if (init.navigate !== false && !headers.has('sec-fetch-mode')) {
      headers.set('sec-fetch-mode', 'navigate');
      headers.set('accept', 'text/html,application/xhtml+xml,*/*;q=0.8');
    }
    const target = new URL(url);
    const dial = this.connect?.(target);
    if (dial) headers.set('host', target.host);
    const response = await fetch(dial ? `${dial}${target.pathname}${target.search}` : url, { ...init, headers, redirect: 'manual' });
    this.jar.store(url, response);
    this.history.push({ method: init.method ?? 'GET', url, status: response.status, location: response.headers.get('location') ?? undefined });
    return response;
  }

  /** Like a browser navigation: follows redirects (303, and 302 after POST, become GET). */
  async navigate(url: string, init: RequestInit = {}, maxHops = 15): Promise<{ response: Response; url: string }> {
    let current = url;
    let request: RequestInit = init;
    for (let i = 0; i < maxHops; i++) {
      const response = await this.fetch(current, request);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return { response, url: current };
      await response.arrayBuffer();
      current = new URL(location, current).href;
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && request.method === 'POST')) request = {};
    }
    throw new Error(`too many redirects from ${url}: ${this.history.map((h) => `${h.status} ${h.url}`).join(' -> ')}`);
  }

  /** Submits the first form of `html` (received from `pageUrl`) with `fields` filled in. */
  async submitForm(pageUrl: string, html: string, fields: Record<string, string>): Promise<{ response: Response; url: string }> {
    const form = /<form[^>]*method="post"[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
    if (!form) throw new Error(`no form in page from ${pageUrl}`);
    const body = new URLSearchParams();
    for (const m of form[2]!.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) {
      body.set(m[1]!, decodeEntities(m[2]!));
    }
    for (const [k, v] of Object.entries(fields)) body.set(k, v);
    const action = new URL(decodeEntities(form[1]!), pageUrl);
    return this.navigate(action.href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(pageUrl).origin, 'sec-fetch-site': 'same-origin' },
      body: body.toString(),
    });
  }
}

export function decodeEntities(s: string): string {
  return s.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n))).replaceAll('&amp;', '&').replaceAll('&quot;', '"');
}
