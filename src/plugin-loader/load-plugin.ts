import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { definePlugin, OptionProblems, type Plugin } from '../plugin-api/index.ts';
import { builtinPlugins } from './builtins.ts';

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
 * Finds the plugin a `use:` value names: a built-in by name, or a file (relative to the config's
 * folder) imported at run time. A changed file is imported afresh on reload.
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
  let version: number;
  try {
    version = statSync(file).mtimeMs;
  } catch {
    throw new Error(`plugin file ${file} does not exist`);
  }
  registerApiModule();
  let module: { default?: unknown };
  try {
    module = await import(`${file}?v=${version}`);
  } catch (error) {
    throw new Error(`cannot load plugin ${file}: ${(error as Error).message}`);
  }
  return checkPluginShape(module.default, file);
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
