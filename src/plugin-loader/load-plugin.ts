import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { definePlugin, OptionProblems, type Plugin } from '../plugin-api/index.ts';
import { builtinPlugins } from './builtins.ts';
import { pluginModuleFiles } from './plugin-files.ts';

let apiModuleRegistered = false;

/**
 * Lets a plugin file `import { definePlugin, OptionProblems } from 'gatehouse/plugin'` under the compiled binary,
 * where no node_modules exist: the module is served from inside Gatehouse.
 */
function registerApiModule(): void {
  if (apiModuleRegistered) return;
  apiModuleRegistered = true;
  Bun.plugin({
    name: 'gatehouse/plugin',
    setup(build) {
      build.module('gatehouse/plugin', () => ({ exports: { definePlugin, OptionProblems }, loader: 'object' }));
    },
  });
}

/** True when a `use:` value names a file rather than a built-in. */
export function isPluginPath(use: string): boolean {
  return use.startsWith('./') || use.startsWith('../') || isAbsolute(use) || /\.(m?[jt]s)$/.test(use);
}

/**
 * The local files the plugins of `use:` values (relative to `configDir`) are made of: each
 * plugin file and the files it imports. Built-ins have none.
 */
export function pluginFiles(uses: readonly string[], configDir: string): string[] {
  const files = new Set<string>();
  for (const use of uses) if (isPluginPath(use)) for (const f of pluginModuleFiles(resolve(configDir, use))) files.add(f);
  return [...files];
}

/**
 * Finds the plugin a `use:` value names: a built-in by name, or a file (relative to the config's
 * folder) imported at run time. When the file or a local file it imports has changed since it
 * was last loaded, all of them are imported afresh; otherwise the loaded module is reused.
 */
export async function loadPlugin(use: string, configDir: string): Promise<Plugin> {
  if (!isPluginPath(use)) {
    const builtin = builtinPlugins.get(use);
    if (!builtin) {
      const known = [...builtinPlugins.keys()].join(', ');
      throw new Error(`unknown plugin "${use}"; built-ins are ${known}, or give a path like ./my-plugin.ts`);
    }
    return builtin;
  }
  const file = resolve(configDir, use);
  if (stampOf(file) === undefined) throw new Error(`plugin file ${file} does not exist`);
  registerApiModule();
  let module: { default?: unknown };
  try {
    module = await import(`${file}?v=${freshVersion(file)}`);
  } catch (error) {
    throw new Error(`cannot load plugin ${file}: ${describeLoadError(error)}`);
  }
  return checkPluginShape(module.default, file);
}

/** Each local module file's stamp when last imported, process-wide as Bun's module cache is. */
const importedStamps = new Map<string, string>();

function stampOf(file: string): string | undefined {
  try {
    const s = statSync(file);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return undefined;
  }
}

/**
 * The plugin file is imported with its graph's stamps in the query, so any edit gives a new
 * module. The files it imports are cached by path: when one changed, all are dropped from the
 * cache, as a file that did not change may import one that did.
 */
function freshVersion(file: string): string {
  const [, ...imported] = pluginModuleFiles(file);
  const stamps = imported.map((f) => [f, stampOf(f) ?? 'missing'] as const);
  if (stamps.some(([f, stamp]) => importedStamps.get(f) !== stamp)) {
    for (const [f, stamp] of stamps) {
      delete require.cache[f];
      importedStamps.set(f, stamp);
    }
  }
  return String(Bun.hash([stampOf(file), ...stamps.flat()].join('\n')));
}

/**
 * Bun reports a syntax error as a BuildMessage with a position, or for the imported file itself
 * as an AggregateError "N errors building FILE" of them; say where the first one is.
 */
function describeLoadError(error: unknown): string {
  type Located = { message?: string; position?: { file?: string; line?: number; column?: number } | null };
  const all = ((error as { errors?: Located[] }).errors ?? []).filter((e) => e?.position);
  const first = (error as Located).position ? (error as Located) : all[0];
  const at = first?.position;
  if (!first?.message || !at?.file) return (error as Error).message;
  const more = all.length > 1 ? ` (and ${all.length - 1} more error${all.length === 2 ? '' : 's'})` : '';
  return `${at.file}:${at.line}:${at.column}: ${first.message}${more}`;
}

function checkPluginShape(candidate: unknown, file: string): Plugin {
  const p = candidate as Partial<Plugin> | undefined;
  if (!p || typeof p !== 'object') throw new Error(`${file} has no default export; export default definePlugin({...})`);
  if (typeof p.name !== 'string' || !p.name) throw new Error(`${file}: the plugin needs a "name"`);
  if (typeof p.create !== 'function') throw new Error(`${file}: the plugin needs a create(options, services) function`);
  if (p.options !== undefined && typeof p.options !== 'function') {
    throw new Error(`${file}: "options" must be a function (v) => schema`);
  }
  if (p.kind !== undefined && p.kind !== 'auth' && p.kind !== 'other') throw new Error(`${file}: "kind" must be "auth" or "other"`);
  if (p.placement !== undefined && p.placement !== 'before-auth') throw new Error(`${file}: "placement" must be "before-auth" when set`);
  return p as Plugin;
}
