/**
 * The config's JSON Schema (`gatehouse schema`, committed as schema/gatehouse.schema.json): it is
 * the command's output, it accepts every shipped config (examples, docs) as written, `${VAR}`
 * and `_file` keys included, and it refuses what the loader refuses for shape.
 */
import { describe, expect, test } from 'bun:test';
import Ajv from 'ajv';
import fc from 'fast-check';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { parse, parseDocument } from 'yaml';
import { gatehouseJsonSchema } from '../src/cli/schema.ts';
import { parseDuration } from '../src/config/duration.ts';
import { caseInsensitiveSource, DURATION_PATTERN, LISTEN_PATTERN } from '../src/config/json-schema.ts';
import { parseListen } from '../src/config/listen-address.ts';
import { ConfigError } from '../src/config/errors.ts';
import { loadConfigText } from '../src/config/load.ts';
import { optionSchemas } from '../src/gateway/route-pipeline.ts';
import { builtinPlugins } from '../src/plugin-loader/builtins.ts';
import { isCompleteConfig, yamlBlocks } from './support/markdown-yaml.ts';
import { ROOT, runCli } from './support/process.ts';

const COMMITTED = join(ROOT, 'schema', 'gatehouse.schema.json');
const schema = gatehouseJsonSchema();
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
// `v.url()` becomes `format: uri`; valibot's own test is whether URL parses it.
ajv.addFormat('uri', (s: string) => URL.canParse(s));
const validate = ajv.compile(schema);

/** The YAML as an editor sees it: anchors and `<<` merges resolved, nothing interpolated. */
function yamlValue(text: string): unknown {
  return parseDocument(text, { merge: true, uniqueKeys: true }).toJS();
}

function schemaErrors(text: string): string[] {
  if (validate(yamlValue(text))) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}

const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-json-schema-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

/** Whether the loader (YAML, `${VAR}`, `_file`, the valibot schema) refuses the config. */
function loaderRefuses(text: string, env: Record<string, string> = {}): boolean {
  writeFileSync(join(scratch, 'secret.txt'), 'a-secret-from-a-file-0123456789abcdef\n');
  try {
    loadConfigText(text, join(scratch, 'gatehouse.yaml'), env);
    return false;
  } catch (error) {
    if (error instanceof ConfigError) return true;
    throw error;
  }
}

const ROUTE = 'routes:\n  - { from: https://app.example.test, to: http://127.0.0.1:9001, policy: { public: true } }\n';
const withPlugin = (entry: string) =>
  `routes:\n  - from: https://api.example.test\n    to: http://127.0.0.1:9002\n    policy: { allow_any_authenticated_user: true }\n    plugins:\n      - ${entry}\n`;

describe('schema/gatehouse.schema.json', () => {
  test('is what `gatehouse schema` prints', async () => {
    const { code, stdout, stderr } = await runCli(['schema']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    if (stdout.trim() !== readFileSync(COMMITTED, 'utf8').trim()) {
      throw new Error('schema/gatehouse.schema.json is out of date: run `npm run schema` and commit the result');
    }
  });

  test('is draft-07, and ajv compiles it in strict mode', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(typeof validate).toBe('function');
  });

  test('every example starts with a modeline naming it', () => {
    const examples = readdirSync(join(ROOT, 'examples'), { withFileTypes: true }).filter((d) => d.isDirectory() && readdirSync(join(ROOT, 'examples', d.name)).includes('gatehouse.yaml'));
    expect(examples.length).toBeGreaterThan(5);
    for (const dir of examples) {
      const first = readFileSync(join(ROOT, 'examples', dir.name, 'gatehouse.yaml'), 'utf8').split('\n')[0];
      expect(`${dir.name}: ${first}`).toBe(`${dir.name}: # yaml-language-server: $schema=../../schema/gatehouse.schema.json`);
    }
  });

  test('every top-level key and every route key has a description', () => {
    const missing: string[] = [];
    const top = schema.properties!;
    const route = (top.routes as { items: { properties: Record<string, { description?: string }> } }).items.properties;
    for (const [key, s] of Object.entries(top)) if (!(s as { description?: string }).description) missing.push(key);
    for (const [key, s] of Object.entries(route)) if (!s.description) missing.push(`routes[].${key}`);
    expect(missing).toEqual([]);
  });
});

describe('the schema accepts what ships', () => {
  const examples = readdirSync(join(ROOT, 'examples'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(ROOT, 'examples', d.name, 'gatehouse.yaml'))
    .filter((f) => readdirSync(join(f, '..')).includes('gatehouse.yaml'));
  for (const file of examples) {
    test(`${file.slice(ROOT.length + 1)}, as written`, () => {
      expect(schemaErrors(readFileSync(file, 'utf8'))).toEqual([]);
    });
  }

  const pages = [...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`), 'README.md'];
  const blocks = pages.flatMap((page) => yamlBlocks(readFileSync(join(ROOT, page), 'utf8'), page));
  const configs = blocks.filter((b) => !b.invalid && isCompleteConfig(tryParse(b.text)));
  test('the docs hold complete configs', () => expect(configs.length).toBeGreaterThan(20));
  for (const block of configs) {
    test(`${block.where}`, () => {
      expect(schemaErrors(block.text)).toEqual([]);
    });
  }
});

function tryParse(text: string): unknown {
  try {
    return parse(text, { uniqueKeys: true });
  } catch {
    return undefined;
  }
}

describe('the schema and the loader agree', () => {
  const accepted: { name: string; yaml: string; env?: Record<string, string> }[] = [
    { name: 'an x- key holding an anchor', yaml: `x-cors: &cors { allow_credentials: true }\n${ROUTE}` },
    { name: 'a _file key for a required key', yaml: `service_tokens:\n  - { name: ci, client_id: ci, client_secret_file: secret.txt }\n${ROUTE}` },
    { name: '${VAR} where a 16-character token is expected', yaml: `admin: { listen: "127.0.0.1:9901", token: "\${ADMIN_TOKEN}" }\n${ROUTE}`, env: { ADMIN_TOKEN: 'a-long-enough-admin-token' } },
    { name: '${VAR:-default} where a choice is expected', yaml: `log: { level: "\${LOG_LEVEL:-warn}" }\n${ROUTE}` },
    { name: '${VAR} in a port of from and to', yaml: 'routes:\n  - { from: "https://app.example.test:${PORT:-8443}", to: "http://127.0.0.1:${APP_PORT:-3001}", policy: { public: true } }\n' },
    { name: 'durations as text and as seconds', yaml: `shutdown_timeout: 1h30m\nsession: { ttl: 3600 }\n${ROUTE}` },
    { name: 'listen as a port number', yaml: `listen: 8080\n${ROUTE}` },
    { name: 'state as a mapping', yaml: `state: { url: "sqlite:state.db", grace: 2m }\n${ROUTE}` },
  ];
  for (const c of accepted) {
    test(`both accept ${c.name}`, () => {
      expect(loaderRefuses(c.yaml, c.env)).toBe(false);
      expect(schemaErrors(c.yaml)).toEqual([]);
    });
  }

  const refused: { name: string; yaml: string; env?: Record<string, string> }[] = [
    { name: 'an unknown top-level key', yaml: `listn: ":8080"\n${ROUTE}` },
    { name: 'an unknown route key', yaml: 'routes:\n  - { from: https://app.example.test, to: http://127.0.0.1:9001, polcy: { public: true } }\n' },
    { name: 'an x- key below the top level', yaml: 'routes:\n  - { from: https://app.example.test, to: http://127.0.0.1:9001, x-note: hi }\n' },
    { name: 'a number given as text', yaml: `workers: "4"\n${ROUTE}` },
    { name: 'a boolean from ${VAR}', yaml: `session: { cookie_secure: "\${SECURE:-false}" }\n${ROUTE}` },
    { name: 'a duration in words', yaml: `shutdown_timeout: 5 minutes\n${ROUTE}` },
    { name: 'a listen address without a port', yaml: `listen: localhost\n${ROUTE}` },
    { name: 'a route from with a path', yaml: 'routes:\n  - { from: https://app.example.test/api, to: http://127.0.0.1:9001 }\n' },
    { name: 'an upstream that is not http', yaml: 'routes:\n  - { from: https://app.example.test, to: ftp://127.0.0.1 }\n' },
    { name: 'no routes', yaml: 'routes: []\n' },
    { name: 'a state store of an unknown kind', yaml: `state: postgres://db/0\n${ROUTE}` },
    { name: 'a log level that does not exist', yaml: `log: { level: verbose }\n${ROUTE}` },
    { name: 'a key and its _file twin', yaml: `service_tokens:\n  - { name: ci, client_id: ci, client_secret: s, client_secret_file: secret.txt }\n${ROUTE}` },
    { name: 'a short admin token', yaml: `admin: { listen: "127.0.0.1:9901", token: short }\n${ROUTE}` },
  ];
  for (const c of refused) {
    test(`both refuse ${c.name}`, () => {
      expect(loaderRefuses(c.yaml, c.env)).toBe(true);
      expect(schemaErrors(c.yaml)).not.toEqual([]);
    });
  }
});

describe("the schema and the built-in plugins' option schemas agree", () => {
  /** Whether the plugin's own schema refuses `options` (as `gatehouse check` would). */
  function pluginRefuses(use: string, options: Record<string, unknown>): boolean {
    const plugin = builtinPlugins.get(use)!;
    return !v.safeParse(plugin.options!(v, optionSchemas), options).success;
  }
  const entry = (use: string, options: Record<string, unknown>) => JSON.stringify({ use, ...options });

  const accepted: [string, Record<string, unknown>][] = [
    ['header-jwt', {}],
    ['header-jwt', { issuers: [{ issuer: 'https://idp.example.test', audience: ['api'], jwks_url: 'https://idp.example.test/jwks', clock_skew: '1m' }] }],
    ['path-prefix', { prefix: '/api', to: 'http://127.0.0.1:9002', timeout: 0.5 }],
    ['trust-cookie', { cookie_name: '__Host-session', redirect: false }],
    ['preflight', { allow_origins: ['https://app.example.test'], max_age: 600 }],
    ['origin-exemption', { rules: [{ name: 'ci', origins: ['https://ci.example.test'], require_headers: ['X-Ci', { name: 'X-Key', value: 'k' }] }] }],
  ];
  for (const [use, options] of accepted) {
    test(`both accept ${entry(use, options)}`, () => {
      expect(pluginRefuses(use, options)).toBe(false);
      expect(schemaErrors(withPlugin(entry(use, options)))).toEqual([]);
    });
  }

  const refused: [string, Record<string, unknown>][] = [
    ['header-jwt', { headr: 'X-Token' }],
    ['header-jwt', { bearer: 'yes' }],
    ['header-jwt', { header: 'not a header' }],
    ['header-jwt', { issuers: [{ issuer: 'https://idp.example.test', audience: 'api', secret: 'too-short' }] }],
    ['header-jwt', { issuers: [{ issuer: 'https://idp.example.test' }] }],
    ['path-prefix', { prefix: '/api', to: 'http://127.0.0.1:9002', timeout: 0 }],
    ['path-prefix', { prefix: '/api' }],
    ['preflight', { allow_origins: ['https://app.example.test'], max_age: 1.5 }],
    ['preflight', { allow_origins: ['https://app.example.test'], mode: 'proxy' }],
    ['trust-cookie', { redirect: 1 }],
    ['origin-exemption', { rules: [] }],
  ];
  for (const [use, options] of refused) {
    test(`both refuse ${entry(use, options)}`, () => {
      expect(pluginRefuses(use, options)).toBe(true);
      expect(schemaErrors(withPlugin(entry(use, options)))).not.toEqual([]);
    });
  }

  test('a plugin file takes any options; an unknown built-in name is refused', () => {
    expect(schemaErrors(withPlugin('{ use: ./audit.ts, anything: [1, 2], goes: { here: true } }'))).toEqual([]);
    expect(schemaErrors(withPlugin('{ use: "${PLUGIN:-./audit.ts}" }'))).toEqual([]);
    expect(schemaErrors(withPlugin('{ use: preflite, allow_origins: [https://app.example.test] }'))).not.toEqual([]);
  });

  test("a built-in plugin's _file keys are accepted, not with their twin", () => {
    const issuer = { issuer: 'https://idp.example.test', audience: 'api', public_key_file: 'idp.pem' };
    expect(schemaErrors(withPlugin(entry('header-jwt', { issuers: [issuer] })))).toEqual([]);
    expect(schemaErrors(withPlugin(entry('header-jwt', { issuers: [{ ...issuer, public_key: 'PEM' }] })))).not.toEqual([]);
  });
});

describe('patterns that stand for code', () => {
  const duration = new RegExp(DURATION_PATTERN, 'u');
  const listen = new RegExp(LISTEN_PATTERN, 'u');

  test('the duration pattern accepts exactly what parseDuration reads', () => {
    for (const s of ['500ms', '30s', '1h30m', '2d', '1.5h', ' 10 ', '15']) expect(duration.test(s)).toBe(true);
    for (const s of ['', '5 minutes', 'ms', '1h 30m', '-1s', '1w']) expect(duration.test(s)).toBe(false);
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9.mshdw -]{0,8}$/), (s) => duration.test(s) === (parseDuration(s) !== undefined)),
      { numRuns: 2000 },
    );
  });

  test('the listen pattern accepts exactly what parseListen reads', () => {
    for (const s of [':8080', '8080', '127.0.0.1:8080', '[::1]:8080', '0.0.0.0:65535']) expect(listen.test(s)).toBe(true);
    for (const s of ['localhost', ':65536', 'a:b:80', '[::1]', ':']) expect(listen.test(s)).toBe(false);
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-f:.\[\] ]{0,10}$/), (s) => listen.test(s) === (parseListen(s) !== null)),
      { numRuns: 2000 },
    );
  });

  test('a /…/i regex becomes a pattern without flags that matches the same', () => {
    const regex = /^(?=.{1,20}$)[a-z0-9_]([a-z0-9_-]{0,8}[a-z0-9_])?(\.[a-z]+)*$/i;
    const source = caseInsensitiveSource(regex)!;
    const plain = new RegExp(source, 'u');
    fc.assert(fc.property(fc.stringMatching(/^[a-zA-Z0-9_.-]{0,12}$/), (s) => plain.test(s) === regex.test(s)), { numRuns: 2000 });
    expect(caseInsensitiveSource(/^\u0041$/i)).toBeUndefined();
    expect(caseInsensitiveSource(/^a$/g)).toBeUndefined();
  });
});
