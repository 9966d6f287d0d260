/**
 * docs/configuration.md cannot drift from the config: every key path of the JSON Schema (top
 * level, nested mappings, route keys, each built-in plugin's options) is documented, and every
 * documented key exists.
 *
 * Documented = a row of a key table (header `| key | …`) whose first cell is the key in
 * backticks, or a path below it (`allow.emails`, `users[].email`), or several keys separated by
 * commas, in the section that names its
 * parent: `## Top-level keys`, `## Routes`, `## Policies`, `## Built-in plugins`, a heading that is
 * one key in backticks (`### \`session\``) below them, or a lead-in paragraph `` `oidc` (…) ``
 * right above the table. A built-in plugin's options may be tabled under a heading naming it
 * (`#### \`preflight\` options`) in docs/cross-origin.md or docs/plugins.md too. A row for
 * `KEY_file` documents `KEY`. The full rule:
 * src/cli/config-doc.ts.
 */
import { describe, expect, test } from 'bun:test';
import { CONFIG_DOC_PAGES, gatehouseJsonSchema } from '../src/cli/schema.ts';
import { documentedKeys } from '../src/cli/config-doc.ts';
import { keyPaths } from '../src/config/json-schema.ts';
import { builtinPlugins } from '../src/plugin-loader/builtins.ts';

const PLUGINS = [...builtinPlugins.keys()];

describe('docs/configuration.md and the config schema', () => {
  const inSchema = keyPaths(gatehouseJsonSchema());
  const documented = documentedKeys(CONFIG_DOC_PAGES, PLUGINS);

  test('the schema has keys at every level, built-in plugins included', () => {
    for (const path of ['listen', 'session.ttl', 'authenticate.oidc.issuer', 'routes.from', 'routes.policy.allow.groups', 'routes.plugins.header-jwt.issuers.jwks_url', 'routes.plugins.trust-cookie.redirect']) {
      expect(inSchema).toContain(path);
    }
  });

  test('every key of the schema is documented', () => {
    const missing = inSchema.filter((path) => !documented.has(path));
    if (missing.length > 0) {
      throw new Error(`not documented in docs/configuration.md (a row \`key\` in the table of its section; see the top of this test):\n  ${missing.join('\n  ')}`);
    }
  });

  test('every documented key is in the schema', () => {
    const unknown = [...documented].filter(([path]) => !inSchema.includes(path)).map(([path, d]) => `${path} (${d.where})`);
    if (unknown.length > 0) throw new Error(`documented, but not a key of the config:\n  ${unknown.join('\n  ')}`);
  });
});

describe('what counts as documented', () => {
  const page = (text: string) => [...documentedKeys([{ file: 'x.md', text }], ['trust-cookie']).keys()];
  const table = (...keys: string[]) => ['| key | type | meaning |', '|---|---|---|', ...keys.map((k) => `| \`${k}\` | string | it |`), ''].join('\n');

  test('a key table under a named section documents that section\'s keys', () => {
    expect(page(`## Top-level keys\n\n${table('listen')}\n## Routes\n\n${table('from')}\n## Policies\n\n${table('allow.emails')}`)).toEqual([
      'listen',
      'routes.from',
      'routes.policy.allow',
      'routes.policy.allow.emails',
    ]);
  });

  test('a heading that is a key nests under its parent heading; a lead-in paragraph nests once more', () => {
    const text = `## Top-level keys\n\n### \`authenticate\`\n\n${table('url')}\n\`oidc\` (the provider):\n\n${table('issuer', 'users[].email')}`;
    expect(page(text)).toEqual(['authenticate.url', 'authenticate.oidc.issuer', 'authenticate.oidc.users', 'authenticate.oidc.users.email']);
  });

  test("a built-in plugin's heading names its options wherever it is; other tables and headings do not count", () => {
    const text = `# Guide\n\n#### \`trust-cookie\` options\n\n${table('redirect')}\n## Something else\n\n${table('ignored')}\n| name | meaning |\n|---|---|\n| \`nope\` | x |\n`;
    expect(page(text)).toEqual(['routes.plugins.trust-cookie.redirect']);
  });

  test('a table inside a code fence is not read', () => {
    expect(page(`## Routes\n\n\`\`\`\n${table('from')}\`\`\`\n`)).toEqual([]);
  });

  test('a row for KEY_file documents KEY, which the loader reads it into; a row may name several keys', () => {
    expect(page(`## Routes\n\n${table('tls_custom_ca_file')}`)).toEqual(['routes.tls_custom_ca']);
    expect(page('## Routes\n\n| key | meaning |\n|---|---|\n| `cert_file`, `key_file` | both |\n| `a` or `b` | not a key list |\n')).toEqual(['routes.cert', 'routes.key']);
  });
});
