const UNRESERVED_ESCAPE = /%(2[dDeE]|3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|5[fF]|7[eE])/g;

/**
 * The path as routing sees it: escapes of unreserved characters decoded and runs of slashes
 * merged, so neither `/%61pi` nor `//api` can dodge a `/api` route (fetch sends `//api/x` to the
 * upstream as `/api/x`).
 */
export function canonicalForMatching(path: string): string {
  let p = path.includes('%') ? path.replace(UNRESERVED_ESCAPE, (e) => String.fromCharCode(parseInt(e.slice(1), 16))) : path;
  if (p.includes('//')) p = p.replace(/\/{2,}/g, '/');
  return p;
}
