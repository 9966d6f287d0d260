import { describe, expect, test } from 'bun:test';
import type { RouteConfig } from '../config/schema.ts';
import type { RequestContext, Upstream } from '../plugin-api/index.ts';
import { compileRoutePaths, restoringTerminal, rewritingRun } from './route-paths.ts';

const own: Upstream = { urls: ['http://127.0.0.1:1'], timeoutMs: 1000 };
const other: Upstream = { urls: ['http://127.0.0.1:2'], timeoutMs: 1000 };

function ctxFor(url: string): RequestContext {
  const parsed = new URL(url);
  return {
    url: parsed,
    upstream: { upstream: own, path: parsed.pathname + parsed.search, headers: new Headers(), passIdentityHeaders: false },
    error: (status: number, code: string, extra?: Record<string, unknown>) => Response.json({ error: code, ...extra }, { status }),
  } as unknown as RequestContext;
}

const paths = (keys: Partial<RouteConfig>) => compileRoutePaths({ prefix: '/', ...keys } as RouteConfig);

describe('compileRoutePaths', () => {
  test('a route without path keys gets no matcher and no rewrite (no work per request)', () => {
    expect(paths({ prefix: '/api' })).toEqual({ pathMatch: undefined, rewrite: undefined, problems: [] });
    expect(paths({ path: '/x' }).rewrite).toBeUndefined();
    expect(paths({ regex: '^/x$' }).rewrite).toBeUndefined();
  });

  test('problems are located by key: the regex, or a rewrite naming a group the regex lacks', () => {
    expect(paths({ regex: '(a+)+' }).problems).toEqual([{ key: 'regex', message: expect.stringContaining('is refused at "(a+)+"') }]);
    expect(paths({ regex: '^/u/(\\d+)$', regex_rewrite: '/x/\\2' }).problems).toEqual([{ key: 'regex_rewrite', message: '"\\2" names a group the regex does not have (it has 1)' }]);
    expect(paths({ regex: '^/u/(\\d+)$', regex_rewrite: '/x/\\q' }).problems[0]?.key).toBe('regex_rewrite');
  });
});

describe('rewritingRun', () => {
  test('sets the upstream path before the pipeline runs', async () => {
    const { rewrite } = paths({ prefix: '/api', prefix_rewrite: '/v2' });
    let seen = '';
    const run = rewritingRun(async (ctx) => ((seen = ctx.upstream.path), new Response('ok')), rewrite!);
    await run(ctxFor('http://h.test/api/x?q=1'));
    expect(seen).toBe('/v2/x?q=1');
  });

  test('a rewrite that would make a dot segment is answered 400 and runs nothing', async () => {
    const { rewrite } = paths({ regex: '^/y(.*)$', regex_rewrite: '/x/\\1' });
    let ran = false;
    const response = await rewritingRun(async () => ((ran = true), new Response('ok')), rewrite!)(ctxFor('http://h.test/y..'));
    expect(ran).toBe(false);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'ambiguous_path', reason: 'dot_segment' });
  });
});

describe('restoringTerminal', () => {
  const { rewrite } = paths({ prefix: '/api', prefix_rewrite: '/v2' });
  const answer = () => new Response(null, { status: 302, headers: [['location', '/v2/x'], ['set-cookie', 'a=1; Path=/v2']] });

  test("maps the route's own upstream's answer back", async () => {
    const response = await restoringTerminal(async () => answer(), rewrite!, own, {})(ctxFor('http://h.test/api/y'));
    expect(response.headers.get('location')).toBe('/api/x');
    expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/api']);
  });

  test('leaves alone an answer from an upstream a plugin chose, and headers the route sets itself', async () => {
    const ctx = ctxFor('http://h.test/api/y');
    ctx.upstream = { ...ctx.upstream, upstream: other };
    expect((await restoringTerminal(async () => answer(), rewrite!, own, {})(ctx)).headers.get('location')).toBe('/v2/x');
    const set = await restoringTerminal(async () => answer(), rewrite!, own, { Location: '/v2/x', 'Set-Cookie': 'a=1; Path=/v2' })(ctxFor('http://h.test/api/y'));
    expect(set.headers.get('location')).toBe('/v2/x');
    expect(set.headers.getSetCookie()).toEqual(['a=1; Path=/v2']);
  });
});
