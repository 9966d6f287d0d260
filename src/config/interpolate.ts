/** The inside of a `${…}`: a variable name, and a default after `:-`. */
const INSIDE = '([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?';
const REFERENCE = new RegExp(`\\$\\$|\\$\\{${INSIDE}\\}`, 'g');
const ONE_REFERENCE = new RegExp(`^${INSIDE}$`);

type Env = Record<string, string | undefined>;

function lookup(name: string, fallback: string | undefined, env: Env, missing: string[]): string {
  const found = env[name];
  if (found !== undefined) return found;
  if (fallback !== undefined) return fallback;
  missing.push(name);
  return '';
}

/**
 * Replaces `${VAR}` (or `${VAR:-default}`) with values from `env`; `$$` is a literal `$`.
 * Returns the names of variables that are not set and have no default.
 */
export function interpolate(text: string, env: Env): { value: string; missing: string[] } {
  const missing: string[] = [];
  const value = text.replace(REFERENCE, (whole, name: string | undefined, fallback: string | undefined) =>
    whole === '$$' ? '$' : lookup(name!, fallback, env, missing),
  );
  return { value, missing };
}

/**
 * Resolves what sits inside one `${…}` (`VAR` or `VAR:-default`) as `interpolate` would;
 * null when `inside` is not of that form.
 */
export function resolveReference(inside: string, env: Env): { value: string; missing: string[] } | null {
  const m = ONE_REFERENCE.exec(inside);
  if (!m) return null;
  const missing: string[] = [];
  return { value: lookup(m[1]!, m[2], env, missing), missing };
}
