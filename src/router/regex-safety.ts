/**
 * A static check that a route's regex cannot backtrack catastrophically. JavaScript's regex
 * engine backtracks: a pattern that can match one text in many ways (`(a+)+`, `(a|a)*`) takes
 * exponential time on a text it almost matches, and one request could stall a worker. The check
 * is conservative (it may refuse a pattern that is in fact fast, never the other way round for
 * the shapes below) and reads the pattern, never runs it.
 *
 * Refused:
 * - backreferences (`\1`, `\k<name>`), lookahead and lookbehind, inline modifiers (read in
 *   regex-syntax.ts);
 * - a repetition of something that can match the empty string: `(a*)*`, `(a?)+`, `(a|)*`;
 * - a repetition inside a repetition whose characters can also start and end an iteration of
 *   the outer one, so the text can be split between iterations in many ways: `(a+)+`,
 *   `(\w+\s?)*`, `(.+/)+`. Fine: `(/[^/]+)*`, `([^/]+/)*`, `(a+b)*`;
 * - an alternation inside a repetition whose branches can start alike: `(a|a)*`, `(a|ab)+`,
 *   `(\d|[0-9a-f])+`. Fine: `(a|b)*`, `(/x|/y)*` (they differ at their second character);
 * - two parts of a sequence, each with a repetition of variable count (`*`, `+`, `?`, `{0,9}`),
 *   that can share the text between them in several ways: `.*.*`, `\d+\d*`, `a*aa*`,
 *   `(.*)/(.*)`, `.{0,3000}.{0,3000}` (polynomial, but with paths of several kilobytes that is
 *   seconds; `a?a?…aa` is exponential). Fine: `([^/]*)/(.*)`, `(\d+)/(.*)` (the `/`
 *   separates them), `(?:[^/]+/)*[^/]+` (the first ends with a `/` the second never holds).
 */
import { intersects, parseRegex, RegexRefusal, union, type CharSet, type RegexNode } from './regex-syntax.ts';

/**
 * Why `source` is refused (`part` is the offending text), or null when it is safe to run. With
 * `ignoreCase`, for running it with the `i` flag, where `x` also matches `X` (and `k` the Kelvin
 * sign): `(x|X)+` is only safe case-sensitively.
 */
export function regexHazard(source: string, options: { ignoreCase?: boolean } = {}): { part: string; why: string } | null {
  let tree: RegexNode;
  try {
    tree = parseRegex(source, options);
  } catch (error) {
    if (error instanceof RegexRefusal) return { part: error.part, why: error.why };
    throw error;
  }
  return findHazard(tree);
}

function findHazard(node: RegexNode): { part: string; why: string } | null {
  switch (node.type) {
    case 'chars':
    case 'assertion':
      return null;
    case 'group':
      return findHazard(node.body);
    case 'alt':
      return firstOf(node.options, findHazard);
    case 'seq':
      return ambiguousSplit(node.items) ?? firstOf(node.items, findHazard);
    case 'repeat':
      return (node.max > 1 ? repeatHazard(node) : null) ?? findHazard(node.body);
  }
}

function repeatHazard(repeat: Extract<RegexNode, { type: 'repeat' }>): { part: string; why: string } | null {
  const body = repeat.body;
  if (nullable(body)) return { part: repeat.text, why: 'it repeats something that can match the empty string, so one text matches in endless ways' };
  const starts = first(body);
  const ends = last(body);
  for (const inner of descendants(body)) {
    // A fixed count (`a{3}`) is only a longer text; a variable one can give characters to the next iteration.
    if (inner.type === 'repeat' && inner.max > inner.min) {
      const set = chars(inner.body);
      if (intersects(set, starts) && intersects(set, ends)) {
        return { part: repeat.text, why: `it nests the repetition "${inner.text}" inside a repetition, and the text can be split between them in many ways: a failing match takes exponential time` };
      }
    }
    if (inner.type === 'alt' && overlappingBranches(inner.options)) {
      return { part: repeat.text, why: `the alternation "${inner.text}" under the repetition has branches that can start alike, so a failing match takes exponential time` };
    }
  }
  if (body.type === 'alt' && overlappingBranches(body.options)) {
    return { part: repeat.text, why: 'its branches can start alike, so a failing match takes exponential time' };
  }
  return null;
}

/**
 * `.*.*`, `a*aa*`, `(.*)/(.*)`, `a?a?aa`: two parts of a sequence that each hold a repetition of variable count,
 * where the text between can be split between them in more than one way. The split is unique,
 * and the pair fine, when one of these holds (`M` is what lies between):
 * - the first always ends with a character neither `M` nor the second holds (`a+=b+`);
 * - the second always starts with a character neither `M` nor the first holds;
 * - `M` must match a character the first never holds (`[^/]+/.+`: the first stops at the `/`),
 *   or one the second never holds (`.+/[^/]+`).
 */
function ambiguousSplit(seq: readonly RegexNode[]): { part: string; why: string } | null {
  const items = seq.flatMap(inline);
  for (let i = 0; i < items.length; i++) {
    const a = items[i]!;
    if (!hasVariable(a)) continue;
    for (let j = i + 1; j < items.length; j++) {
      const b = items[j]!;
      if (!hasVariable(b)) continue;
      const between = items.slice(i + 1, j);
      const middle = between.reduce<CharSet>((set, n) => union(set, chars(n)), []);
      const [charsA, charsB] = [chars(a), chars(b)];
      const unique =
        !intersects(last(a), union(middle, charsB)) ||
        !intersects(first(b), union(middle, charsA)) ||
        between.some((n) => !nullable(n) && (!intersects(chars(n), charsA) || !intersects(chars(n), charsB)));
      if (!unique) {
        return { part: `${text(a)}…${text(b)}`, why: 'two repetitions of variable count in one sequence can share the text between them in many ways, so a failing match tries every split (slow on a long path); let a character only one of them matches separate them, e.g. [^/]* for a segment' };
      }
    }
  }
  return null;
}

/** A sequence's items, with the items of plain (not repeated) groups and sequences inlined. */
function inline(node: RegexNode): RegexNode[] {
  if (node.type === 'seq') return node.items.flatMap(inline);
  if (node.type === 'group' && node.body.type === 'seq') return node.body.items.flatMap(inline);
  return [node];
}

// Bounded counts split a text as many ways (`.{0,3000}.{0,3000}.{0,3000}x`, `a?a?a?…aaa`).
function hasVariable(node: RegexNode): boolean {
  return [node, ...descendants(node)].some((n) => n.type === 'repeat' && n.max > n.min);
}

function text(node: RegexNode): string {
  return 'text' in node ? node.text : '…';
}

/**
 * Whether two branches could match the same start: their leading fixed characters are compared
 * position by position, and they are kept apart only by a position where they share none.
 */
function overlappingBranches(options: readonly RegexNode[]): boolean {
  const leads = options.map(leadingSets);
  for (let i = 0; i < leads.length; i++) {
    for (let j = i + 1; j < leads.length; j++) {
      const a = leads[i]!;
      const b = leads[j]!;
      let apart = false;
      for (let k = 0; k < Math.min(a.length, b.length) && !apart; k++) apart = !intersects(a[k]!, b[k]!);
      if (!apart) return true;
    }
  }
  return false;
}

/** The character sets of a node's first positions, as long as each is exactly one character. */
function leadingSets(node: RegexNode): CharSet[] {
  if (node.type === 'chars') return [node.set];
  if (node.type === 'group') return leadingSets(node.body);
  if (node.type === 'repeat' && node.min === node.max && node.min > 0) return Array.from({ length: node.min }, () => leadingSets(node.body)).flat();
  if (node.type === 'seq') {
    const out: CharSet[] = [];
    for (const [k, item] of node.items.entries()) {
      if (item.type === 'assertion') continue;
      // `\d?b` can start with `b`: past an optional item, what follows it can start the branch.
      if (nullable(item)) {
        out.push(first({ type: 'seq', items: node.items.slice(k) }));
        break;
      }
      const lead = leadingSets(item);
      out.push(...lead);
      if (!fixedWidthOne(item)) break;
    }
    return out;
  }
  // A branch that starts with something else could start with anything.
  return node.type === 'repeat' || node.type === 'alt' ? [first(node)] : [];
}

function fixedWidthOne(node: RegexNode): boolean {
  if (node.type === 'chars') return true;
  if (node.type === 'group') return fixedWidthOne(node.body);
  return false;
}

function nullable(node: RegexNode): boolean {
  switch (node.type) {
    case 'chars':
      return false;
    case 'assertion':
      return true;
    case 'group':
      return nullable(node.body);
    case 'alt':
      return node.options.some(nullable);
    case 'seq':
      return node.items.every(nullable);
    case 'repeat':
      return node.min === 0 || nullable(node.body);
  }
}

/** Characters a match of `node` can start with. */
function first(node: RegexNode): CharSet {
  return edge(node, false);
}

/** Characters a match of `node` can end with. */
function last(node: RegexNode): CharSet {
  return edge(node, true);
}

function edge(node: RegexNode, fromEnd: boolean): CharSet {
  switch (node.type) {
    case 'chars':
      return node.set;
    case 'assertion':
      return [];
    case 'group':
      return edge(node.body, fromEnd);
    case 'alt':
      return node.options.reduce<CharSet>((set, o) => union(set, edge(o, fromEnd)), []);
    case 'repeat':
      return node.max === 0 ? [] : edge(node.body, fromEnd);
    case 'seq': {
      let set: CharSet = [];
      const items = fromEnd ? [...node.items].reverse() : node.items;
      for (const item of items) {
        set = union(set, edge(item, fromEnd));
        if (!nullable(item)) break;
      }
      return set;
    }
  }
}

/** Every character a match of `node` can contain. */
function chars(node: RegexNode): CharSet {
  let set: CharSet = [];
  for (const n of [node, ...descendants(node)]) {
    if (n.type === 'chars') set = union(set, n.set);
  }
  return set;
}

function descendants(node: RegexNode): RegexNode[] {
  const out: RegexNode[] = [];
  const visit = (n: RegexNode) => {
    const children = n.type === 'seq' ? n.items : n.type === 'alt' ? n.options : n.type === 'group' || n.type === 'repeat' ? [n.body] : [];
    for (const child of children) {
      out.push(child);
      visit(child);
    }
  };
  visit(node);
  return out;
}

function firstOf<T, R>(items: readonly T[], f: (item: T) => R | null): R | null {
  for (const item of items) {
    const found = f(item);
    if (found) return found;
  }
  return null;
}
