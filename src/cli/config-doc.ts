/**
 * The config keys the docs' tables document, by key path as `keyPaths` (src/config/json-schema.ts)
 * names them: `gatehouse schema` takes its descriptions from them, and a test holds them and the
 * schema to each other.
 *
 * A table documents keys when its header's first cell is `key`; each row's first cell is the key
 * in backticks, or a path below it (`allow.emails`, `users[].email`), or several, comma-separated. Whose keys they are comes
 * from the headings above it:
 * - `Top-level keys`, `Routes`, `Policies` and `Built-in plugins` name the top level, a route, a
 *   route's `policy` and a route's plugin entries;
 * - a heading that is one key in backticks (`` ### `session` ``) names that key below its parent
 *   heading's; a built-in plugin's name (`` `preflight` `` or `` `preflight` options ``) names
 *   that plugin's options, on any page;
 * - a paragraph right above a table that starts with a key in backticks and a parenthesis
 *   (`` `oidc` (…) ``) names that key below the heading's.
 *
 * A row for a path below a key (`allow.emails`) documents the keys on the way (`allow`) too; a
 * row for `KEY_file` documents `KEY`.
 */

/** One page of Markdown, named as it should appear in messages. */
export interface DocPage {
  file: string;
  text: string;
}

export interface DocumentedKey {
  /** `docs/configuration.md:120`: the row. */
  where: string;
  /** The row's `meaning` cell, links reduced to their text; '' when the table has none. */
  meaning: string;
}

const NAMED_SECTIONS: Record<string, string[]> = {
  'Top-level keys': [],
  Routes: ['routes'],
  Policies: ['routes', 'policy'],
  'Built-in plugins': ['routes', 'plugins'],
};

/** Every documented key path of `pages`, first documentation first; `plugins` are the built-in names. */
export function documentedKeys(pages: readonly DocPage[], plugins: readonly string[]): Map<string, DocumentedKey> {
  const found = new Map<string, DocumentedKey>();
  for (const page of pages) {
    const headings: { level: number; scope: string[] | null }[] = [];
    const lines = page.text.split('\n');
    let inFence = false;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
      if (inFence) continue;
      const heading = /^(#{1,6})\s+(.*?)\s*$/.exec(line);
      if (heading) {
        const level = heading[1]!.length;
        while (headings.length > 0 && headings.at(-1)!.level >= level) headings.pop();
        headings.push({ level, scope: headingScope(heading[2]!, headings, plugins) });
        continue;
      }
      if (!isKeyTableHeader(line) || !/^\s*\|[-:| ]+\|\s*$/.test(lines[i + 1] ?? '')) continue;
      const scope = headings.at(-1)?.scope;
      if (!scope) continue;
      const lead = leadKey(lines, i);
      const base = lead ? [...scope, lead] : scope;
      const meaningColumn = cells(line).indexOf('meaning');
      for (i += 2; i < lines.length && lines[i]!.trim().startsWith('|'); i++) {
        const row = cells(lines[i]!);
        const meaning = meaningColumn === -1 ? '' : plainText(row[meaningColumn] ?? '');
        for (const key of rowKeys(row[0] ?? '')) record(found, base, key, { where: `${page.file}:${i + 1}`, meaning });
      }
      i--;
    }
  }
  return found;
}

/** Notes a row's key below `base`, and the keys on the way to it. */
function record(found: Map<string, DocumentedKey>, base: readonly string[], key: string, row: DocumentedKey): void {
  // `cert_file` documents `cert`: the loader reads every `X_file` into `X`, so no key ends so.
  const segments = key.replace(/\[\]/g, '').replace(/_file$/, '').split('.');
  for (let n = 1; n < segments.length; n++) {
    const above = [...base, ...segments.slice(0, n)].join('.');
    if (!found.has(above)) found.set(above, { where: row.where, meaning: '' });
  }
  const path = [...base, ...segments].join('.');
  if (!found.get(path)?.meaning) found.set(path, row);
}

function headingScope(text: string, enclosing: readonly { scope: string[] | null }[], plugins: readonly string[]): string[] | null {
  if (NAMED_SECTIONS[text]) return NAMED_SECTIONS[text]!;
  const key = /^`([a-z][a-z0-9_-]*)`( options)?$/.exec(text)?.[1];
  if (!key) return null;
  if (plugins.includes(key)) return ['routes', 'plugins', key];
  const parent = enclosing.at(-1)?.scope;
  return parent ? [...parent, key] : null;
}

/** The key a table's lead-in paragraph starts with: `` `oidc` (authorization code flow…) ``. */
function leadKey(lines: readonly string[], tableLine: number): string | undefined {
  let j = tableLine - 1;
  while (j >= 0 && lines[j]!.trim() === '') j--;
  if (j < 0 || /^#/.test(lines[j]!)) return undefined;
  while (j > 0 && lines[j - 1]!.trim() !== '' && !/^#/.test(lines[j - 1]!)) j--;
  return /^`([a-z][a-z0-9_]*)` \(/.exec(lines[j]!)?.[1];
}

/** The keys a row's first cell names: `` `key` `` or `` `a_file`, `b_file` ``; `x-…` is not a key. */
function rowKeys(cell: string): string[] {
  if (!/^`[^`]+`(,\s*`[^`]+`)*$/.test(cell)) return [];
  return [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!).filter((key) => !key.startsWith('x-'));
}

function isKeyTableHeader(line: string): boolean {
  return cells(line)[0] === 'key';
}

/** A table row's cells, trimmed; `\|` inside a cell is not a separator. */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim().replace(/\\\|/g, '|'));
}

/** A cell's Markdown as a description: links become their text, emphasis marks go. */
function plainText(markdown: string): string {
  return markdown
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .trim();
}
