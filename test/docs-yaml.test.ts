/**
 * Every ```yaml block in docs/*.md and README.md that is a complete config (a mapping with a
 * top-level `routes:` key) must pass the validation `gatehouse check` runs: the YAML, every key,
 * `${VAR}` and `_file` resolution, plugins and their options, keys and secrets
 * (`loadConfigText` + `buildGateway` with `createAuthForCheck`, as src/cli/check.ts does).
 *
 * - Fragments (no `routes:`) are only checked to be YAML.
 * - A block preceded by `<!-- invalid -->` must be refused (it documents a mistake).
 * - `DOCS_YAML_WARNINGS=1` prints the warnings `gatehouse check` would give for each block.
 * - `${VAR}`s without a default get a made-up value; files named by `*_file` keys are written
 *   into a temporary folder (absolute paths are moved under it); `use: ./x.ts` plugins are the
 *   `gatehouse plugin init` template (`hello.ts`), the file of that name under
 *   examples/plugins/, or a stand-in that accepts any options.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import { parse } from 'yaml';
import { createAdminState } from '../src/admin/admin-state.ts';
import { generateSigningKeyPem } from '../src/auth/index.ts';
import { pluginTemplate } from '../src/cli/plugin-templates.ts';
import { ConfigError, formatProblem } from '../src/config/errors.ts';
import { interpolate } from '../src/config/interpolate.ts';
import { loadConfigText } from '../src/config/load.ts';
import { createAuthForCheck } from '../src/gateway/create-auth.ts';
import { buildGateway } from '../src/gateway/gateway.ts';
import { silentLogger } from '../src/log/logger.ts';
import { yamlBlocks } from './support/markdown-yaml.ts';

const ROOT = join(import.meta.dir, '..');
const DOCS = join(ROOT, 'docs');
const EXAMPLE_PLUGINS = join(ROOT, 'examples', 'plugins');

function markdownFiles(): string[] {
  const docs = readdirSync(DOCS)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => join(DOCS, f));
  return [...docs, join(ROOT, 'README.md')];
}

/** The parsed block, or undefined when it is not YAML at all. */
function parseYaml(text: string): unknown {
  try {
    return parse(text, { uniqueKeys: true });
  } catch {
    return undefined;
  }
}

function isCompleteConfig(parsed: unknown): boolean {
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && 'routes' in parsed;
}

/** Values for `${VAR}`s without a default: a port where the name says so, else a long token. */
function envFor(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}/g)) {
    const name = m[1]!;
    if (m[2] !== undefined) continue;
    env[name] = /PORT/.test(name) ? '9000' : `docs-test-${name.toLowerCase().replace(/_/g, '-')}-0123456789abcdef`;
  }
  return env;
}

const ARGON2_HASH = '$argon2id$v=19$m=65536,t=2,p=1$9gyLaduPd5dsye6pXFCSaJM/HxeQWYkvhx/egrHxqYs$tMokTGY4O/AwLje+sLSFV9Ff81OCAbFDhs8vRQ9TKpE';

/** What a `<key>_file` names, made up well enough for `gatehouse check`. */
function fileContent(key: string): string {
  switch (key) {
    case 'signing_key':
    case 'key':
      return generateSigningKeyPem();
    case 'public_key':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
    case 'password_hash':
      return ARGON2_HASH;
    case 'cert':
      return '-----BEGIN CERTIFICATE-----\nZG9jcy10ZXN0\n-----END CERTIFICATE-----\n';
    default:
      return `docs-test-${key}-0123456789abcdef0123456789abcdef`;
  }
}

/** Every `key_file: value` and every `use: value` in a parsed config. */
function collect(value: unknown, out: { files: [string, string][]; plugins: string[] }): void {
  if (Array.isArray(value)) {
    for (const item of value) collect(item, out);
    return;
  }
  if (!value || typeof value !== 'object') return;
  for (const [key, item] of Object.entries(value)) {
    if (key.endsWith('_file') && typeof item === 'string') out.files.push([key.slice(0, -'_file'.length), item]);
    else if (key === 'use' && typeof item === 'string') out.plugins.push(item);
    else collect(item, out);
  }
}

const STAND_IN_PLUGIN = `// A stand-in for a plugin file the docs name: accepts any options, passes requests on.
export default { name: 'docs-stand-in', create: () => (ctx, next) => next() };
`;

const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-docs-yaml-'));
// A config with external issuers fetches their keys in the background when it loads; the docs'
// issuers are made up or public, and a check needs none of them: no request leaves this test.
const realFetch = globalThis.fetch;
beforeAll(() => {
  globalThis.fetch = Object.assign(async () => Promise.reject(new Error('no network in docs-yaml tests')), { preconnect: () => {} }) as unknown as typeof fetch;
});
afterAll(() => {
  globalThis.fetch = realFetch;
  rmSync(scratch, { recursive: true, force: true });
});
let counter = 0;

/**
 * Validates `text` as `gatehouse check` would, in a fresh folder holding the files it names.
 * Resolves to the warnings; rejects with the ConfigError listing every problem.
 */
async function check(text: string): Promise<string[]> {
  const dir = join(scratch, `block-${++counter}`);
  mkdirSync(dir, { recursive: true });
  const env = envFor(text);
  const found = { files: [] as [string, string][], plugins: [] as string[] };
  collect(parseYaml(text), found);
  let config = text;
  for (const [key, raw] of found.files) {
    const path = interpolate(raw, env).value;
    let target = join(dir, path);
    if (isAbsolute(path)) {
      // /run/secrets/x.pem → <dir>/abs/run/secrets/x.pem, in the config text too.
      target = join(dir, 'abs', path);
      config = config.split(raw).join(target);
    }
    mkdirSync(dirname(target), { recursive: true });
    if (!existsSync(target)) writeFileSync(target, fileContent(key));
  }
  for (const use of found.plugins) {
    if (!/^(\.\.?\/|\/)|\.(m?[jt]s)$/.test(use)) continue;
    const target = join(dir, use);
    mkdirSync(dirname(target), { recursive: true });
    const name = basename(use).replace(/\.(m?[jt]s)$/, '');
    if (name === 'hello') writeFileSync(target, pluginTemplate(name));
    else if (existsSync(join(EXAMPLE_PLUGINS, basename(use)))) copyFileSync(join(EXAMPLE_PLUGINS, basename(use)), target);
    else writeFileSync(target, STAND_IN_PLUGIN);
  }
  const loaded = loadConfigText(config, join(dir, 'gatehouse.yaml'), env);
  const gateway = await buildGateway(loaded, { log: silentLogger, admin: createAdminState(), createAuth: createAuthForCheck });
  const warnings = gateway.warnings.map(formatProblem);
  await gateway.retire(0);
  return warnings;
}

/** The problems of a failed check, one per line, for test output. */
function describeFailure(error: unknown): string {
  if (error instanceof ConfigError) return error.problems.map(formatProblem).join('\n');
  return String((error as Error)?.stack ?? error);
}

const files = markdownFiles();
const all = files.flatMap((file) => yamlBlocks(readFileSync(file, 'utf8'), relative(ROOT, file)));

describe('YAML in the docs', () => {
  test('the docs hold complete configs to check', () => {
    const complete = all.filter((b) => isCompleteConfig(parseYaml(b.text)));
    expect(complete.length).toBeGreaterThan(20);
    for (const page of ['configuration', 'routing', 'policies', 'machine-clients', 'upstreams']) {
      expect(complete.some((b) => b.where.startsWith(`docs/${page}.md:`))).toBe(true);
    }
  });

  for (const block of all) {
    const parsed = parseYaml(block.text);
    if (block.invalid) {
      test(`${block.where} is refused, as its <!-- invalid --> marker says`, async () => {
        let refused = false;
        try {
          await check(block.text);
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          refused = true;
        }
        expect(refused).toBe(true);
      });
      continue;
    }
    if (parsed === undefined) {
      test(`${block.where} is YAML`, () => {
        expect(() => parse(block.text, { uniqueKeys: true })).not.toThrow();
      });
      continue;
    }
    if (!isCompleteConfig(parsed)) continue;
    test(`${block.where} is a valid config`, async () => {
      let failure: string | undefined;
      try {
        const warnings = await check(block.text);
        // DOCS_YAML_WARNINGS=1 bun test test/docs-yaml.test.ts: what `gatehouse check` would warn about.
        if (process.env.DOCS_YAML_WARNINGS && warnings.length > 0) console.log(`${block.where}:\n  ${warnings.join('\n  ')}`);
      } catch (error) {
        failure = describeFailure(error);
      }
      expect(failure).toBeUndefined();
    });
  }
});

describe('the checker itself', () => {
  test('finds blocks, their markers and their line numbers', () => {
    const md = ['# t', '', '<!-- invalid -->', '', '```yaml', 'routes: []', '```', '', '  ```yml', '  a: 1', '  ```', ''].join('\n');
    const blocks = yamlBlocks(md, 'x.md');
    expect(blocks).toEqual([
      { where: 'x.md:5', text: 'routes: []\n', invalid: true },
      { where: 'x.md:9', text: 'a: 1\n', invalid: false },
    ]);
  });

  test('refuses a config with a mistake, so a broken block cannot pass', async () => {
    const bad = 'routes:\n  - from: https://app.example.test\n    to: http://127.0.0.1:9001\n    polcy: { public: true }\n';
    await expect(check(bad)).rejects.toThrow(/unknown key "polcy"/);
    const badPlugin = 'routes:\n  - from: https://app.example.test\n    to: http://127.0.0.1:9001\n    policy: { public: true }\n    plugins:\n      - { use: preflight, allow_origin: [https://a.test] }\n';
    await expect(check(badPlugin)).rejects.toThrow(/allow_origin/);
  });

  test('provides the files and variables a config names', async () => {
    const text = [
      'session: { signing_key_file: /run/secrets/signing-key.pem }',
      'service_tokens:',
      '  - { name: ci, client_id: "${CI_ID}", client_secret_file: ci-secret.txt }',
      'routes:',
      '  - { from: "https://api.example.test:${API_PORT}", to: http://127.0.0.1:9002, policy: { allow: { services: [ci] } }, plugins: [{ use: header-jwt }] }',
    ].join('\n');
    expect(await check(text)).toEqual([]);
  });
});
