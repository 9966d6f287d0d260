import { expect, test } from 'bun:test';
import type { OptionProblem } from '../../src/plugin-api/index.ts';
import { fakeServices } from '../../src/testing/plugin-fakes.ts';
import { compilePaths, lenientReader } from './path-glob.ts';

const { paths: pathServices } = fakeServices();
const lenient = lenientReader(pathServices);

function paths(globs: string[]) {
  const problems: OptionProblem[] = [];
  const m = compilePaths(globs, 'paths', problems, ['paths'], lenient);
  expect(problems).toEqual([]);
  return m;
}

test('/api/* matches one segment, on a segment boundary', () => {
  const m = paths(['/api/*']);
  expect(m.matches('/api/x')).toBe(true);
  expect(m.matches('/api/')).toBe(true);
  expect(m.matches('/api/x/y')).toBe(false);
  expect(m.matches('/api')).toBe(false);
  expect(m.matches('/apix')).toBe(false);
  expect(m.matches('/apix/y')).toBe(false);
  expect(m.matches('/v1/api/x')).toBe(false);
});

test('/api/** matches the prefix and anything below it, never /apix', () => {
  const m = paths(['/api/**']);
  for (const p of ['/api', '/api/', '/api/x', '/api/x/y/z']) expect(m.matches(p)).toBe(true);
  for (const p of ['/apix', '/apix/y', '/', '/ap']) expect(m.matches(p)).toBe(false);
});

test('** in the middle spans zero or more segments', () => {
  const m = paths(['/api/**/users']);
  expect(m.matches('/api/users')).toBe(true);
  expect(m.matches('/api/v1/users')).toBe(true);
  expect(m.matches('/api/a/b/users')).toBe(true);
  expect(m.matches('/api/xusers')).toBe(false);
  expect(m.matches('/api/v1/users/1')).toBe(false);
});

test('* inside a segment stays inside it', () => {
  const m = paths(['/api/v*/items']);
  expect(m.matches('/api/v1/items')).toBe(true);
  expect(m.matches('/api/v/items')).toBe(true);
  expect(m.matches('/api/v1/x/items')).toBe(false);
  expect(m.matches('/api/x1/items')).toBe(false);
});

test('exact paths match exactly; regex characters are literal', () => {
  const m = paths(['/api/v1', '/a.b(c)+']);
  expect(m.matches('/api/v1')).toBe(true);
  expect(m.matches('/api/v1/')).toBe(false);
  expect(m.matches('/api/v10')).toBe(false);
  expect(m.matches('/a.b(c)+')).toBe(true);
  expect(m.matches('/aXb(c)+')).toBe(false);
});

test('/** matches every path, / only the root', () => {
  expect(paths(['/**']).matches('/')).toBe(true);
  expect(paths(['/**']).matches('/a/b')).toBe(true);
  expect(paths(['/']).matches('/')).toBe(true);
  expect(paths(['/']).matches('/a')).toBe(false);
});

test('any of several globs may match', () => {
  const m = paths(['/a/*', '/b/**']);
  expect(m.matches('/a/1')).toBe(true);
  expect(m.matches('/b/1/2')).toBe(true);
  expect(m.matches('/c/1')).toBe(false);
});

test('encoded slashes, backslashes and dots never match', () => {
  const m = paths(['/api/**']);
  expect(m.matches('/api/..%2fadmin')).toBe(false);
  expect(m.matches('/api/..%2Fadmin')).toBe(false);
  expect(m.matches('/api/%5c..')).toBe(false);
  expect(m.matches('/api/%2e%2e/admin')).toBe(false);
  expect(m.matches('/api/caf%C3%A9')).toBe(true);
});

test('matching stays linear on long paths', () => {
  const m = paths(['/a*b/**', '/x/*']);
  const long = `/${'a'.repeat(100_000)}`;
  const started = performance.now();
  expect(m.matches(long)).toBe(false);
  expect(performance.now() - started).toBeLessThan(50);
});

test('malformed globs are refused, naming each, located at it', () => {
  const problems: OptionProblem[] = [];
  compilePaths(['api/*', '/a?b', '/a/**x', '/a/*b*', '/a/../b', '/a b', '/ok/*'], 'rule "x" paths', problems, ['rules', 0, 'paths'], lenient);
  expect(problems).toHaveLength(6);
  expect(problems[0]).toEqual({ at: ['rules', 0, 'paths', 0], message: 'rule "x" paths: "api/*" must start with "/"' });
  expect(problems[2]!.message).toContain('"/a/**x"');
  expect(problems[3]!.message).toContain('more than one');
  expect(problems[4]!.message).toContain('".."');
  expect(problems[5]!.at).toEqual(['rules', 0, 'paths', 5]);
});

test('an empty list is refused, located at the list', () => {
  const problems: OptionProblem[] = [];
  compilePaths([], 'paths', problems, ['paths'], lenient);
  expect(problems[0]).toEqual({ at: ['paths'], message: expect.stringContaining('empty') });
});

test('; variants, %25 double escapes, %3B, NULs and backslashes never match', () => {
  const m = paths(['/public/**']);
  for (const p of ['/public/..;/admin/secret', '/public/x;v=1', '/public/%252e%252e/admin', '/public/..%3b/admin', '/public/..%3B/admin', '/public/x%00', '/public\\..\\admin', '/public/%2E%2E/admin'])
    expect({ p, match: m.matches(p) }).toEqual({ p, match: false });
});

test('case-sensitive, and the lenient reading must agree with the glob', () => {
  const m = paths(['/public/**']);
  expect(m.matches('/PUBLIC/x')).toBe(false);
  expect(m.matches('/public/X')).toBe(true);
  // Raw dot segments (a URL parser resolves them, a hand-built path may not) are read leniently.
  expect(m.matches('/public/../admin')).toBe(false);
  expect(m.matches('/public/.. /admin')).toBe(false);
  expect(m.matches('/public/a/../b')).toBe(true);
  expect(paths(['/Api/*']).matches('/Api/%41')).toBe(true);
  expect(paths(['/caf%C3%A9/**']).matches('/caf%C3%A9/menu')).toBe(true);
});

test('globs that could only match refused paths are refused at load', () => {
  const problems: OptionProblem[] = [];
  compilePaths(['/a;b/**', '/a/%2e/**', '/a%25/**'], 'paths', problems, ['paths'], lenient);
  expect(problems).toHaveLength(3);
  expect(problems[0]!.message).toContain('may not contain ";"');
});
