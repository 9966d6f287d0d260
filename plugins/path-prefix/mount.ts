/** A mount point (the plugin's `prefix`, or a `rewrite` target) split into segments once. */
export interface Mount {
  /** As configured, e.g. `/api`, or `/`. */
  readonly path: string;
  /** `['api']` for `/api`; empty for `/`. */
  readonly segments: readonly string[];
}

// pchar without `%` (no escapes to compare) and without `;` (path parameters are ambiguous).
const SEGMENT = /^[A-Za-z0-9\-._~!$&'()*+,=:@]+$/;

/**
 * Why `path` cannot be a mount point, or null when it can: it must start with `/`, have no
 * trailing slash (unless it is `/`), no empty, `.`-only or escaped segments, no query.
 */
export function mountPathProblem(path: string): string | null {
  if (path === '/') return null;
  if (!path.startsWith('/')) return 'must start with /';
  if (path.endsWith('/')) return 'must not end with / (write /api, not /api/)';
  for (const segment of path.slice(1).split('/')) {
    if (segment === '') return 'must not contain //';
    if (/^\.+$/.test(segment)) return 'must not contain . or .. segments';
    if (!SEGMENT.test(segment)) return `segment "${segment}" may only use letters, digits and - . _ ~ ! $ & ' ( ) * + , = : @`;
  }
  return null;
}

/** Splits a valid mount path; throws naming the value when it is not valid. */
export function compileMount(path: string): Mount {
  const problem = mountPathProblem(path);
  if (problem) throw new Error(`"${path}" is not a valid path prefix: ${problem}`);
  return { path, segments: path === '/' ? [] : path.slice(1).split('/') };
}

/** True when decoded path segments start with the mount's segments. */
export function startsWithMount(segments: readonly string[], mount: Mount): boolean {
  const n = mount.segments.length;
  if (segments.length < n) return false;
  for (let i = 0; i < n; i++) if (segments[i] !== mount.segments[i]) return false;
  return true;
}

/** True when a plain path (no escapes considered) is the mount or below it: `/api`, `/api/x`, not `/apix`. */
export function isUnderMountPath(path: string, mountPath: string): boolean {
  if (mountPath === '/' || mountPath === '') return path.startsWith('/');
  return path === mountPath || path.startsWith(mountPath + '/');
}
