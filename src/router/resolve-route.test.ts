import { describe, expect, test } from 'bun:test';
import { compileHostPattern } from './host-pattern.ts';
import { compileRegexMatch, exactPathMatch } from './path-matcher.ts';
import { resolveRoute, type PathRoutable } from './resolve-route.ts';
import { Router } from './router.ts';

interface R extends PathRoutable {
  name: string;
}
const h = compileHostPattern('http://h.test');
const routes: R[] = [
  { name: 'public', pattern: h, prefix: '/public', allowEncodedSlashes: false },
  { name: 'admin', pattern: h, prefix: '/admin', allowEncodedSlashes: false },
  { name: 'files', pattern: h, prefix: '/files', allowEncodedSlashes: true },
  { name: 'root', pattern: h, prefix: '/', allowEncodedSlashes: false },
];
const router = new Router(routes);
const resolve = (path: string) => {
  const r = resolveRoute(router, 'h.test', undefined, path);
  return r.kind === 'route' ? r.route.name : r.kind === 'ambiguous' ? `400 ${r.reason}` : 'none';
};

describe('resolveRoute', () => {
  const cases: [string, string][] = [
    ['/public/x', 'public'],
    ['/admin/x', 'admin'],
    ['/Public/x', '400 ambiguous_route'],
    ['/other/Mixed/Case', 'root'],
    ['/public/..%2Fadmin/secret', '400 encoded_slash'],
    ['/public/..%2fadmin/secret', '400 encoded_slash'],
    ['/public/..%5Cadmin', '400 encoded_backslash'],
    ['/admin%2Fsecret', '400 encoded_slash'],
    ['/public/..;/admin/secret', '400 dot_segment_variant'],
    ['/public/%252e%252e/admin', '400 double_encoding'],
    ['/public/%zz', '400 malformed_escape'],
    ['/public/%EF%BC%8E%EF%BC%8E/admin', '400 unicode_lookalike'],
    ['/public/a%00b', '400 encoded_control_character'],
    // The strict reading says "root", IIS or Tomcat would say "admin".
    ['/ADMIN/secret', '400 ambiguous_route'],
    ['/admin;x/secret', '400 ambiguous_route'],
    ['/%61dmin/x', 'admin'],
    // A `;` that no reading moves across routes is fine.
    ['/public/item;v=2', 'public'],
    ['/public//x', 'public'],
    // The opted-in route forwards encoded slashes, and is matched by the strict reading alone.
    ['/files/a%2Fb', 'files'],
    ['/files/%252e', '400 double_encoding'],
  ];
  for (const [path, expected] of cases) test(`${path} → ${expected}`, () => expect(resolve(path)).toBe(expected));

  test('no route is no route, not an ambiguity', () => {
    const only = new Router<R>([{ name: 'api', pattern: h, prefix: '/api', allowEncodedSlashes: false }]);
    expect(resolveRoute(only, 'h.test', undefined, '/x').kind).toBe('none');
    expect(resolveRoute(only, 'h.test', undefined, '/API/x')).toEqual({ kind: 'ambiguous', reason: 'ambiguous_route' });
  });
});

test('an upper-case prefix is protected from lower-case paths too (a case-folding upstream reads them alike)', () => {
  const upper = new Router<R>([
    { name: 'admin', pattern: h, prefix: '/Admin', allowEncodedSlashes: false },
    { name: 'root', pattern: h, prefix: '/', allowEncodedSlashes: false },
  ]);
  expect(resolveRoute(upper, 'h.test', undefined, '/Admin/x')).toMatchObject({ kind: 'route', route: { name: 'admin' } });
  expect(resolveRoute(upper, 'h.test', undefined, '/admin/x')).toEqual({ kind: 'ambiguous', reason: 'ambiguous_route' });
});

describe('exact-path and regex routes get the same two-readings check as prefixes', () => {
  const compiled = compileRegexMatch('^/items/(\\d+)$');
  if ('problem' in compiled) throw new Error(compiled.problem);
  const withMatchers = new Router<R>([
    { name: 'items', pattern: h, prefix: '/', pathMatch: compiled, allowEncodedSlashes: false },
    { name: 'health', pattern: h, prefix: '/health', pathMatch: exactPathMatch('/health'), allowEncodedSlashes: false },
    { name: 'static', pattern: h, prefix: '/static', allowEncodedSlashes: false },
  ]);
  const cases: [string, string][] = [
    ['/items/1', 'items'],
    ['/items/%31', 'items'],
    ['/items/x', 'none'],
    ['/health', 'health'],
    ['/health/x', 'none'],
    ['/static/ITEMS/1', 'static'],
    // A case-folding or `;`-dropping upstream would read these as the regex or exact route's.
    ['/ITEMS/1', '400 ambiguous_route'],
    ['/items/1;x', '400 ambiguous_route'],
    ['/items/1.', '400 ambiguous_route'],
    ['/HEALTH', '400 ambiguous_route'],
    ['/health;x', '400 ambiguous_route'],
    ['/items/1%2F..', '400 encoded_slash'],
    ['/items/..%2f1', '400 encoded_slash'],
    ['/items/%252e', '400 double_encoding'],
  ];
  for (const [path, expected] of cases) {
    test(`${path} → ${expected}`, () => {
      const r = resolveRoute(withMatchers, 'h.test', undefined, path);
      expect(r.kind === 'route' ? r.route.name : r.kind === 'ambiguous' ? `400 ${r.reason}` : 'none').toBe(expected);
    });
  }
});

test('a regex or exact path with capitals protects its lower-case variants too (a case-folding upstream reads them alike)', () => {
  const compiled = compileRegexMatch('^/Items/(\\d+)$');
  if ('problem' in compiled) throw new Error(compiled.problem);
  for (const pathMatch of [compiled, exactPathMatch('/Items/1')]) {
    const upper = new Router<R>([
      { name: 'items', pattern: h, prefix: '/', pathMatch, allowEncodedSlashes: false },
      { name: 'static', pattern: h, prefix: '/static', allowEncodedSlashes: false },
    ]);
    expect(resolveRoute(upper, 'h.test', undefined, '/Items/1')).toMatchObject({ kind: 'route', route: { name: 'items' } });
    expect(resolveRoute(upper, 'h.test', undefined, '/items/1')).toEqual({ kind: 'ambiguous', reason: 'ambiguous_route' });
  }
});
