/**
 * The local files a plugin is made of: its file and, transitively, the files it imports by a
 * relative or absolute path (packages, `gatehouse/plugin` and Gatehouse's own source are not
 * followed). The server
 * watches them to reload on edits; the loader re-imports them when one changed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, sep } from 'node:path';

/**
 * Gatehouse's own modules (its `src/` and built-in `plugins/`, when run from a checkout) are the
 * engine's, never the plugin's: re-importing one would make a second copy of its classes
 * (`OptionProblems`, …) that `instanceof` no longer recognises.
 */
const ENGINE_ROOTS = engineRoots();

function engineRoots(): string[] {
  const src = dirname(import.meta.dir);
  // Only from a checkout: bundled (the binary, the plugin SDK in a temp folder) the engine's
  // modules are not files, and import.meta.dir says nothing about where a plugin's files are.
  if (!existsSync(join(src, 'plugin-api', 'index.ts'))) return [];
  return [join(src, sep), join(dirname(src), 'plugins', sep)];
}

/** A runaway graph (a plugin importing a generated tree) stops being followed here. */
const MAX_FILES = 500;

const LOADERS: Record<string, 'ts' | 'tsx' | 'js' | 'jsx'> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.jsx': 'jsx' };

/**
 * `file` first, then every local file it imports, directly or not, at most 500. A file that
 * cannot be read or parsed is listed but not followed (the import reports the error).
 */
export function pluginModuleFiles(file: string): string[] {
  const found = new Set([file]);
  for (const current of found) {
    if (found.size >= MAX_FILES) break;
    for (const imported of localImports(current)) {
      if (found.size >= MAX_FILES) break;
      found.add(imported);
    }
  }
  return [...found];
}

function localImports(file: string): string[] {
  const loader = LOADERS[extname(file)];
  if (!loader) return [];
  let imports: { path: string }[];
  try {
    imports = new Bun.Transpiler({ loader }).scanImports(readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const { path } of imports) {
    if (!path.startsWith('./') && !path.startsWith('../') && !isAbsolute(path)) continue;
    try {
      const resolved = Bun.resolveSync(path, dirname(file));
      if (!resolved.includes('/node_modules/') && !ENGINE_ROOTS.some((root) => resolved.startsWith(root))) out.push(resolved);
    } catch {
      // a missing import: the import itself says so, located
    }
  }
  return out;
}
