/**
 * A small reader of JavaScript regular expressions (Unicode mode), enough to reason about how
 * they backtrack: characters become sets of code points, and groups, alternations and
 * repetitions keep the text they were written as, so a refusal can quote the offending part.
 * The pattern must already compile (`new RegExp(source, 'u')`); this reader does not re-check
 * the syntax. Constructs that make matching unpredictable (backreferences, lookarounds, inline
 * modifiers) are refused while reading, with `RegexRefusal`.
 */

/** Sorted, disjoint, inclusive code point ranges. */
export type CharSet = readonly (readonly [number, number])[];

export type RegexNode =
  | { type: 'chars'; set: CharSet }
  /** `^`, `$`, `\b`, `\B`: match no character. */
  | { type: 'assertion' }
  | { type: 'seq'; items: RegexNode[] }
  | { type: 'alt'; options: RegexNode[]; text: string }
  | { type: 'group'; body: RegexNode; text: string }
  | { type: 'repeat'; body: RegexNode; min: number; max: number; text: string };

/** A construct refused while reading; `part` is the offending text. */
export class RegexRefusal extends Error {
  constructor(
    readonly part: string,
    readonly why: string,
  ) {
    super(`"${part}": ${why}`);
  }
}

const MAX = 0x10ffff;
export const ALL: CharSet = [[0, MAX]];
const DIGIT: CharSet = [[0x30, 0x39]];
const WORD: CharSet = [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]];
const SPACE: CharSet = [[0x09, 0x0d], [0x20, 0x20], [0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200a], [0x2028, 0x2029], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000], [0xfeff, 0xfeff]];
const LINE_TERMINATORS: CharSet = [[0x0a, 0x0a], [0x0d, 0x0d], [0x2028, 0x2029]];
const CONTROL_ESCAPES: Record<string, number> = { t: 9, n: 10, v: 11, f: 12, r: 13 };

export function union(a: CharSet, b: CharSet): CharSet {
  const all = [...a, ...b].sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of all) {
    const last = out.at(-1);
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

export function complement(set: CharSet): CharSet {
  const out: [number, number][] = [];
  let next = 0;
  for (const [lo, hi] of set) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX) out.push([next, MAX]);
  return out;
}

export function intersects(a: CharSet, b: CharSet): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i]![1] < b[j]![0]) i++;
    else if (b[j]![1] < a[i]![0]) j++;
    else return true;
  }
  return false;
}

const single = (c: number): CharSet => [[c, c]];

/**
 * Code points that some other code point matches under the `i` flag, each with its whole class
 * (`k`, `K` and the Kelvin sign `K`; `s`, `S` and `ſ`), made on first use. Built from single
 * code point upper- and lower-casing, joined transitively: at least what `iu` folds together.
 */
let caseClasses: Map<number, number[]> | undefined;
function caseClassesOf(): Map<number, number[]> {
  if (caseClasses) return caseClasses;
  const parent = new Map<number, number>();
  const root = (c: number): number => {
    let r = c;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    return r;
  };
  const join = (a: number, b: number) => {
    if (!parent.has(a)) parent.set(a, a);
    if (!parent.has(b)) parent.set(b, b);
    parent.set(root(a), root(b));
  };
  // Blocks of 256 that casing leaves alone are skipped whole (most are): about 0.1 s, not 0.35.
  for (let base = 0; base <= 0x1ffff; base += 256) {
    const codes: number[] = [];
    for (let c = base; c < base + 256; c++) if (c < 0xd800 || c > 0xdfff) codes.push(c);
    const block = String.fromCodePoint(...codes);
    if (block.toLowerCase() === block && block.toUpperCase() === block) continue;
    for (const c of codes) {
      const text = String.fromCodePoint(c);
      for (const cased of [text.toLowerCase(), text.toUpperCase()]) {
        const code = cased.codePointAt(0)!;
        if (cased !== text && cased.length === String.fromCodePoint(code).length) join(c, code);
      }
    }
  }
  const classes = new Map<number, number[]>();
  for (const c of parent.keys()) {
    const r = root(c);
    const members = classes.get(r) ?? [];
    members.push(c);
    classes.set(r, members);
  }
  caseClasses = new Map();
  for (const members of classes.values()) for (const c of members) caseClasses.set(c, members);
  return caseClasses;
}

function contains(set: CharSet, c: number): boolean {
  let lo = 0;
  let hi = set.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (c < set[mid]![0]) hi = mid - 1;
    else if (c > set[mid]![1]) lo = mid + 1;
    else return true;
  }
  return false;
}

/** `set` with every case variant of its members added: what it matches under the `i` flag. */
export function caseFolded(set: CharSet): CharSet {
  const added: [number, number][] = [];
  for (const [c, members] of caseClassesOf()) {
    if (contains(set, c)) for (const m of members) if (!contains(set, m)) added.push([m, m]);
  }
  return added.length === 0 ? set : union(set, added);
}

/**
 * Reads `source` (which compiles with the `u` flag) into a tree. With `ignoreCase`, character
 * sets are widened to what they match under the `i` flag.
 */
export function parseRegex(source: string, options: { ignoreCase?: boolean } = {}): RegexNode {
  const tree = parseCaseSensitive(source);
  return options.ignoreCase ? foldTree(tree) : tree;
}

function foldTree(node: RegexNode): RegexNode {
  switch (node.type) {
    case 'chars':
      return { type: 'chars', set: caseFolded(node.set) };
    case 'assertion':
      return node;
    case 'seq':
      return { ...node, items: node.items.map(foldTree) };
    case 'alt':
      return { ...node, options: node.options.map(foldTree) };
    case 'group':
    case 'repeat':
      return { ...node, body: foldTree(node.body) };
  }
}

function parseCaseSensitive(source: string): RegexNode {
  let pos = 0;
  const peek = () => source[pos];
  const eat = (text: string) => (source.startsWith(text, pos) ? ((pos += text.length), true) : false);

  function disjunction(): RegexNode {
    const start = pos;
    const options = [alternative()];
    while (eat('|')) options.push(alternative());
    return options.length === 1 ? options[0]! : { type: 'alt', options, text: source.slice(start, pos) };
  }

  function alternative(): RegexNode {
    const items: RegexNode[] = [];
    while (pos < source.length && peek() !== '|' && peek() !== ')') {
      const start = pos;
      const atom = term();
      items.push(quantified(atom, start));
    }
    return items.length === 1 ? items[0]! : { type: 'seq', items };
  }

  function quantified(atom: RegexNode, start: number): RegexNode {
    let min: number;
    let max: number;
    const brace = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(pos));
    if (eat('*')) [min, max] = [0, Infinity];
    else if (eat('+')) [min, max] = [1, Infinity];
    else if (eat('?')) [min, max] = [0, 1];
    else if (brace) {
      pos += brace[0].length;
      min = Number(brace[1]);
      max = brace[2] === undefined ? min : brace[3] === '' ? Infinity : Number(brace[3]);
    } else return atom;
    eat('?'); // lazy: the same matches, tried in another order
    return { type: 'repeat', body: atom, min, max, text: source.slice(start, pos) };
  }

  function term(): RegexNode {
    const start = pos;
    const c = source[pos++]!;
    if (c === '^' || c === '$') return { type: 'assertion' };
    if (c === '.') return { type: 'chars', set: complement(LINE_TERMINATORS) };
    if (c === '[') return { type: 'chars', set: charClass() };
    if (c === '\\') return escape(start);
    if (c === '(') return group(start);
    const code = source.codePointAt(pos - 1)!;
    if (code > 0xffff) pos++;
    return { type: 'chars', set: single(code) };
  }

  function group(start: number): RegexNode {
    if (eat('?')) {
      if (source.startsWith('=', pos) || source.startsWith('!', pos) || source.startsWith('<=', pos) || source.startsWith('<!', pos)) {
        throw new RegexRefusal(source.slice(start, closing(start)), 'lookahead and lookbehind are not supported (RE2, which Envoy and Pomerium use, has neither)');
      }
      if (eat('<')) pos = source.indexOf('>', pos) + 1; // a named group
      else if (!eat(':')) throw new RegexRefusal(source.slice(start, closing(start)), 'inline modifiers are not supported: write the case variants out, e.g. [Aa]');
    }
    const body = disjunction();
    eat(')');
    return { type: 'group', body, text: source.slice(start, pos) };
  }

  /** Where the group opened at `start` ends (for quoting it), or the end of the source. */
  function closing(start: number): number {
    let depth = 0;
    for (let i = start; i < source.length; i++) {
      if (source[i] === '\\') i++;
      else if (source[i] === '(') depth++;
      else if (source[i] === ')' && --depth === 0) return i + 1;
    }
    return source.length;
  }

  function escape(start: number): RegexNode {
    const c = source[pos]!;
    if (c === 'b' || c === 'B') return pos++, { type: 'assertion' };
    if (/[1-9]/.test(c) || c === 'k') {
      const end = c === 'k' ? source.indexOf('>', pos) + 1 : pos + /^\d+/.exec(source.slice(pos))![0].length;
      throw new RegexRefusal(source.slice(start, end), 'backreferences are not supported: they make matching take exponential time');
    }
    return { type: 'chars', set: escapedSet(false) };
  }

  /** The set an escape after `\` stands for (inside a class, `\b` is a backspace). */
  function escapedSet(inClass: boolean): CharSet {
    const c = source[pos++]!;
    switch (c) {
      case 'd': return DIGIT;
      case 'D': return complement(DIGIT);
      case 'w': return WORD;
      case 'W': return complement(WORD);
      case 's': return SPACE;
      case 'S': return complement(SPACE);
      case 'p':
      case 'P':
        // Unicode properties: assume they may overlap anything (only ever a stricter verdict).
        pos = source.indexOf('}', pos) + 1;
        return ALL;
    }
    return single(escapedChar(c, inClass));
  }

  function escapedChar(c: string, inClass: boolean): number {
    if (c in CONTROL_ESCAPES) return CONTROL_ESCAPES[c]!;
    if (c === 'b' && inClass) return 8;
    if (c === '0') return 0;
    if (c === 'c') return source.charCodeAt(pos++) % 32;
    if (c === 'x') return (pos += 2), parseInt(source.slice(pos - 2, pos), 16);
    if (c === 'u') {
      if (eat('{')) {
        const end = source.indexOf('}', pos);
        const code = parseInt(source.slice(pos, end), 16);
        pos = end + 1;
        return code;
      }
      const high = parseInt(source.slice(pos, pos + 4), 16);
      pos += 4;
      // A surrogate pair written as two escapes is one code point.
      const low = /^\\u([dD][c-fC-F][0-9a-fA-F]{2})/.exec(source.slice(pos));
      if (high >= 0xd800 && high <= 0xdbff && low) {
        pos += 6;
        return 0x10000 + ((high - 0xd800) << 10) + (parseInt(low[1]!, 16) - 0xdc00);
      }
      return high;
    }
    return source.codePointAt(pos - 1)!;
  }

  function charClass(): CharSet {
    const negated = eat('^');
    let set: CharSet = [];
    while (pos < source.length && peek() !== ']') {
      const item = classAtom();
      if (item.length === 1 && item[0]![0] === item[0]![1] && peek() === '-' && source[pos + 1] !== ']') {
        pos++;
        const end = classAtom();
        set = union(set, [[item[0]![0], end[0]![1]]]);
      } else set = union(set, item);
    }
    pos++; // ]
    return negated ? complement(set) : set;
  }

  function classAtom(): CharSet {
    if (eat('\\')) return escapedSet(true);
    const code = source.codePointAt(pos)!;
    pos += code > 0xffff ? 2 : 1;
    return single(code);
  }

  const tree = disjunction();
  return tree;
}
