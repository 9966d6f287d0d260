/**
 * The built-in plugins are written exactly as a user's plugin would be: from `src/` they import
 * only the public API (`src/plugin-api/index.ts`), and no npm package at run time (valibot
 * reaches them as `services.v`). The example plugins import nothing but `gatehouse/plugin`.
 * Tests and test helpers (`*.test.ts`, `testing.ts`) are exempt.
 */
import { describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT } from './support/process.ts';

const API = join(ROOT, 'src', 'plugin-api', 'index.ts');
const PLUGINS = join(ROOT, 'plugins');
const EXAMPLES = join(ROOT, 'examples', 'plugins');

/** Every module specifier a source imports or re-exports, type-only imports included. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\bfrom\s*['"]([^'"]+)['"]/g, // import … from, export … from, import type … from
    /\bimport\s*\(\s*['"]([^'"]+)['"]/g, // import('…')
    /^\s*import\s*['"]([^'"]+)['"]/gm, // import '…' (side effects)
    /\brequire\s*\(\s*['"]([^'"]+)['"]/g,
  ];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1]!);
  return found;
}

/**
 * Why `specifier` in `file` crosses the boundary of `root` (the folder of plugins being checked),
 * or null when it stays inside, is `node:*`, or is the public API (`gatehouse/plugin`, or the
 * API file itself when `api` is allowed).
 */
function violation(file: string, specifier: string, root: string, allowed: { api: boolean }): string | null {
  if (specifier.startsWith('node:') || specifier === 'bun' || specifier === 'gatehouse/plugin') return null;
  if (!specifier.startsWith('.')) return `imports the package "${specifier}" (use services instead)`;
  const target = resolve(dirname(file), specifier);
  if (allowed.api && target === API) return null;
  return target.startsWith(root + '/') ? null : `imports ${relative(ROOT, target)}`;
}

function pluginSources(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...pluginSources(path));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && name !== 'testing.ts') files.push(path);
  }
  return files;
}

function violations(dir: string, allowed: { api: boolean }): string[] {
  const out: string[] = [];
  for (const file of pluginSources(dir)) {
    for (const specifier of specifiers(readFileSync(file, 'utf8'))) {
      const why = violation(file, specifier, dir, allowed);
      if (why) out.push(`${relative(ROOT, file)}: ${why}`);
    }
  }
  return out;
}

describe('plugin boundary', () => {
  test('built-in plugins import nothing from src/ but src/plugin-api/index.ts, and no npm package', () => {
    const files = pluginSources(PLUGINS);
    expect(files.length).toBeGreaterThan(0);
    expect(files.some((f) => specifiers(readFileSync(f, 'utf8')).some((s) => resolve(dirname(f), s) === API))).toBe(true);
    expect(violations(PLUGINS, { api: true })).toEqual([]);
  });

  test('example plugins import only gatehouse/plugin (they run under the binary as they are)', () => {
    expect(pluginSources(EXAMPLES).length).toBeGreaterThanOrEqual(3);
    expect(violations(EXAMPLES, { api: false })).toEqual([]);
  });

  test('the scan sees every kind of import and flags what crosses the boundary', () => {
    const source = `import type { Config } from '../../src/config/schema.ts';
import { definePlugin } from '../../src/plugin-api/index.ts';
export { thing } from './thing.ts';
import 'node:crypto';
const lazy = await import("../../src/auth/tokens/keys.ts");
import * as v from 'valibot';
import { x } from '../other/helper.ts';
`;
    const file = join(PLUGINS, 'demo', 'index.ts');
    expect(specifiers(source)).toEqual([
      '../../src/config/schema.ts',
      '../../src/plugin-api/index.ts',
      './thing.ts',
      'valibot',
      '../other/helper.ts',
      '../../src/auth/tokens/keys.ts',
      'node:crypto',
    ]);
    expect(specifiers(source).map((s) => violation(file, s, PLUGINS, { api: true }))).toEqual([
      'imports src/config/schema.ts',
      null,
      null,
      'imports the package "valibot" (use services instead)',
      null,
      'imports src/auth/tokens/keys.ts',
      null,
    ]);
    expect(violation(join(EXAMPLES, 'x.ts'), '../../src/plugin-api/index.ts', EXAMPLES, { api: false })).toBe('imports src/plugin-api/index.ts');
    expect(violation(file, '../../../etc/secret.ts', PLUGINS, { api: true })).toBe('imports ../etc/secret.ts');
  });
});
