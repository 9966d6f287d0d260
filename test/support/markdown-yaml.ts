/** The ```yaml blocks of Markdown pages, as test/docs-yaml.test.ts reads them. */

export interface YamlBlock {
  /** `docs/routing.md:42`: where the block's opening fence is. */
  where: string;
  text: string;
  /** Preceded by `<!-- invalid -->`: the config must be refused. */
  invalid: boolean;
}

/** The ```yaml (or ```yml) fenced blocks of a Markdown file, with the marker before each. */
export function yamlBlocks(markdown: string, file: string): YamlBlock[] {
  const lines = markdown.split('\n');
  const blocks: YamlBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*ya?ml\s*$/i.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence] = open;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !new RegExp(`^\\s*${fence![0]}{${fence!.length},}\\s*$`).test(lines[j]!)) {
      body.push(lines[j]!.startsWith(indent!) ? lines[j]!.slice(indent!.length) : lines[j]!);
      j++;
    }
    let k = i - 1;
    while (k >= 0 && lines[k]!.trim() === '') k--;
    const invalid = k >= 0 && /^\s*<!--\s*invalid\s*-->\s*$/i.test(lines[k]!);
    blocks.push({ where: `${file}:${i + 1}`, text: body.join('\n') + '\n', invalid });
    i = j;
  }
  return blocks;
}

/** A parsed block that is a complete config: a mapping with a top-level `routes:` key. */
export function isCompleteConfig(parsed: unknown): boolean {
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && 'routes' in parsed;
}
