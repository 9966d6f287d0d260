/**
 * `allow_methods` of the preflight plugin: a method list, or `*` for any method, as the Fetch
 * standard and jub0bs/cors read it. The per-name rules (case, forbidden methods) are the shared
 * ones of `compileMethods`; only `*` is this plugin's own.
 */
import type { OptionProblem } from '../../src/plugin-api/index.ts';
import { compileMethods, SAFELISTED_METHODS } from '../shared/methods.ts';
import { TOKEN } from '../shared/token.ts';

/** `allow_methods`, compiled. */
export interface AllowedMethods {
  /** `*`: any method a page can send. */
  readonly any: boolean;
  /** The listed methods, normalised (empty or redundant with `any`). */
  readonly names: ReadonlySet<string>;
}

/** Validates `allow_methods`; problems (naming the value, located at it) go onto `problems`. */
export function compileAllowMethods(list: readonly string[], problems: OptionProblem[]): AllowedMethods {
  const listed = [...list.entries()].filter(([, method]) => method !== '*');
  const local: OptionProblem[] = [];
  const names = compileMethods(
    listed.map(([, method]) => method),
    'allow_methods',
    local,
    [],
  );
  // compileMethods located each problem in the list without `*`; point back into the option.
  for (const p of local) problems.push({ ...p, at: ['allow_methods', listed[p.at[0] as number]![0]] });
  return { any: listed.length < list.length, names };
}

/** Whether a preflight for `method` (already normalised, as browsers send it) passes. */
export function methodAllowed(allowed: AllowedMethods, method: string): boolean {
  if (SAFELISTED_METHODS.has(method) || allowed.names.has(method)) return true;
  // A browser never sends a method that is not a token, nor CONNECT/TRACE/TRACK.
  return allowed.any && TOKEN.test(method) && !/^(CONNECT|TRACE|TRACK)$/i.test(method);
}
