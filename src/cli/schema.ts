import { writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as v from 'valibot';
import { configJsonSchema, type JsonSchema } from '../config/json-schema.ts';
import { optionSchemas } from '../gateway/route-pipeline.ts';
import { builtinPlugins } from '../plugin-loader/builtins.ts';
import { documentedKeys, type DocPage } from './config-doc.ts';
import { fileText } from './embed-text.ts' with { type: 'macro' };

export const schemaHelp = `Usage: gatehouse schema

Prints a JSON Schema (draft-07) of the config file, built-in plugins' options included, with
each key's description from the configuration reference. Editors with the YAML extension
(yaml-language-server) complete and check the config as you type:

  gatehouse schema > gatehouse.schema.json
  # and as the first line of gatehouse.yaml:
  # yaml-language-server: $schema=./gatehouse.schema.json

It describes what may be written (\${VAR} and KEY_file values included); "gatehouse check"
still judges what only loading can (variables, files, keys, plugin files' options).

Options:
  -h, --help   this help`;

/** The pages whose key tables describe the config; inlined into the binary when it is built. */
export const CONFIG_DOC_PAGES: readonly DocPage[] = [
  { file: 'docs/configuration.md', text: fileText('../../docs/configuration.md') },
  { file: 'docs/cross-origin.md', text: fileText('../../docs/cross-origin.md') },
  { file: 'docs/plugins.md', text: fileText('../../docs/plugins.md') },
];

/** The config's JSON Schema, with the built-in plugins' options and the docs' descriptions. */
export function gatehouseJsonSchema(): JsonSchema {
  const plugins = new Map([...builtinPlugins].flatMap(([name, plugin]) => (plugin.options ? [[name, plugin.options(v, optionSchemas)] as const] : [])));
  const docs = documentedKeys(CONFIG_DOC_PAGES, [...builtinPlugins.keys()]);
  return configJsonSchema({ plugins, describe: (path) => docs.get(path)?.meaning || undefined });
}

/** `gatehouse schema`: the JSON Schema on stdout; 0, or 2 for a usage error. */
export function schemaCommand(args: string[]): number {
  try {
    const { values } = parseArgs({ args, options: { help: { type: 'boolean', short: 'h' } } });
    if (values.help) return console.log(schemaHelp), 0;
  } catch (error) {
    console.error(`gatehouse schema: ${(error as Error).message}\n\n${schemaHelp}`);
    return 2;
  }
  writeAll(`${JSON.stringify(gatehouseJsonSchema(), null, 2)}\n`);
  return 0;
}

/** Writes to stdout; a reader that stops early (`gatehouse schema | head`) is not an error. */
function writeAll(text: string): void {
  const bytes = Buffer.from(text);
  try {
    for (let at = 0; at < bytes.length; ) at += writeSync(1, bytes, at);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
  }
}
