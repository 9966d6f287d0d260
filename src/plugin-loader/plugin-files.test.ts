import { describe, expect, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pluginModuleFiles } from './plugin-files.ts';

const ROOT = join(import.meta.dir, '..', '..');

describe('the files a plugin is made of', () => {
  test('its local imports, transitively; packages and gatehouse/plugin are not followed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-plugin-files-'));
    writeFileSync(join(dir, 'p.ts'), "import { definePlugin } from 'gatehouse/plugin';\nimport * as v from 'valibot';\nimport { a } from './a.ts';\nexport default definePlugin({ name: 'p', create: () => (c, n) => n() });\n");
    writeFileSync(join(dir, 'a.ts'), "import { b } from './b.ts';\nexport const a = b;\n");
    writeFileSync(join(dir, 'b.ts'), 'export const b = 1;\n');
    expect(pluginModuleFiles(join(dir, 'p.ts'))).toEqual([join(dir, 'p.ts'), join(dir, 'a.ts'), join(dir, 'b.ts')]);
  });

  test("Gatehouse's own modules are never the plugin's (re-importing them would copy classes such as OptionProblems)", () => {
    const builtin = join(ROOT, 'plugins', 'path-prefix', 'index.ts');
    expect(pluginModuleFiles(builtin)).toEqual([builtin]);
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-plugin-files-'));
    writeFileSync(join(dir, 'p.ts'), `import { OptionProblems } from '${join(ROOT, 'src', 'plugin-api', 'index.ts')}';\nexport default OptionProblems;\n`);
    expect(pluginModuleFiles(join(dir, 'p.ts'))).toEqual([join(dir, 'p.ts')]);
  });
});
