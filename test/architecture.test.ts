/**
 * The layering of docs/architecture.md, held against the code: a module of `src/` imports only
 * from its own layer or below, and no two files import each other, however indirectly. Type-only
 * imports count: they tie the code together just the same.
 */
import { describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT } from './support/process.ts';

const SRC = join(ROOT, 'src');

/** Lowest first; a file's room is its first folder under src/ (or the file itself). */
export const LAYERS: readonly (readonly string[])[] = [
  ['config', 'http', 'log', 'plugin-api', 'admin', 'util', 'version.ts'],
  ['router', 'pipeline', 'proxy', 'auth', 'policy', 'state'],
  ['plugin-loader', 'gateway'],
  ['server'],
  ['cli', 'demo', 'testing', 'explain'],
  ['main.ts'],
];

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

/** Relative module specifiers a file imports or re-exports (type-only ones too). */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const pattern of [/\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]/g, /\bimport\s*\(\s*['"](\.{1,2}\/[^'"]+)['"]/g, /^\s*import\s*['"](\.{1,2}\/[^'"]+)['"]/gm]) {
    for (const match of text.matchAll(pattern)) found.push(resolve(dirname(file), match[1]!));
  }
  return found;
}

function room(file: string): string | undefined {
  const rel = relative(SRC, file);
  if (rel.startsWith('..')) return undefined;
  return rel.split('/')[0]!;
}

function layerOf(file: string): number {
  const name = room(file);
  const layer = LAYERS.findIndex((rooms) => rooms.includes(name!));
  if (layer === -1) throw new Error(`${relative(ROOT, file)}: room "${name}" has no layer in LAYERS (and in docs/architecture.md)`);
  return layer;
}

/** `file imports target` pairs that run up a layer. */
function upwardImports(graph: Map<string, string[]>): string[] {
  const upward: string[] = [];
  for (const [file, targets] of graph) {
    for (const target of targets) {
      if (layerOf(target) > layerOf(file)) upward.push(`${relative(ROOT, file)} imports ${relative(ROOT, target)} (layer ${layerOf(target)} > ${layerOf(file)})`);
    }
  }
  return upward;
}

/** Files that import each other, however indirectly (Tarjan's strongly connected components). */
function cyclesOf(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(relative(ROOT, w));
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const file of graph.keys()) if (!indices.has(file)) visit(file);
  return cycles;
}

const files = sources(SRC);
const graph = new Map(files.map((f) => [f, relativeImports(f).filter((t) => t.startsWith(SRC + '/'))]));

describe('architecture', () => {
  test('every room of src/ has a layer', () => {
    for (const file of files) expect(() => layerOf(file)).not.toThrow();
  });

  test('no import runs up a layer', () => expect(upwardImports(graph)).toEqual([]));

  test('no files import each other in a circle', () => expect(cyclesOf(graph)).toEqual([]));

  test('the checks see an upward import and a cycle when there is one', () => {
    // A made-up house: if these stopped being caught, the tests above would prove nothing.
    const at = (path: string) => join(SRC, path);
    const made = new Map([
      [at('admin/state.ts'), [at('server/server.ts')]],
      [at('server/server.ts'), [at('gateway/a.ts')]],
      [at('gateway/a.ts'), [at('gateway/b.ts')]],
      [at('gateway/b.ts'), [at('gateway/a.ts')]],
    ]);
    expect(upwardImports(made)).toEqual(['src/admin/state.ts imports src/server/server.ts (layer 3 > 0)']);
    expect(cyclesOf(made)).toEqual([['src/gateway/a.ts', 'src/gateway/b.ts']]);
  });
});
