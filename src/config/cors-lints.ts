/**
 * Cross-origin lints for `gatehouse check`: settings that load fine but that a browser will not
 * honour (a cookie that cannot travel, an origin that names nothing), warned about at the key.
 */
import type { Config, RouteConfig } from './schema.ts';

export interface CorsLint {
  path: (string | number)[];
  message: string;
}

const AUTH_PLUGINS = new Set(['trust-cookie', 'header-jwt']);

/** `trust-cookie` is listed, or added because a non-public route lists no auth plugin. */
export function usesTrustCookie(route: RouteConfig): boolean {
  const uses = route.plugins.map((p) => p.use);
  if (uses.includes('trust-cookie')) return true;
  return !route.policy?.public && !uses.some((p) => AUTH_PLUGINS.has(p) || p.startsWith('.') || p.startsWith('/'));
}

/** The last two labels of a host name (the host itself for IP addresses and single labels). */
export function registrableDomain(hostname: string): string {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (/^[\d.]+$/.test(host) || host.includes(':') || host.startsWith('[')) return host;
  return host.split('.').slice(-2).join('.');
}

/** Whether a cookie with `Domain=domain` is sent to `hostname`. */
export function domainCovers(domain: string, hostname: string): boolean {
  const d = domain.toLowerCase().replace(/^\./, '');
  const h = hostname.toLowerCase();
  return h === d || h.endsWith(`.${d}`);
}

/** Scheme, host (without `*.`) and port of a `from` or an `allow_origins` entry; undefined for `*`. */
function parts(origin: string): { scheme: string; host: string; wildcard: boolean; port: string } | undefined {
  const m = /^(https?):\/\/(\*\.)?([^/:]+)(?::(\d+|\*))?$/i.exec(origin);
  return m ? { scheme: m[1]!.toLowerCase(), host: m[3]!.toLowerCase(), wildcard: Boolean(m[2]), port: m[4] ?? '' } : undefined;
}

const WILDCARD_REACH = {
  allow_methods: 'any method (Gatehouse names the requested one back)',
  allow_headers: 'any request header but Authorization (Gatehouse names the requested ones back)',
} as const;

/** `*` in `allow_methods` / `allow_headers` next to `allow_credentials: true`, at the `*`. */
function credentialedWildcards(plugin: Record<string, unknown>, at: (string | number)[]): CorsLint[] {
  if (plugin.allow_credentials !== true) return [];
  return (['allow_methods', 'allow_headers'] as const).flatMap((key) => {
    const list = plugin[key];
    const j = Array.isArray(list) ? list.indexOf('*') : -1;
    if (j < 0) return [];
    return [{ path: [...at, key, j], message: `${key}: "*" with allow_credentials: true lets the listed origins send ${WILDCARD_REACH[key]} with the user's cookies; list what the API accepts unless it really takes anything` }];
  });
}

/** Every cross-origin lint of `config`. */
export function corsLints(config: Config): CorsLint[] {
  const out: CorsLint[] = [];
  const { session } = config;
  const froms = config.routes.map((r) => parts(r.from));
  const routed = (o: NonNullable<ReturnType<typeof parts>>) =>
    froms.some((f) => f && (f.host === o.host || (f.wildcard && o.host.endsWith(`.${f.host}`)) || (o.wildcard && f.host.endsWith(`.${o.host}`))));
  config.routes.forEach((route, i) => {
    const from = froms[i];
    if (!from) return;
    const cookie = usesTrustCookie(route);
    if (cookie && session.cookie_domain && !domainCovers(session.cookie_domain, from.host)) {
      out.push({ path: ['routes', i, 'from'], message: `${from.host} uses the trust cookie but is outside session.cookie_domain (${session.cookie_domain}): a page on another host cannot send it the shared cookie` });
    }
    route.plugins.forEach((plugin, k) => {
      if (plugin.use !== 'preflight') return;
      out.push(...credentialedWildcards(plugin, ['routes', i, 'plugins', k]));
      if (!Array.isArray(plugin.allow_origins)) return;
      plugin.allow_origins.forEach((entry: unknown, j: number) => {
        const o = typeof entry === 'string' ? parts(entry) : undefined;
        if (!o) return;
        const at = ['routes', i, 'plugins', k, 'allow_origins', j];
        const crossSite = o.scheme !== from.scheme || registrableDomain(o.host) !== registrableDomain(from.host);
        if (cookie && plugin.allow_credentials === true && crossSite && session.cookie_same_site !== 'none') {
          out.push({
            path: at,
            message: `${entry} is another site than ${from.host}, and the trust cookie is SameSite=${session.cookie_same_site}: browsers never send it on that site's fetches, so credentials: 'include' gets 401; use a header token (/.gatehouse/token + header-jwt) or mount the API under a path of the app`,
          });
        } else if (plugin.allow_credentials === true && !routed(o)) {
          // Only with credentials: then a misspelt or forgotten origin may read signed-in answers.
          out.push({ path: at, message: `${entry} is not a host of any route here, and it may read this route's answers with the user's cookies; fine if that page is served elsewhere on purpose (otherwise check the spelling)` });
        }
      });
    });
  });
  return out;
}
