import { describe, expect, test } from 'bun:test';
import { compileRegexMatch, exactPathMatch, hasUpperCase, pathMatches, type PathMatch } from './path-matcher.ts';

const regex = (source: string): PathMatch => {
  const compiled = compileRegexMatch(source);
  if ('problem' in compiled) throw new Error(compiled.problem);
  return compiled;
};

describe('compileRegexMatch', () => {
  test('a regex must match the whole path, whether or not it says ^ and $', () => {
    for (const source of ['/items/(\\d+)', '^/items/(\\d+)$', '^/items/(\\d+)', '/items/(\\d+)$']) {
      const m = regex(source);
      expect(pathMatches(m, '/items/12', false)).toBe(true);
      expect(pathMatches(m, '/x/items/12', false)).toBe(false);
      expect(pathMatches(m, '/items/12/x', false)).toBe(false);
    }
  });

  test('an alternation at the top is wrapped whole: a|b cannot escape the anchors', () => {
    const m = regex('/a|/b');
    expect(pathMatches(m, '/a', false)).toBe(true);
    expect(pathMatches(m, '/b', false)).toBe(true);
    expect(pathMatches(m, '/a/x', false)).toBe(false);
    expect(pathMatches(m, '/x/b', false)).toBe(false);
  });

  test('counts its groups (for regex_rewrite), named ones included', () => {
    expect(regex('^/u/([^/]+)/p/(?<id>\\d+)$')).toMatchObject({ groups: 2 });
    expect(regex('^/(?:a|b)$')).toMatchObject({ groups: 0 });
  });

  test('matching is case-sensitive; the folded form is for the lenient reading', () => {
    const m = regex('^/Items/(\\d+)$');
    expect(pathMatches(m, '/items/1', false)).toBe(false);
    expect(pathMatches(m, '/items/1', true)).toBe(true);
  });

  test('a pattern that does not compile, or only compiles once wrapped, is a problem naming it', () => {
    expect(compileRegexMatch('(')).toEqual({ problem: 'regex "(" does not compile: missing )' });
    expect(compileRegexMatch('a)|(b')).toMatchObject({ problem: expect.stringContaining('regex "a)|(b" does not compile') });
    // Unicode mode: an escape that means nothing is an error, not a literal.
    expect(compileRegexMatch('\\q')).toMatchObject({ problem: expect.stringContaining('does not compile') });
  });

  test('a pattern that can backtrack catastrophically is a problem naming the offending part', () => {
    expect(compileRegexMatch('^/x/(a+)+$')).toEqual({ problem: expect.stringMatching(/^regex "\^\/x\/\(a\+\)\+\$" is refused at "\(a\+\)\+": it nests/) });
  });
});

describe('exactPathMatch', () => {
  test('matches only the path itself, in matching form', () => {
    const m = exactPathMatch('/health');
    expect(pathMatches(m, '/health', false)).toBe(true);
    expect(pathMatches(m, '/health/', false)).toBe(false);
    expect(pathMatches(m, '/health/x', false)).toBe(false);
    expect(pathMatches(exactPathMatch('/%61pi'), '/api', false)).toBe(true);
  });
});

test('upper-case letters count in exact paths and in regexes outside escapes', () => {
  expect(hasUpperCase(exactPathMatch('/Admin'))).toBe(true);
  expect(hasUpperCase(exactPathMatch('/admin'))).toBe(false);
  expect(hasUpperCase(regex('^/items/(\\d+)/\\S+$'))).toBe(false);
  expect(hasUpperCase(regex('^/[A-Z]+$'))).toBe(true);
});
