import { isUnderMountPath } from './mount.ts';

/** Maps paths the upstream speaks back to the paths the browser uses. */
export interface ReverseMapper {
  /** The browser's path for a root-relative upstream path, or null when the mount cannot reach it. */
  fromPath(upstreamPath: string): string | null;
  /** Same for an absolute URL; null unless it is on one of the upstream's origins. */
  fromUrl(url: URL): string | null;
}

/**
 * Builds the inverse of the request mapping once at load. A request for `prefix + rest` goes
 * to `basePath + replacement + rest` on the upstream, so an upstream path under
 * `basePath + replacement` comes back as `prefix + rest`.
 *
 * @param prefix the plugin's mount, e.g. `/api`
 * @param replacement what replaced it upstream: `''` (strip_prefix), the prefix (strip_prefix:
 *   false) or the `rewrite` value
 * @param upstreamUrls the `to` URLs; their paths are the base paths
 */
export function createReverseMapper(prefix: string, replacement: string, upstreamUrls: readonly string[]): ReverseMapper {
  const external = prefix === '/' ? '' : prefix;
  const tail = replacement === '/' ? '' : replacement;
  const bases = upstreamUrls.map((u) => {
    const url = new URL(u);
    return { origin: url.origin, root: url.pathname.replace(/\/+$/, '') + tail };
  });
  const roots = [...new Set(bases.map((b) => b.root))];

  const map = (root: string, path: string): string | null => {
    if (!isUnderMountPath(path, root || '/')) return null;
    return external + path.slice(root.length) || '/';
  };

  return {
    fromPath(path) {
      for (const root of roots) {
        const mapped = map(root, path);
        if (mapped !== null) return mapped;
      }
      return null;
    },
    fromUrl(url) {
      for (const base of bases) {
        if (base.origin !== url.origin) continue;
        const mapped = map(base.root, url.pathname);
        if (mapped !== null) return mapped;
      }
      return null;
    },
  };
}
