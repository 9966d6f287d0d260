/**
 * The alternatives to a route's `prefix`: `path` (one exact path) and `regex` (a whole-path
 * regular expression). Both are compiled once at load and compared with the path as routing
 * sees it (see `canonicalForMatching`), and both have a case-folded form for the lenient
 * reading, so a path whose case variant falls under such a route is refused like one under a
 * prefix.
 */
import { regexHazard } from './regex-safety.ts';
import { canonicalForMatching } from './canonical-path.ts';

export type PathMatch =
  | { kind: 'exact'; path: string; folded: string }
  | { kind: 'regex'; source: string; regex: RegExp; folded: RegExp; groups: number };

/** `path: /exact`, in matching form (`/%61pi` is `/api`, `//a` is `/a`). */
export function exactPathMatch(path: string): PathMatch {
  const canonical = canonicalForMatching(path);
  return { kind: 'exact', path: canonical, folded: canonical.toLowerCase() };
}

/**
 * Compiles `regex:`. The pattern must match the whole path: it is wrapped as `^(?:…)$` (so `^`
 * and `$` are optional), compiled with the `u` flag (strict syntax), and refused when it could
 * backtrack catastrophically (see regex-safety.ts). Returns the problem to report otherwise.
 */
export function compileRegexMatch(source: string): PathMatch | { problem: string } {
  let regex: RegExp;
  let folded: RegExp;
  try {
    regex = new RegExp(`^(?:${source})$`, 'u');
    folded = new RegExp(`^(?:${source})$`, 'iu');
    // A source like `a)|(b` compiles once wrapped but is not one expression.
    new RegExp(source, 'u');
  } catch (error) {
    return { problem: `regex "${source}" does not compile: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}` };
  }
  const hazard = regexHazard(source);
  if (hazard) return { problem: `regex "${source}" is refused at "${hazard.part}": ${hazard.why}` };
  // The lenient reading runs `folded`, where `x|X` is one letter twice: checked as it runs.
  const foldedHazard = regexHazard(source, { ignoreCase: true });
  if (foldedHazard) {
    return { problem: `regex "${source}" is refused at "${foldedHazard.part}" once case is ignored (as when Gatehouse checks whether a case-folding server would read the path as another route): ${foldedHazard.why}` };
  }
  return { kind: 'regex', source, regex, folded, groups: new RegExp(`${source}|`, 'u').exec('')!.length - 1 };
}

/** Whether `matchPath` (in matching form; lower-cased when `foldCase`) is matched. */
export function pathMatches(match: PathMatch, matchPath: string, foldCase: boolean): boolean {
  if (match.kind === 'exact') return matchPath === (foldCase ? match.folded : match.path);
  return (foldCase ? match.folded : match.regex).test(matchPath);
}

/** Whether some case variant of a path could be matched by a case-folding reading only. */
export function hasUpperCase(match: PathMatch): boolean {
  return /[A-Z]/.test(match.kind === 'exact' ? match.path : match.source.replace(/\\./g, ''));
}
