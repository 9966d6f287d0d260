/** The parts of a request URL string, cut as text so no URL parser re-normalises them. */
export interface RequestTarget {
  /** From the first `/` after the authority up to `?` or `#`; `/` when absent. */
  path: string;
  /** `?` and what follows up to `#`, exactly as sent; `''` when there is no `?`. */
  query: string;
  /** True when the URL carries `#` (never valid in a request-target). */
  hasFragment: boolean;
}

/**
 * Splits `scheme://authority/path?query#fragment` without decoding or resolving anything.
 * `ctx.url.pathname` cannot be used: a URL parser has already rewritten it.
 */
export function splitRequestUrl(url: string): RequestTarget {
  const hash = url.indexOf('#');
  const hasFragment = hash !== -1;
  const beforeHash = hasFragment ? url.slice(0, hash) : url;
  const scheme = beforeHash.indexOf('://');
  const authorityStart = scheme === -1 ? 0 : scheme + 3;
  let pathStart = beforeHash.length;
  for (let i = authorityStart; i < beforeHash.length; i++) {
    const c = beforeHash[i];
    if (c === '/' || c === '?') {
      pathStart = i;
      break;
    }
  }
  const rest = beforeHash.slice(pathStart);
  const q = rest.indexOf('?');
  const path = q === -1 ? rest : rest.slice(0, q);
  return { path: path === '' ? '/' : path, query: q === -1 ? '' : rest.slice(q), hasFragment };
}
