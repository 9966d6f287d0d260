import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createAdminState } from '../admin/admin-state.ts';
import { ConfigError, formatProblem } from '../config/errors.ts';
import { loadConfigFile } from '../config/load.ts';
import { createExplainer, report, upstreamAnswersPreflight, type ExplainReport } from '../explain/explain.ts';
import { formatText } from '../explain/format-text.ts';
import { exchangesFromHar, HarError } from '../explain/har.ts';
import { simulate } from '../explain/simulate.ts';
import { createAuthForCheck } from '../gateway/create-auth.ts';
import { buildGateway, type Gateway } from '../gateway/gateway.ts';
import { silentLogger } from '../log/logger.ts';
import { configPath } from './config-path.ts';

export const explainHelp = `Usage: gatehouse explain [-c FILE] --har FILE.har [--format json|text]
       gatehouse explain [-c FILE] --request 'METHOD URL' [-H 'Name: value']... [--credentials]

Says, for each request to a host the config routes, which route served it (its plugins and
policy) and what the browser did with the answer: the first step that failed (preflight refused,
no Access-Control-Allow-Origin, credentials not allowed, redirect to sign in, trust cookie not
sent, header not allowed) and the config change that fixes it, naming the technique of
docs/cross-origin.md. --request runs one request through the real pipeline without contacting
any upstream (a canned 200 stands in for it) and without changing any state.
Exit status: 0 no failure, 1 a failure found, 2 usage error or invalid config.

Options:
  -c, --config FILE      config file (default: $GATEHOUSE_CONFIG or ./gatehouse.yaml)
      --har FILE         a HAR export (Chromium, Firefox, Playwright recordHar)
      --request 'M URL'  one request to simulate, e.g. 'OPTIONS https://api.example.test/v1/items'
  -H, --header 'N: v'    a request header for --request (repeatable)
      --credentials      --request: the page fetches with credentials: 'include'
      --format FORMAT    json or text (default text)
  -h, --help             this help`;

class UsageError extends Error {}

export async function explainCommand(args: string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args,
      options: {
        config: { type: 'string', short: 'c' },
        har: { type: 'string' },
        request: { type: 'string' },
        header: { type: 'string', short: 'H', multiple: true },
        credentials: { type: 'boolean' },
        format: { type: 'string', default: 'text' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    return usage((error as Error).message);
  }
  if (values.help) return console.log(explainHelp), 0;
  if (values.format !== 'json' && values.format !== 'text') return usage(`--format is json or text, not "${values.format}"`);
  if (Boolean(values.har) === Boolean(values.request)) return usage('give either --har FILE or --request "METHOD URL"');
  let gateway: Gateway;
  try {
    gateway = await buildGateway(loadConfigFile(configPath(values.config)), { log: silentLogger, admin: createAdminState(), createAuth: createAuthForCheck });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const p of error.problems) console.error(`error: ${formatProblem(p)}`);
    console.error('the config is not valid; fix it first (gatehouse check)');
    return 2;
  }
  try {
    const result = values.har ? await fromHar(gateway, values.har) : await fromRequest(gateway, values.request!, values.header ?? [], values.credentials === true);
    console.log(values.format === 'json' ? JSON.stringify(result, null, 2) : formatText(result, process.stdout.isTTY === true));
    return result.failures > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof UsageError || error instanceof HarError) return usage(error.message);
    throw error;
  } finally {
    await gateway.retire(0);
  }
}

function fromHar(gateway: Gateway, file: string): Promise<ExplainReport> {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read ${file} as JSON: ${(error as Error).message}`);
  }
  return createExplainer(gateway).explainReplaying(exchangesFromHar(doc));
}

async function fromRequest(gateway: Gateway, line: string, headerArgs: string[], credentials: boolean): Promise<ExplainReport> {
  const m = /^\s*([A-Za-z]+)\s+(\S+)\s*$/.exec(line);
  if (!m || !URL.canParse(m[2]!) || !/^https?:$/.test(new URL(m[2]!).protocol)) throw new UsageError(`--request takes "METHOD URL" with an absolute http(s) URL, not "${line}"`);
  const headers = new Headers();
  for (const h of headerArgs) {
    const at = h.indexOf(':');
    if (at <= 0) throw new UsageError(`-H takes "Name: value", not "${h}"`);
    try {
      headers.append(h.slice(0, at).trim(), h.slice(at + 1).trim());
    } catch {
      throw new UsageError(`-H "${h}" is not a valid header`);
    }
  }
  const { exchange, upstreamReached } = await simulate(gateway, m[1]!.toUpperCase(), new URL(m[2]!), headers, credentials || undefined);
  const explained = createExplainer(gateway).explain([exchange]);
  if (explained.requests.length === 0) throw new UsageError(`${exchange.url.host} is not a host this config routes`);
  return report(explained.requests.map((r) => ({ ...upstreamAnswersPreflight(r, exchange, upstreamReached), upstream_reached: upstreamReached })));
}

function usage(message: string): number {
  console.error(`gatehouse explain: ${message}\n\n${explainHelp}`);
  return 2;
}
