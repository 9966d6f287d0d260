/**
 * What explain needs to know about a route from its config: its plugins, its CORS settings,
 * and whether it wants the trust cookie.
 */
import { usesTrustCookie } from '../config/cors-lints.ts';
import type { Config, PluginEntry } from '../config/schema.ts';

export interface PreflightSettings {
  /** Index of the `preflight` entry in the route's plugins. */
  at: number;
  mode: 'respond' | 'forward';
  origins: string[];
  methods: string[];
  headers: string[];
  credentials: boolean;
  /** Every option as written, so a fix can show the whole entry. */
  entry: PluginEntry;
}

/** A `path-prefix` entry: the path it mounts and where it forwards. */
export interface MountSettings {
  /** Index of the entry in the route's plugins. */
  at: number;
  prefix: string;
  /** The first upstream of `to`. */
  to: string;
  /** `set_request_headers` names, lower-case. */
  setHeaders: string[];
  entry: PluginEntry;
}

export interface RouteFacts {
  index: number;
  id: string;
  from: string;
  /** The route's own upstream (the first one when `to` is a list). */
  to: string;
  prefix: string;
  /** How the route matches paths, as its config line says it (`prefix: /api`, `path: /x`, `regex: "^/v\\d+/"`); null for the default prefix `/`. */
  pathKey: string | null;
  plugins: string[];
  policy: Record<string, unknown>;
  /** The policy is not `public`: a credential is needed. */
  protected: boolean;
  /** `trust-cookie` is listed, or added because the route lists no auth plugin. */
  trustCookie: boolean;
  headerJwt: boolean;
  preflight?: PreflightSettings;
  mounts: MountSettings[];
}

const AUTH_PLUGINS = new Set(['trust-cookie', 'header-jwt']);

/** Facts of `routes[index]`. */
export function routeFacts(config: Config, index: number): RouteFacts {
  const route = config.routes[index]!;
  const plugins = route.plugins.map((p) => p.use);
  const isProtected = !route.policy?.public;
  const listsAuth = plugins.some((p) => AUTH_PLUGINS.has(p) || p.startsWith('.') || p.startsWith('/'));
  const at = plugins.indexOf('preflight');
  const entry = route.plugins[at];
  const strings = (value: unknown) => (Array.isArray(value) ? value.map(String) : undefined);
  return {
    index,
    id: `routes[${index}]`,
    from: route.from,
    to: [route.to].flat()[0]!,
    prefix: route.prefix,
    pathKey: pathKeyLine(route),
    plugins: isProtected && !listsAuth ? [...plugins, 'trust-cookie'] : plugins,
    policy: (route.policy ?? {}) as Record<string, unknown>,
    protected: isProtected,
    trustCookie: usesTrustCookie(route),
    headerJwt: plugins.includes('header-jwt'),
    preflight: entry
      ? {
          at,
          mode: entry.mode === 'forward' ? 'forward' : 'respond',
          origins: strings(entry.allow_origins) ?? [],
          methods: strings(entry.allow_methods) ?? ['GET', 'HEAD', 'POST'],
          headers: strings(entry.allow_headers) ?? [],
          credentials: entry.allow_credentials === true,
          entry,
        }
      : undefined,
    mounts: route.plugins.flatMap((p, i) =>
      p.use === 'path-prefix' && typeof p.prefix === 'string'
        ? [{ at: i, prefix: p.prefix, to: String([p.to].flat()[0] ?? ''), setHeaders: Object.keys((p.set_request_headers as Record<string, unknown> | undefined) ?? {}).map((h) => h.toLowerCase()), entry: p }]
        : [],
    ),
  };
}

/** The route's path key as a YAML line: a regex is double-quoted, as `\` and `:` may be in it. */
export function pathKeyLine(route: { prefix: string; path?: string; regex?: string }): string | null {
  if (route.regex !== undefined) return `regex: ${JSON.stringify(route.regex)}`;
  if (route.path !== undefined) return `path: ${route.path}`;
  return route.prefix === '/' ? null : `prefix: ${route.prefix}`;
}

/** Whether a mount's prefix covers `path` (the prefix itself or below it). */
export function mountCovers(prefix: string, path: string): boolean {
  return prefix === '/' || path === prefix || path.startsWith(`${prefix.replace(/\/$/, '')}/`);
}

/** Whether a `preflight` origin list admits `origin` (exact, `*`, `https://*.x`, `:*` ports). */
export function originAllowed(patterns: readonly string[], origin: string): boolean {
  return patterns.some((p) => {
    if (p === '*' || p === origin) return true;
    const escaped = p.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    const source = escaped.replace(/^(https?:\/\/)\*\\\./, '$1(?:[a-z0-9-]+\\.)+').replace(/:\*$/, '(?::\\d+)?');
    return new RegExp(`^${source}$`).test(origin);
  });
}
