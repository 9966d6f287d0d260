import { isUnderMountPath } from './mount.ts';
import type { ReverseMapper } from './path-map.ts';

export interface SetCookieRewrite {
  /** The plugin's mount, e.g. `/api`. */
  prefix: string;
  mapper: ReverseMapper;
  /** Move `Path` under the prefix (`rewrite_cookie_path`). */
  rewritePath: boolean;
  /** Remove every `Domain` attribute (`drop_cookie_domain`). */
  dropDomain: boolean;
}

/**
 * Rewrites one `Set-Cookie` value from the mounted upstream so the cookie lives under the
 * prefix on the gateway's host. The name, value and every other attribute are kept as sent.
 *
 * Path (when `rewritePath`): the last `Path` wins, as in browsers (RFC 6265 5.3).
 * - under the upstream mount: mapped back (`/v2/x` → `/api/x`; the mount root `/` → `/api`);
 * - missing or not starting with `/`: the browser's default path for `requestPath`, but never
 *   above the prefix (`/api/users/1` → `/api/users`, `/api` → `/api`);
 * - anywhere else (e.g. `/` with base path `/v2`): the prefix, so the cookie never reaches
 *   the rest of the origin;
 * - `__Host-` cookies keep their `Path=/` (browsers reject them otherwise).
 *
 * @param requestPath the path the client requested (before `?`), e.g. `/api/users/1`
 */
export function rewriteSetCookie(value: string, requestPath: string, o: SetCookieRewrite): string {
  const parts = value.split(';');
  const pair = parts[0]!;
  const hostOnlyPrefixed = pair.trimStart().startsWith('__Host-');
  const doPath = o.rewritePath && !hostOnlyPrefixed;
  if (!doPath && !o.dropDomain) return value;

  let lastPath: string | undefined;
  const kept: string[] = [];
  for (const part of parts.slice(1)) {
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (name === 'domain' && o.dropDomain) continue;
    if (name === 'path' && doPath) {
      lastPath = eq === -1 ? '' : part.slice(eq + 1).trim();
      continue;
    }
    kept.push(part.trim());
  }
  if (doPath) kept.push(`Path=${cookiePath(lastPath, requestPath, o)}`);
  return [pair, ...kept].join('; ');
}

function cookiePath(upstreamPath: string | undefined, requestPath: string, o: SetCookieRewrite): string {
  if (upstreamPath === undefined || !upstreamPath.startsWith('/')) {
    const fallback = defaultPath(requestPath);
    return isUnderMountPath(fallback, o.prefix) ? fallback : o.prefix;
  }
  const mapped = o.mapper.fromPath(upstreamPath);
  if (mapped === null) return o.prefix;
  // The mount root `/api` reaches the upstream root too, so `/api/` would be one path short.
  return mapped === o.prefix + '/' ? o.prefix : mapped;
}

/** RFC 6265 5.1.4 default-path of a request path. */
export function defaultPath(requestPath: string): string {
  if (!requestPath.startsWith('/')) return '/';
  const last = requestPath.lastIndexOf('/');
  return last <= 0 ? '/' : requestPath.slice(0, last);
}
