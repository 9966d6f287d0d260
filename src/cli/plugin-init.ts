import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pluginTemplate, testTemplate, TSCONFIG } from './plugin-templates.ts';
import { pluginTestCommand } from './plugin-test.ts';

export const pluginInitHelp = `Usage: gatehouse plugin init NAME [-d DIR]

Writes a working plugin to start from, in DIR (default: the current folder):
  NAME.ts                a plugin with an options schema (use: ./NAME.ts in a route)
  NAME.test.ts           its tests, on the test kit (run them: gatehouse plugin test)
  tsconfig.json          strict TypeScript for the editor
  gatehouse-plugin.d.ts  the plugin API's types, so the editor needs no node_modules

Never overwrites: NAME.ts or NAME.test.ts existing is an error; an existing tsconfig.json or
gatehouse-plugin.d.ts is kept. NAME: lower-case letters, digits and dashes.

Options:
  -d, --dir DIR   an existing folder to write into (default: the current folder)
  -h, --help      this help`;

export const pluginHelp = `Usage: gatehouse plugin <subcommand>

Subcommands:
  init NAME   write a plugin, its tests and editor types to start from
  test        run a plugin's tests, no Bun or node_modules needed

Run "gatehouse plugin init --help" or "gatehouse plugin test --help" for their options.`;

/** `gatehouse plugin ...`: dispatches to the subcommand. */
export async function pluginCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'init') return pluginInitCommand(rest);
  if (sub === 'test') return pluginTestCommand(rest);
  if (sub === '--help' || sub === '-h' || sub === 'help') return console.log(pluginHelp), 0;
  console.error(sub ? `gatehouse plugin: unknown subcommand "${sub}"\n\n${pluginHelp}` : pluginHelp);
  return 2;
}

/** `gatehouse plugin init NAME`: scaffolds a plugin; 0 on success, 1 when it would overwrite, 2 on usage errors. */
export async function pluginInitCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { dir: { type: 'string', short: 'd' }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    console.error(`gatehouse plugin init: ${(error as Error).message}\n\n${pluginInitHelp}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) return console.log(pluginInitHelp), 0;
  const [name, ...extra] = positionals;
  if (!name || extra.length > 0) {
    console.error(`gatehouse plugin init: give one NAME\n\n${pluginInitHelp}`);
    return 2;
  }
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name)) {
    console.error(`gatehouse plugin init: "${name}" is not a plugin name; use lower-case letters, digits and dashes, like rate-limit`);
    return 2;
  }
  const dir = resolve(values.dir ?? '.');
  if (!existsSync(dir)) {
    console.error(`gatehouse plugin init: ${dir} does not exist`);
    return 2;
  }

  const own = { [`${name}.ts`]: pluginTemplate(name), [`${name}.test.ts`]: testTemplate(name) };
  const taken = Object.keys(own).filter((file) => existsSync(join(dir, file)));
  if (taken.length > 0) {
    console.error(`gatehouse plugin init: ${taken.join(' and ')} already exist${taken.length === 1 ? 's' : ''} in ${dir}; nothing written`);
    return 1;
  }
  const shared = { 'tsconfig.json': TSCONFIG, 'gatehouse-plugin.d.ts': await typesFile() };
  const written: string[] = [];
  const kept: string[] = [];
  for (const [file, content] of Object.entries({ ...own, ...shared })) {
    try {
      writeFileSync(join(dir, file), content, { flag: 'wx' });
      written.push(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      kept.push(file);
    }
  }
  console.log(`wrote ${written.join(', ')} in ${dir}${kept.length ? ` (kept the existing ${kept.join(' and ')})` : ''}

Next:
  1. Add it to a route in gatehouse.yaml:
       plugins:
         - use: ./${name}.ts
           message: hello
  2. gatehouse check, then gatehouse run. Saving ${name}.ts (or a file it imports) reloads it,
     as saving gatehouse.yaml does.
  3. Tests: gatehouse plugin test (add --watch to run them on every save).`);
  return 0;
}

/**
 * Loaded on demand: its text is embedded by Bun macros, which Bun refuses to run inside
 * node_modules, so a source install of the package still runs every other command.
 */
async function typesFile(): Promise<string> {
  try {
    return (await import('./plugin-types.ts')).pluginTypesFile();
  } catch (error) {
    throw new Error(`cannot build the plugin types (${(error as Error).message}); run "plugin init" with the gatehouse binary`);
  }
}
