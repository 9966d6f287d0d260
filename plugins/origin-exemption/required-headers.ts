/**
 * `require_headers` of an exemption rule: a header that must be present and non-empty, or
 * one whose value must equal a secret (compared in constant time).
 */

import type { OptionProblem } from '../../src/plugin-api/index.ts';
import { TOKEN } from '../shared/token.ts';


export type RequiredHeaderSpec = string | { name: string; value: string };

export interface RequiredHeader {
  /** Lowercased header name. */
  readonly name: string;
  /** The secret, or null when any non-empty value will do. */
  readonly secret: string | null;
}

/**
 * Validates the entries, found at `at` in the options; problems (naming the header, never the
 * secret, located at the offending entry or its key) go onto `problems`.
 */
export function compileRequiredHeaders(
  specs: readonly RequiredHeaderSpec[],
  what: string,
  problems: OptionProblem[],
  at: readonly (string | number)[],
): RequiredHeader[] {
  if (specs.length === 0) problems.push({ at: [...at], message: `${what} is empty (leave it out to require no header)` });
  const out: RequiredHeader[] = [];
  for (const [i, spec] of specs.entries()) {
    const name = typeof spec === 'string' ? spec : spec.name;
    const secret = typeof spec === 'string' ? null : spec.value;
    const entry = [...at, i];
    if (!TOKEN.test(name)) {
      problems.push({ at: typeof spec === 'string' ? entry : [...entry, 'name'], message: `${what}: ${JSON.stringify(name)} is not a valid header name` });
    } else if (secret === '') {
      problems.push({ at: [...entry, 'value'], message: `${what}: the value for ${JSON.stringify(name)} is empty; an empty secret would match nothing` });
    } else {
      out.push({ name: name.toLowerCase(), secret });
    }
  }
  return out;
}

/** Whether `headers` satisfies every requirement; `equal` must be constant-time. */
export function hasRequiredHeaders(
  required: readonly RequiredHeader[],
  headers: Headers,
  equal: (a: string, b: string) => boolean,
): boolean {
  for (const { name, secret } of required) {
    const value = headers.get(name);
    if (value === null || value === '') return false;
    if (secret !== null && !equal(value, secret)) return false;
  }
  return true;
}
