#!/usr/bin/env bun
import { checkCommand, checkHelp } from './cli/check.ts';
import { demoCommand, demoHelp } from './demo/demo-command.ts';
import { explainCommand, explainHelp } from './cli/explain.ts';
import { pluginCommand, pluginHelp } from './cli/plugin-init.ts';
import { runCommand, runHelp } from './cli/run.ts';
import { schemaCommand, schemaHelp } from './cli/schema.ts';
import { hashPasswordCommand, hashPasswordHelp, keysCommand, keysHelp } from './cli/secrets.ts';
import { sessionsCommand, sessionsHelp } from './cli/sessions.ts';
import { statusCommand, statusHelp } from './cli/status.ts';
import { version } from './version.ts';

const usage = `Gatehouse ${version}: an identity-aware gateway for browser apps calling protected APIs.

Usage: gatehouse <command> [options]

Commands:
  demo            try it: Gatehouse, an app and an API, signed in in a browser
  run             serve a config (default ./gatehouse.yaml)
  check           validate a config and print its errors and warnings
  schema          print the config's JSON Schema, for editors
  explain         say why a browser request failed (a HAR file or one request) and the fix
  version         print the version
  keys generate   print a new session signing key (PEM)
  hash-password   hash a password from stdin for a static user
  sessions        list or revoke sign-in sessions (list, revoke)
  status          how a running Gatehouse's upstreams are (asks its admin listener)
  plugin init     write a plugin, its tests and editor types to start from
  plugin test     run a plugin's tests, with no Bun or node_modules needed

Run "gatehouse <command> --help" for a command's options.`;

type Command = (args: string[]) => Promise<number> | number;

const commands: Record<string, { run: Command; help: string }> = {
  demo: { run: demoCommand, help: demoHelp },
  run: { run: runCommand, help: runHelp },
  check: { run: checkCommand, help: checkHelp },
  schema: { run: schemaCommand, help: schemaHelp },
  explain: { run: explainCommand, help: explainHelp },
  version: { run: () => (console.log(version), 0), help: 'Usage: gatehouse version\n\nPrints the version.' },
  keys: { run: keysCommand, help: keysHelp },
  'hash-password': { run: hashPasswordCommand, help: hashPasswordHelp },
  plugin: { run: pluginCommand, help: pluginHelp },
  sessions: { run: sessionsCommand, help: sessionsHelp },
  status: { run: statusCommand, help: statusHelp },
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') return console.log(usage), name ? 0 : 2;
  if (name === '--version' || name === '-v') return console.log(version), 0;
  const command = commands[name];
  if (!command) {
    console.error(`gatehouse: unknown command "${name}"\n\n${usage}`);
    return 2;
  }
  if (rest[0] === '--help' || rest[0] === '-h') return console.log(command.help), 0;
  return command.run(rest);
}

process.exitCode = await main(process.argv.slice(2));
