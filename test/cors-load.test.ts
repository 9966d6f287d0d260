/**
 * The CORS plugins' load-time checks through the real config loader: unsafe configs are
 * refused with a ConfigError naming the route, the plugin and the value; risky ones warn.
 */
import { describe, expect, test } from 'bun:test';
import { resolve } from 'node:path';
import { builtinPlugins } from '../src/plugin-loader/builtins.ts';
import { startGateway } from './support/gateway.ts';

// Built-ins by name once registered; until then the same modules by path.
const use = (name: string) => (builtinPlugins.has(name) ? name : resolve(import.meta.dir, `../plugins/${name}/index.ts`));
const PREFLIGHT = use('preflight');
const EXEMPTION = use('origin-exemption');
const APP = 'https://app.example.test';
const files = {
  'test-auth.ts': `export default { name: 'test-auth', kind: 'auth', create: () => (ctx, next) => next() };`,
};
const testAuth = { use: './test-auth.ts' };
const closed = { allow: { emails: ['nobody@example.test'] } };

describe('refused at load, naming the route, the plugin and the value', () => {
  const refusals: Array<[string, object, string]> = [
    ['* with credentials', { use: PREFLIGHT, allow_origins: ['*'], allow_credentials: true }, 'allow_origins: "*" cannot be combined with allow_credentials'],
    ['null', { use: PREFLIGHT, allow_origins: ['null'] }, '"null"'],
    ['an origin with a path', { use: PREFLIGHT, allow_origins: ['https://app.example.test/app'] }, '"https://app.example.test/app" has a path'],
    ['an origin with a query', { use: PREFLIGHT, allow_origins: ['https://app.example.test?x'] }, '"https://app.example.test?x" has a query'],
    ['a trailing slash', { use: PREFLIGHT, allow_origins: ['https://app.example.test/'] }, '"https://app.example.test/" has a trailing slash'],
    ['userinfo', { use: PREFLIGHT, allow_origins: ['https://me@app.example.test'] }, '"https://me@app.example.test" has userinfo'],
    ['an explicit default port', { use: PREFLIGHT, allow_origins: ['https://app.example.test:443'] }, '"https://app.example.test:443" has the explicit default port'],
    ['an uppercase host', { use: PREFLIGHT, allow_origins: ['https://App.example.test'] }, '"https://App.example.test" has an uppercase host'],
    ['an inner wildcard', { use: PREFLIGHT, allow_origins: ['https://app.*.test'] }, '"https://app.*.test" has a wildcard'],
    ['a wildcard suffix', { use: PREFLIGHT, allow_origins: ['https://app.example.*'] }, '"https://app.example.*" has a wildcard'],
    ['CONNECT', { use: PREFLIGHT, allow_origins: [APP], allow_methods: ['CONNECT'] }, '"CONNECT" is a forbidden method'],
    ['TRACE', { use: PREFLIGHT, allow_origins: [APP], allow_methods: ['TRACE'] }, '"TRACE" is a forbidden method'],
    ['TRACK', { use: PREFLIGHT, allow_origins: [APP], allow_methods: ['TRACK'] }, '"TRACK" is a forbidden method'],
    ['a forbidden request header', { use: PREFLIGHT, allow_origins: [APP], allow_headers: ['Cookie'] }, '"Cookie" is a forbidden request header'],
    ['a Sec- header', { use: PREFLIGHT, allow_origins: [APP], allow_headers: ['Sec-Fetch-Site'] }, '"Sec-Fetch-Site" is a forbidden request header'],
    ['max_age above 86400', { use: PREFLIGHT, allow_origins: [APP], max_age: 86401 }, 'max_age 86401'],
    ['allow_headers * with credentials', { use: PREFLIGHT, allow_origins: [APP], allow_headers: ['*'], allow_credentials: true }, 'allow_headers: "*"'],
    ['respond-only options in forward mode', { use: PREFLIGHT, mode: 'forward', allow_origins: [APP], allow_credentials: true }, 'allow_credentials has no effect with mode: forward'],
    ['an unknown option', { use: PREFLIGHT, allow_origins: [APP], allow_origin: [APP] }, 'allow_origin'],
    ['exemption for every origin', { use: EXEMPTION, rules: [{ name: 'all', origins: ['*'] }] }, 'rule "all" origins: "*" is refused'],
    ['exemption with a null origin', { use: EXEMPTION, rules: [{ name: 'n', origins: ['null'], methods: ['OPTIONS'] }] }, '"null"'],
    ['exemption with a bad CIDR', { use: EXEMPTION, rules: [{ name: 'c', origins: [APP], source_cidrs: ['10.0.0.1/8'] }] }, 'rule "c" source_cidrs: "10.0.0.1/8"'],
    ['exemption with a bad path glob', { use: EXEMPTION, rules: [{ name: 'p', origins: [APP], paths: ['api/**'] }] }, 'rule "p" paths: "api/**"'],
  ];

  for (const [what, plugin, needle] of refusals) {
    test(what, async () => {
      const yaml = `routes: ${JSON.stringify([{ from: 'http://api.example.test', to: 'http://127.0.0.1:1', policy: { public: true }, plugins: [plugin] }])}\n`;
      let error: Error | undefined;
      try {
        const gateway = await startGateway(yaml);
        await gateway.stop();
      } catch (e) {
        error = e as Error;
      }
      expect(error?.name).toBe('ConfigError');
      expect(error?.message).toContain('routes[0]');
      expect(error?.message).toContain(`plugin "${(plugin as { use: string }).use}"`);
      expect(error?.message).toContain(needle);
    });
  }
});

test('load-time warnings: max_age above 7200, and an exemption any client can satisfy', async () => {
  const yaml = `routes: ${JSON.stringify([
    {
      from: 'http://api.example.test',
      to: 'http://127.0.0.1:1',
      policy: closed,
      plugins: [
        { use: PREFLIGHT, allow_origins: [APP], max_age: 7201 },
        { use: EXEMPTION, rules: [{ name: 'open-door', origins: [APP], methods: ['GET', 'OPTIONS'] }] },
        testAuth,
      ],
    },
  ])}\n`;
  const gateway = await startGateway(yaml, { files });
  try {
    const messages = gateway.server.gateway.warnings.map((w) => w.message);
    expect(messages.some((m) => m.includes('max_age 7201') && m.includes('Chromium'))).toBe(true);
    expect(messages.some((m) => m.includes('rule "open-door"') && m.includes('require_headers or source_cidrs'))).toBe(true);
  } finally {
    await gateway.stop();
  }
});
