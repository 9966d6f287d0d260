import { setDefaultTimeout, describe, expect, test } from 'bun:test';
import { ConfigError } from '../src/config/errors.ts';
import { startGateway } from './support/gateway.ts';
import { scoped } from './support/scoped.ts';

type Echo = { method: string; path: string; headers: Record<string, string>; body: string | null };

setDefaultTimeout(30_000);

const servers = scoped();
const { cleanup, upstream } = servers;
const gateway = (yaml: string, files: Record<string, string> = {}) => servers.gateway(yaml, { files });

/** The ConfigError a config is refused with; fails the test when it starts. */
async function refused(yaml: string, files: Record<string, string> = {}): Promise<ConfigError> {
  try {
    const g = await startGateway(yaml, { files });
    cleanup.push(() => g.stop());
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected the config to be refused');
}

/**
 * A user's plugin, as a user would write it: its only import from Gatehouse is type-only. It
 * appends its label to `X-Trace` on the way down (request) and on the way up (response).
 */
const TRACE_PLUGIN = `import type { Plugin } from 'gatehouse/plugin';

const plugin: Plugin = {
  name: 'trace',
  options: (v) => v.strictObject({ label: v.string(), level: v.optional(v.picklist(['info', 'debug']), 'info') }),
  create(options: { label: string }, services) {
    (globalThis as any).__traceRoutes ??= [];
    (globalThis as any).__traceRoutes.push(services.route.id);
    return async (ctx, next) => {
      const headers = new Headers(ctx.request.headers);
      const down = headers.get('x-trace');
      headers.set('x-trace', down ? down + ',' + options.label : options.label);
      ctx.request = new Request(ctx.request, { headers });
      const response = await next();
      const up = response.headers.get('x-trace');
      const out = new Response(response.body, response);
      out.headers.set('x-trace', up ? up + ',' + options.label : options.label);
      return out;
    };
  },
};
export default plugin;
`;

/** Throws on every request whose path contains "boom". */
const THROWING_PLUGIN = `export default {
  name: 'thrower',
  create() {
    return (ctx, next) => {
      if (ctx.url.pathname.includes('boom')) throw new Error('kaboom from the plugin');
      return next();
    };
  },
};
`;

function route(to: string, plugins: string, policy = '{ public: true }'): string {
  return `routes:
  - from: http://api.example.test
    to: ${to}
    policy: ${policy}
    plugins:
${plugins.replace(/^/gm, '      ')}
`;
}

describe('plugin order', () => {
  test('requests flow down the list in order, responses flow back up (onion)', async () => {
    const up = upstream((request) => new Response('ok', { headers: { 'x-trace': `upstream(saw ${request.headers.get('x-trace')})` } }));
    const g = await gateway(route(up.url, '- use: ./trace.ts\n  label: A\n- use: ./trace.ts\n  label: B\n- use: ./trace.ts\n  label: C'), { 'trace.ts': TRACE_PLUGIN });
    const response = await g.request('/');
    expect(response.status).toBe(200);
    expect(up.received[0]!.headers.get('x-trace')).toBe('A,B,C');
    expect(response.headers.get('x-trace')).toBe('upstream(saw A,B,C),C,B,A');
  });

  test('a plugin can answer on its own; later plugins and the upstream never run', async () => {
    const up = upstream();
    const g = await gateway(
      route(up.url, '- use: ./trace.ts\n  label: outer\n- use: ./gate.ts\n- use: ./trace.ts\n  label: inner'),
      {
        'trace.ts': TRACE_PLUGIN,
        'gate.ts': `export default { name: 'gate', create: () => (ctx, next) => ctx.url.pathname === '/closed' ? ctx.error(418, 'teapot', { by: 'gate' }) : next() };`,
      },
    );
    const response = await g.request('/closed');
    expect(response.status).toBe(418);
    expect(await response.json()).toEqual({ error: 'teapot', by: 'gate', request_id: response.headers.get('x-request-id')! });
    expect(response.headers.get('x-trace')).toBe('outer');
    expect(up.received).toHaveLength(0);
    expect((await g.request('/open')).status).toBe(200);
  });

  test('a plugin can change the upstream path and the upstream itself', async () => {
    const main = upstream(() => new Response('main'));
    const other = upstream();
    const g = await gateway(route(main.url, '- use: ./reroute.ts'), {
      'reroute.ts': `export default {
        name: 'reroute',
        create(_options, services) {
          const elsewhere = services.upstream('${other.url}/mounted');
          return (ctx, next) => {
            if (!ctx.url.pathname.startsWith('/other')) return next();
            ctx.upstream.upstream = elsewhere;
            ctx.upstream.path = ctx.upstream.path.slice('/other'.length) || '/';
            ctx.upstream.headers.set('x-added-by-plugin', 'yes');
            return next();
          };
        },
      };`,
    });
    expect(await (await g.request('/x')).text()).toBe('main');
    const echo = (await (await g.request('/other/y?z=1')).json()) as Echo;
    expect(echo.path).toBe('/mounted/y?z=1');
    expect(echo.headers['x-added-by-plugin']).toBe('yes');
  });

  test('an exemption skips the auth plugins after it, not the others', async () => {
    const up = upstream();
    // A public route drops auth plugins (with a warning), so this one admits any signed-in user.
    const plugins = '- use: ./exempt.ts\n- use: ./auth.ts\n- use: ./trace.ts\n  label: after';
    const g = await gateway(route(up.url, plugins, '{ allow_any_authenticated_user: true }'), {
      'trace.ts': TRACE_PLUGIN,
      'exempt.ts': `export default { name: 'exempt', create: () => (ctx, next) => { if (ctx.url.pathname === '/free') ctx.exemption = { plugin: 'exempt', rule: 'free-path' }; return next(); } };`,
      'auth.ts': `export default { name: 'deny-all', kind: 'auth', create: () => (ctx) => ctx.error(401, 'unauthenticated') };`,
    });
    expect((await g.request('/locked')).status).toBe(401);
    const free = await g.request('/free');
    expect(free.status).toBe(200);
    expect(free.headers.get('x-trace')).toBe('after');
    expect(g.accessLogs.json().at(-1)).toMatchObject({ exemption: 'exempt:free-path' });
  });

  test('a before-auth plugin listed after an auth plugin is warned about; listed first it is not', async () => {
    const up = upstream();
    const files = {
      'exempt.ts': `export default { name: 'exempt', placement: 'before-auth', create: () => (ctx, next) => next() };`,
      'auth.ts': `export default { name: 'deny-all', kind: 'auth', create: () => (ctx) => ctx.error(401, 'unauthenticated') };`,
    };
    const late = await gateway(route(up.url, '- use: ./auth.ts\n- use: ./exempt.ts', '{ allow_any_authenticated_user: true }'), files);
    const warnings = late.server.gateway.warnings.map((w) => w.message);
    expect(warnings.some((m) => m.includes('plugin "./exempt.ts": runs after the auth plugin "deny-all"'))).toBe(true);
    const early = await gateway(route(up.url, '- use: ./exempt.ts\n- use: ./auth.ts', '{ allow_any_authenticated_user: true }'), files);
    expect(early.server.gateway.warnings.map((w) => w.message).filter((m) => m.includes('runs after'))).toEqual([]);
  });
});

describe('a plugin that throws', () => {
  test('gives 500 JSON with the request id, is logged with route and plugin, and the process keeps serving', async () => {
    const up = upstream(() => new Response('fine'));
    const g = await gateway(route(up.url, '- use: ./trace.ts\n  label: outer\n- use: ./thrower.ts'), { 'trace.ts': TRACE_PLUGIN, 'thrower.ts': THROWING_PLUGIN });
    const response = await g.request('/boom');
    expect(response.status).toBe(500);
    const requestId = response.headers.get('x-request-id')!;
    expect(await response.json()).toEqual({ error: 'plugin_error', request_id: requestId });
    // The plugins above the failing one still see the response on its way back.
    expect(response.headers.get('x-trace')).toBe('outer');
    expect(up.received).toHaveLength(0);
    const line = g.logs.json().find((l) => l.msg === 'plugin failed');
    expect(line).toMatchObject({ level: 'error', plugin: 'thrower', route: 'routes[0]' });
    expect(String(line!.error)).toContain('kaboom from the plugin');
    expect(g.accessLogs.json().at(-1)).toMatchObject({ request_id: requestId, status: 500, route: 'routes[0]' });

    for (let i = 0; i < 3; i++) {
      const next = await g.request('/fine');
      expect(next.status).toBe(200);
      expect(await next.text()).toBe('fine');
    }
  });

  test('a plugin whose promise rejects is handled the same way', async () => {
    const up = upstream();
    const g = await gateway(route(up.url, '- use: ./async-thrower.ts'), {
      'async-thrower.ts': `export default { name: 'async-thrower', create: () => async () => { await Bun.sleep(5); throw new TypeError('late failure'); } };`,
    });
    const response = await g.request('/');
    expect(response.status).toBe(500);
    expect(((await response.json()) as { error: string }).error).toBe('plugin_error');
    expect(g.logs.json().find((l) => l.msg === 'plugin failed')).toMatchObject({ plugin: 'async-thrower', route: 'routes[0]' });
  });
});

describe('a failure of the policy check or the proxy', () => {
  test('gives 500 internal_error through the plugins above, logged as the request\'s, never as a plugin\'s', async () => {
    const up = upstream();
    const g = await gateway(route(up.url, '- use: ./trace.ts\n  label: outer\n- use: ./sabotage.ts'), {
      'trace.ts': TRACE_PLUGIN,
      // Upstream headers the proxy cannot read: it throws, after every plugin has passed.
      'sabotage.ts': `export default { name: 'sabotage', create: () => (ctx, next) => { ctx.upstream.headers = null; return next(); } };`,
    });
    const response = await g.request('/');
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: 'internal_error', request_id: response.headers.get('x-request-id')! });
    expect(response.headers.get('x-trace')).toBe('outer');
    expect(up.received).toHaveLength(0);
    const logs = g.logs.json();
    expect(logs.filter((l) => l.msg === 'plugin failed')).toEqual([]);
    expect(logs.find((l) => l.msg === 'request failed')).toMatchObject({ level: 'error', step: 'policy+proxy', route: 'routes[0]' });
  });
});

describe('services.secret', () => {
  test("reads the same environment the config's ${VAR}s were read from, defaults included", async () => {
    const up = upstream();
    const plugin = `export default { name: 'secrets', create: (o, s) => {
      const a = s.secret({ env: 'PIPELINE_TEST_SECRET' });
      const b = s.secret({ env: 'PIPELINE_TEST_UNSET:-fallback' });
      return (ctx, next) => { ctx.upstream.headers.set('x-secrets', a + '/' + b); return next(); };
    } };`;
    const g = await servers.gateway(route(up.url, '- use: ./secrets.ts'), { files: { 'secrets.ts': plugin }, env: { PIPELINE_TEST_SECRET: 'from-the-config-env' } });
    const echo = (await (await g.request('/')).json()) as Echo;
    expect(echo.headers['x-secrets']).toBe('from-the-config-env/fallback');
  });
});

describe('a plugin that answers with something other than a Response', () => {
  for (const [what, body] of [
    ['undefined', 'undefined'],
    ['a string', "'ok'"],
    ['a plain object', '{ status: 200 }'],
  ] as const) {
    test(`${what} gives 500 plugin_error, logged with route and plugin, never a silent 200`, async () => {
      const up = upstream();
      const g = await gateway(route(up.url, '- use: ./odd.ts'), {
        'odd.ts': `export default { name: 'odd', create: () => async () => ${body} };`,
      });
      const response = await g.request('/');
      expect(response.status).toBe(500);
      expect(((await response.json()) as { error: string }).error).toBe('plugin_error');
      expect(up.received).toHaveLength(0);
      const line = g.logs.json().find((l) => l.msg === 'plugin failed');
      expect(line).toMatchObject({ level: 'error', plugin: 'odd', route: 'routes[0]' });
      expect(String(line!.error)).toContain('instead of a Response');
      expect(g.accessLogs.json().at(-1)).toMatchObject({ status: 500 });
    });
  }
});

describe('loading plugins', () => {
  test('options are validated by the plugin schema at load, errors prefixed with route and plugin', async () => {
    const error = await refused(route('http://127.0.0.1:1', '- use: ./trace.ts\n  label: 42\n  levle: debug'), { 'trace.ts': TRACE_PLUGIN });
    const messages = error.problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toStartWith('7:9 routes[0].plugins[0].label: route routes[0] (http://api.example.test), plugin "./trace.ts": ');
    expect(messages[1]).toBe('8:9 routes[0].plugins[0].levle: route routes[0] (http://api.example.test), plugin "./trace.ts": unknown key "levle"; did you mean "level"?');
    expect(error.problems[0]!.file).toEndWith('gatehouse.yaml');
  });

  test('a missing required option is reported at the plugin entry', async () => {
    const error = await refused(route('http://127.0.0.1:1', '- use: ./trace.ts'), { 'trace.ts': TRACE_PLUGIN });
    expect(error.problems[0]!.path).toBe('routes[0].plugins[0].label');
    expect(error.problems[0]!.message).toContain('plugin "./trace.ts"');
    expect(error.problems[0]!.message).toContain('missing required key');
  });

  test('schema defaults reach create()', async () => {
    const up = upstream();
    const g = await gateway(route(up.url, '- use: ./opts.ts\n  name: x'), {
      'opts.ts': `export default {
        name: 'opts',
        options: (v) => v.object({ name: v.string(), retries: v.optional(v.number(), 3) }),
        create: (options) => async (ctx, next) => { const r = await next(); const o = new Response(r.body, r); o.headers.set('x-options', JSON.stringify(options)); return o; },
      };`,
    });
    expect((await g.request('/')).headers.get('x-options')).toBe('{"name":"x","retries":3}');
  });

  test('an unknown plugin name is an error at its `use`, naming the route', async () => {
    const error = await refused(route('http://127.0.0.1:1', '- use: no-such-plugin'));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ line: 6, column: 9, path: 'routes[0].plugins[0].use' });
    expect(error.problems[0]!.message).toContain('route routes[0] (http://api.example.test), plugin "no-such-plugin": unknown plugin "no-such-plugin"');
  });

  test('a plugin file that does not exist, or exports no plugin, is an error', async () => {
    const missing = await refused(route('http://127.0.0.1:1', '- use: ./nowhere.ts'));
    expect(missing.problems[0]!.message).toContain('does not exist');
    const shapeless = await refused(route('http://127.0.0.1:1', '- use: ./empty.ts'), { 'empty.ts': 'export const x = 1;\n' });
    expect(shapeless.problems[0]!.message).toContain('no default export');
    const broken = await refused(route('http://127.0.0.1:1', '- use: ./broken.ts'), { 'broken.ts': 'export default {{{\n' });
    expect(broken.problems[0]!.message).toContain('cannot load plugin');
  });

  test('a plugin whose create() throws fails the load, with route and plugin in the error', async () => {
    const error = await refused(route('http://127.0.0.1:1', '- use: ./bad-create.ts'), {
      'bad-create.ts': `export default { name: 'bad-create', create() { throw new Error('cannot compile my patterns'); } };`,
    });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]!.path).toBe('routes[0].plugins[0]');
    expect(error.problems[0]!.message).toBe('route routes[0] (http://api.example.test), plugin "./bad-create.ts": cannot compile my patterns');
  });

  test('OptionProblems from create() are reported one by one, each at its own line and column', async () => {
    const error = await refused(route('http://127.0.0.1:1', '- use: ./picky.ts\n  hosts:\n    - good.example.test\n    - BAD\n    - also bad'), {
      'picky.ts': `import { definePlugin, OptionProblems } from 'gatehouse/plugin';
export default definePlugin({
  name: 'picky',
  options: (v) => v.strictObject({ hosts: v.array(v.string()) }),
  create(options) {
    const problems = options.hosts.flatMap((host, i) => (/^[a-z.]+$/.test(host) ? [] : [{ at: ['hosts', i], message: \`host "\${host}" is not lower-case\` }]));
    if (problems.length > 0) throw new OptionProblems(problems);
    return (ctx, next) => next();
  },
});
`,
    });
    expect(error.problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`)).toEqual([
      '9:13 routes[0].plugins[0].hosts[1]: route routes[0] (http://api.example.test), plugin "./picky.ts": host "BAD" is not lower-case',
      '10:13 routes[0].plugins[0].hosts[2]: route routes[0] (http://api.example.test), plugin "./picky.ts": host "also bad" is not lower-case',
    ]);
  });

  test('an OptionProblems with no problems still fails the load, at the plugin entry', async () => {
    const error = await refused(route('http://127.0.0.1:1', '- use: ./empty-problems.ts'), {
      'empty-problems.ts': `import { OptionProblems } from 'gatehouse/plugin';
export default { name: 'empty-problems', create() { throw new OptionProblems([]); } };
`,
    });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]!.path).toBe('routes[0].plugins[0]');
  });

  test('create() runs once per config load, not per request, and gets the route', async () => {
    (globalThis as { __traceRoutes?: string[] }).__traceRoutes = [];
    const up = upstream();
    const g = await gateway(
      `routes:
  - from: http://one.example.test
    to: ${up.url}
    policy: { public: true }
  - from: http://api.example.test
    to: ${up.url}
    policy: { public: true }
    plugins: [{ use: ./trace.ts, label: x }]
`,
      { 'trace.ts': TRACE_PLUGIN },
    );
    for (let i = 0; i < 3; i++) await g.request('/', { host: 'api.example.test' });
    expect((globalThis as { __traceRoutes?: string[] }).__traceRoutes).toEqual(['routes[1]']);
  });

  test('close() runs when the gateway stops', async () => {
    const up = upstream();
    const marker = `${Date.now()}-${Math.random()}`;
    const g = await startGateway(route(up.url, '- use: ./closing.ts'), {
      files: { 'closing.ts': `export default { name: 'closing', create: () => ({ handle: (ctx, next) => next(), close() { (globalThis as any).__closed = '${marker}'; } }) };` },
    });
    expect((await g.request('/')).status).toBe(200);
    expect((globalThis as { __closed?: string }).__closed).not.toBe(marker);
    await g.stop();
    expect((globalThis as { __closed?: string }).__closed).toBe(marker);
  });
});
