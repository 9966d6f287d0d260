import { describe, expect, test } from 'bun:test';
import { ConfigError } from './errors.ts';
import { loadConfigText } from './load.ts';

const route = (keys: string) => `routes:\n  - from: https://app.test\n    to: http://127.0.0.1:9\n${keys.replace(/^/gm, '    ')}\n`;

function problems(yaml: string): string[] {
  try {
    loadConfigText(yaml, '/x/gatehouse.yaml', {});
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`);
    throw error;
  }
  return [];
}

describe('route path keys', () => {
  test('prefix defaults to /; an exact-path route shows its path as prefix; a regex route /', () => {
    const load = (keys: string) => loadConfigText(route(keys), '/x/gatehouse.yaml', {}).config.routes[0]!;
    expect(load('policy: { public: true }').prefix).toBe('/');
    expect(load('path: /health')).toMatchObject({ prefix: '/health', path: '/health' });
    expect(load('regex: ^/items/(\\d+)$\nregex_rewrite: /item?id=\\1')).toMatchObject({ prefix: '/', regex: '^/items/(\\d+)$', regex_rewrite: '/item?id=\\1' });
    expect(load('prefix: /api\nprefix_rewrite: /v2/')).toMatchObject({ prefix: '/api', prefix_rewrite: '/v2/' });
  });

  test('exactly one of prefix, path and regex, located at the second one', () => {
    expect(problems(route('prefix: /api\npath: /x'))).toEqual(['5:5 routes[0].path: a route matches by one of prefix, path or regex; this one sets prefix and path']);
    expect(problems(route('path: /x\nregex: ^/y$'))).toEqual(['5:5 routes[0].regex: a route matches by one of prefix, path or regex; this one sets path and regex']);
  });

  test('each rewrite goes with its own kind of match', () => {
    expect(problems(route('path: /x\nprefix_rewrite: /y'))).toEqual(["5:5 routes[0].prefix_rewrite: prefix_rewrite replaces the route's prefix, and this route matches by path"]);
    expect(problems(route('regex: /x\nprefix_rewrite: /y'))).toEqual(["5:5 routes[0].prefix_rewrite: prefix_rewrite replaces the route's prefix, and this route matches by regex; use regex_rewrite"]);
    expect(problems(route('prefix: /x\nregex_rewrite: /y'))).toEqual(['5:5 routes[0].regex_rewrite: regex_rewrite fills in the groups of regex, and this route has none; with a prefix use prefix_rewrite']);
  });

  test('paths are paths: leading /, no query, fragment, space or dot segment', () => {
    expect(problems(route('path: health'))).toEqual(['4:5 routes[0].path: path starts with /']);
    expect(problems(route('path: /a?b'))).toEqual(['4:5 routes[0].path: path is a path only: no ?, # or spaces']);
    expect(problems(route('prefix_rewrite: /a/../b'))).toEqual(['4:5 routes[0].prefix_rewrite: prefix_rewrite holds no . or .. segment']);
    expect(problems(route('regex: /a\nregex_rewrite: /b#c'))).toEqual(['5:5 routes[0].regex_rewrite: regex_rewrite holds no # or spaces']);
  });
});
