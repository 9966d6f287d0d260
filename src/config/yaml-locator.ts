import { isMap, isScalar, isSeq, LineCounter, type Document, type Node, type Pair } from 'yaml';

export interface Position {
  line: number;
  column: number;
}

/** Finds the line and column of a key path in a parsed YAML document. */
export class YamlLocator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Position of the node at `path`, or of its deepest existing ancestor (the key when there is one). */
  locate(path: readonly (string | number)[]): Position {
    let node: unknown = this.doc.contents;
    let best: readonly number[] | undefined = (node as Node | null)?.range ?? undefined;
    for (const key of path) {
      if (isMap(node)) {
        const pair =
          (node.items as Pair[]).find((p) => keyOf(p) === String(key)) ??
          (node.items as Pair[]).find((p) => keyOf(p) === `${String(key)}_file`);
        if (!pair) break;
        best = (pair.key as Node | null)?.range ?? best;
        node = pair.value;
      } else if (isSeq(node) && typeof key === 'number' && node.items[key]) {
        node = node.items[key];
        best = (node as Node).range ?? best;
      } else break;
    }
    return this.position(best?.[0] ?? 0);
  }

  position(offset: number): Position {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }
}

function keyOf(pair: Pair): string | undefined {
  return isScalar(pair.key) ? String(pair.key.value) : undefined;
}
