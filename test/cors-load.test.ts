/**
 * The CORS plugins' load-time checks through the real config loader: unsafe configs are
 * refused with a ConfigError naming the route, the plugin and the value; risky ones warn.
 */
import { describe, expect, test } from 'bun:test';
import { resolve } from 'node:path';
import { ConfigError } from '../src/config/errors.ts';
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
    ['expose_headers * with credentials', { use: PREFLIGHT, allow_origins: [APP], expose_headers: ['*'], allow_credentials: true }, 'expose_headers: "*"'],
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

/** The ConfigError a config is refused with, as `path (line:col)` per problem, in order. */
async function locations(yaml: string): Promise<{ where: string[]; message: string }> {
  try {
    const gateway = await startGateway(yaml, { files });
    await gateway.stop();
  } catch (error) {
    const e = error as ConfigError;
    expect(e).toBeInstanceOf(ConfigError);
    return { where: e.problems.map((p) => `${p.path} (${p.line}:${p.column})`), message: e.message };
  }
  throw new Error('expected the config to be refused');
}

describe('refusals are located at the offending value, like the engine\'s own keys', () => {
  test('preflight: each origin, method and header at its list item; max_age at its key', async () => {
    const { where, message } = await locations(`routes:
  - from: http://api.example.test
    to: http://127.0.0.1:1
    policy: { public: true }
    plugins:
      - use: ${PREFLIGHT}
        allow_origins:
          - ${APP}
          - "null"
          - https://a.example.test/
        allow_methods: [GET, TRACE]
        allow_headers:
          - X-Ok
          - Cookie
        max_age: 90000
`);
    expect(where).toEqual([
      'routes[0].plugins[0].allow_origins[1] (9:13)',
      'routes[0].plugins[0].allow_origins[2] (10:13)',
      'routes[0].plugins[0].allow_methods[1] (11:30)',
      'routes[0].plugins[0].allow_headers[1] (14:13)',
      'routes[0].plugins[0].max_age (15:9)',
    ]);
    // What `gatehouse check` prints: file:line:col: path: route, plugin and the problem.
    expect(message).toContain(`gatehouse.yaml:10:13: routes[0].plugins[0].allow_origins[2]: route routes[0] (http://api.example.test), plugin "${PREFLIGHT}": origin "https://a.example.test/" has a trailing slash`);
  });

  test('preflight: "*" with credentials at the "*", respond-only keys in forward mode at the key', async () => {
    const yaml = (plugin: string) => `routes:
  - from: http://api.example.test
    to: http://127.0.0.1:1
    policy: { public: true }
    plugins:
      - use: ${PREFLIGHT}
${plugin}`;
    expect((await locations(yaml(`        allow_credentials: true
        allow_origins: [${APP}, "*"]
`))).where).toEqual(['routes[0].plugins[0].allow_origins[1] (8:51)']);
    expect((await locations(yaml(`        mode: forward
        allow_origins: [${APP}]
        allow_credentials: true
`))).where).toEqual(['routes[0].plugins[0].allow_credentials (9:9)']);
  });

  test('origin-exemption: each problem at its rule\'s key or list item', async () => {
    const { where } = await locations(`routes:
  - from: http://api.example.test
    to: http://127.0.0.1:1
    policy: { public: true }
    plugins:
      - use: ${EXEMPTION}
        rules:
          - name: a
            origins: [${APP}]
            methods: [GET]
            source_cidrs:
              - 10.0.0.0/8
              - 10.0.0.1/8
            require_headers:
              - { name: X-Key, value: "" }
          - name: a
            origins: [${APP}]
            methods: []
            paths: [/ok/*, api/**]
`);
    expect(where).toEqual([
      'routes[0].plugins[0].rules[0].require_headers[0].value (15:32)',
      'routes[0].plugins[0].rules[0].source_cidrs[1] (13:17)',
      'routes[0].plugins[0].rules[1].name (16:13)',
      'routes[0].plugins[0].rules[1].methods (18:13)',
      'routes[0].plugins[0].rules[1].paths[1] (19:28)',
    ]);
  });
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

test('load-time warning: allow_methods / allow_headers "*" with credentials, at the "*", file and line', async () => {
  const yaml = `routes:
  - from: http://api.example.test
    to: http://127.0.0.1:1
    policy: { public: true }
    plugins:
      - use: ${PREFLIGHT}
        allow_origins: [http://api.example.test]
        allow_credentials: true
        allow_methods: [GET, "*"]
        allow_headers: ["*"]
`;
  const gateway = await startGateway(yaml, { files });
  try {
    const found = gateway.server.gateway.warnings.map((w) => `${w.path} (${w.line}:${w.column}): ${w.message.split(' with the')[0]}`);
    expect(found).toEqual([
      'routes[0].plugins[0].allow_methods[1] (9:30): allow_methods: "*" with allow_credentials: true lets the listed origins send any method (Gatehouse names the requested one back)',
      'routes[0].plugins[0].allow_headers[0] (10:25): allow_headers: "*" with allow_credentials: true lets the listed origins send any request header but Authorization (Gatehouse names the requested ones back)',
    ]);
  } finally {
    await gateway.stop();
  }
});
