import { parseArgs } from 'node:util';
import { createAdminState } from '../admin/admin-state.ts';
import { ConfigError, formatProblem } from '../config/errors.ts';
import { loadConfigFile } from '../config/load.ts';
import { createAuthForCheck } from '../gateway/create-auth.ts';
import { buildGateway } from '../gateway/gateway.ts';
import { withUsableTls } from '../server/tls-options.ts';
import { silentLogger } from '../log/logger.ts';
import { configPath } from './config-path.ts';

export const checkHelp = `Usage: gatehouse check [-c FILE]

Validates a config the way "run" would (YAML, keys, plugins and their options, keys and
secrets) without listening. Prints errors and warnings with file:line:column and the key.
Exit status: 0 valid (warnings allowed), 1 invalid.

Options:
  -c, --config FILE   config file (default: $GATEHOUSE_CONFIG or ./gatehouse.yaml)
  -h, --help          this help`;

export async function checkCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) return console.log(checkHelp), 0;
  const file = configPath(values.config);
  try {
    const gateway = await buildGateway(withUsableTls(loadConfigFile(file)), { log: silentLogger, admin: createAdminState(), createAuth: createAuthForCheck });
    for (const w of gateway.warnings) console.error(`warning: ${formatProblem(w)}`);
    await gateway.retire(0);
    console.log(`${gateway.loaded.file}: OK (${count(gateway.loaded.config.routes.length, 'route')}, ${count(gateway.warnings.length, 'warning')})`);
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const p of error.problems) console.error(`error: ${formatProblem(p)}`);
    console.error(`${count(error.problems.length, 'error')}; the config is not valid`);
    return 1;
  }
}

/** `1 route`, `2 routes`, `0 warnings`. */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
