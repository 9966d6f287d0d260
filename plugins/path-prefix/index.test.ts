import { describe, expect, test } from 'bun:test';
import * as v from 'valibot';
import type { Handler, Logger, PluginServices, RequestContext, Upstream, UpstreamTarget } from '../../src/plugin-api/index.ts';
import { fakeServices, optionSchemas } from '../../src/testing/plugin-fakes.ts';

const { paths: pathServices, ip: ipServices } = fakeServices();
import plugin from './index.ts';

interface LogLine {
  level: string;
  msg: string;
  fields?: Record<string, unknown>;
}

function fakeLogger(lines: LogLine[]): Logger {
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => void lines.push({ level, msg, fields });
  const log: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => log };
  return log;
}

async function setup(options: Record<string, unknown>, routePrefix = '/') {
  const warnings: string[] = [];
  const made: { urls: string | string[]; timeoutMs?: number }[] = [];
  const lines: LogLine[] = [];
  const services = {
    v,
    log: fakeLogger(lines),
    route: { id: 'routes[0]', from: 'https://app.example.test', origin: 'https://app.example.test', prefix: routePrefix, policy: {} },
    warn: (m: string) => void warnings.push(m),
    paths: pathServices,
    ip: ipServices,
    upstream(urls: string | string[], o?: { timeoutMs?: number }): Upstream {
      made.push({ urls, timeoutMs: o?.timeoutMs });
      return { urls: typeof urls === 'string' ? [urls] : urls, timeoutMs: o?.timeoutMs ?? 30_000 };
    },
  } as unknown as PluginServices;
  const parsed = v.parse(plugin.options!(v, optionSchemas), options);
  const created = await plugin.create(parsed as never, services);
  const handle = (typeof created === 'function' ? created : created.handle) as Handler;
  return { handle, warnings, made, lines };
}

const routeUpstream: UpstreamTarget = { upstream: { urls: ['http://app'], timeoutMs: 1 }, path: '/original', headers: new Headers(), passIdentityHeaders: false };

function ctxFor(url: string, lines: LogLine[] = []): RequestContext {
  return {
    requestId: 'req-1',
    request: new Request(url),
    url: new URL(url),
    clientIp: '127.0.0.1',
    trace: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    route: {} as never,
    identity: null,
    exemption: null,
    allowedOrigin: null,
    upstream: { ...routeUpstream },
    log: fakeLogger(lines),
    state: new Map(),
    error: (status, code, extra) => Response.json({ error: code, request_id: 'req-1', ...extra }, { status }),
  };
}

const secret = 'secret-token-123';
const opts = { prefix: '/api', to: 'http://127.0.0.1:9002/v2', set_request_headers: { 'X-Api-Key': secret }, timeout: '5s' };

describe('path-prefix handler', () => {
  test('makes its upstream once with the timeout', async () => {
    const { made } = await setup(opts);
    expect(made).toEqual([{ urls: 'http://127.0.0.1:9002/v2', timeoutMs: 5000 }]);
  });

  test('retargets requests under the prefix and keeps the query as sent', async () => {
    const { handle } = await setup({ ...opts, pass_identity_headers: true });
    const ctx = ctxFor('https://app.example.test/api/users/a%20b?x=%2F..%2F&y');
    let seen: UpstreamTarget | undefined;
    const res = await handle(ctx, async () => {
      seen = ctx.upstream;
      return new Response('ok');
    });
    expect(await res.text()).toBe('ok');
    expect(seen!.path).toBe('/users/a%20b?x=%2F..%2F&y');
    expect(seen!.upstream.urls).toEqual(['http://127.0.0.1:9002/v2']);
    expect(seen!.headers.get('x-api-key')).toBe(secret);
    expect(seen!.passIdentityHeaders).toBe(true);
  });

  test('leaves other paths alone', async () => {
    const { handle } = await setup(opts);
    for (const url of ['https://app.example.test/apix', 'https://app.example.test/', 'https://app.example.test/static/a%2Fb']) {
      const ctx = ctxFor(url);
      const res = await handle(ctx, async () => new Response('app'));
      expect(await res.text()).toBe('app');
      expect(ctx.upstream.path).toBe('/original');
    }
  });

  test('answers 400 bad_path without calling next', async () => {
    const lines: LogLine[] = [];
    const { handle } = await setup(opts);
    for (const [url, reason] of [
      ['https://app.example.test/api/..%2Fadmin', 'encoded_slash'],
      ['https://app.example.test/api//x', 'empty_segment'],
      ['https://app.example.test/api%2Fx', 'encoded_slash'],
      ['https://app.example.test/api/x#frag', 'fragment'],
    ] as const) {
      let called = false;
      const res = await handle(ctxFor(url, lines), async () => {
        called = true;
        return new Response('no');
      });
      expect(called).toBe(false);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 'bad_path', request_id: 'req-1', reason });
    }
    expect(lines.map((l) => l.fields?.reason)).toEqual(['encoded_slash', 'empty_segment', 'encoded_slash', 'fragment']);
  });

  test('rewrites the response and never returns the injected credential', async () => {
    const lines: LogLine[] = [];
    const { handle } = await setup(opts);
    const ctx = ctxFor('https://app.example.test/api/login', lines);
    const res = await handle(ctx, async () =>
      new Response(null, {
        status: 302,
        headers: [
          ['location', '/v2/home'],
          ['set-cookie', 'sid=1; Path=/v2; Domain=127.0.0.1'],
          ['x-echo-api-key', secret],
        ],
      }),
    );
    expect(res.headers.get('location')).toBe('/api/home');
    expect(res.headers.getSetCookie()).toEqual(['sid=1; Path=/api']);
    expect(res.headers.get('x-echo-api-key')).toBeNull();
    expect(JSON.stringify(lines)).not.toContain(secret);
    expect(lines.some((l) => l.fields?.header === 'x-echo-api-key')).toBe(true);
  });

  test('rewrite and strip_prefix: false', async () => {
    const rewrite = await setup({ ...opts, rewrite: '/internal' });
    const c1 = ctxFor('https://app.example.test/api/x');
    await rewrite.handle(c1, async () => new Response());
    expect(c1.upstream.path).toBe('/internal/x');
    const keep = await setup({ ...opts, strip_prefix: false });
    const c2 = ctxFor('https://app.example.test/api?q');
    await keep.handle(c2, async () => new Response());
    expect(c2.upstream.path).toBe('/api?q');
  });

  test('load-time refusals and warnings', async () => {
    await expect(setup({ ...opts, strip_prefix: false, rewrite: '/x' })).rejects.toThrow('rewrite: "/x"');
    expect((await setup({ ...opts, prefix: '/' })).warnings.join()).toContain('every path');
    expect((await setup(opts, '/v1')).warnings.join()).toContain('"/v1"');
    expect((await setup({ ...opts, prefix: '/v1/api' }, '/v1')).warnings).toEqual([]);
  });
});
