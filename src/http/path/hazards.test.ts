import { describe, expect, test } from 'bun:test';
import { findHazard, isDotVariant, isUnicodeLookalike } from './hazards.ts';

describe('findHazard', () => {
  const cases: [string, string | null][] = [
    ['/a/b', null],
    ['/a/b/', null],
    ['/', null],
    ['/a%20b/%C3%A9/~x', null],
    ['/a/./b/../c', null],
    ['/a/%2e%2e/c', null],
    ['/a/100%25', null],
    ['/a/%2541', null],
    ['a/b', 'not_origin_form'],
    ['*', 'not_origin_form'],
    ['/a\u0000', 'control_character'],
    ['/a\u007f', 'control_character'],
    ['/a\nb', 'control_character'],
    ['/a\\b', 'backslash'],
    ['/a%', 'malformed_escape'],
    ['/a%2F', 'encoded_slash'],
    ['/a%2f', 'encoded_slash'],
    ['/a%5C', 'encoded_backslash'],
    ['/a%00', 'encoded_control_character'],
    ['/a%1f', 'encoded_control_character'],
    ['/a%7F', 'encoded_control_character'],
    ['/a%252e', 'double_encoding'],
    ['/a%252F', 'double_encoding'],
    ['/a%255C', 'double_encoding'],
    ['/a%2525', 'double_encoding'],
    ['/a%2500', 'double_encoding'],
    ['/a%25C0', 'double_encoding'],
    ['/a%25%32%65', 'double_encoding'],
    ['/a/%C0%AE', 'invalid_utf8'],
    ['/a//b', 'empty_segment'],
    ['//a', 'empty_segment'],
    ['/a/..;/b', 'dot_segment_variant'],
    ['/a/...', 'dot_segment_variant'],
    ['/a/%EF%BC%8F', 'unicode_lookalike'],
    ['/caf%C3%A9/%E2%82%AC', null],
  ];
  for (const [path, expected] of cases) test(`${JSON.stringify(path)} → ${expected}`, () => expect(findHazard(path)).toBe(expected as never));

  test('reports the first reason in a fixed order', () => {
    expect(findHazard('/a\\b%2F//')).toBe('backslash');
    expect(findHazard('/a%2F//')).toBe('encoded_slash');
    expect(findHazard('/a//..;')).toBe('empty_segment');
  });
});

describe('isDotVariant', () => {
  test('plain dot segments are not variants: they are resolved', () => {
    for (const s of ['.', '..', '%2e', '%2E%2e', '.%2e']) expect(isDotVariant(s)).toBe(false);
  });
  test('ordinary names with dots are not variants', () => {
    for (const s of ['.hidden', 'a..b', 'x.', 'file.json', '..a', ';', 'a;..']) expect(isDotVariant(s)).toBe(false);
  });
  test('segments some server reads as . or ..', () => {
    for (const s of ['..;', '..;x=1', '.;', '%2e%2e;', '...', '....', '..%20', '. .', '.%09']) expect(isDotVariant(s)).toBe(true);
  });
});

describe('isUnicodeLookalike', () => {
  test('NFKC that yields separators, escapes or dot segments', () => {
    for (const s of ['%EF%BC%8F', 'a%EF%BC%8Fb', '%EF%BC%BC', '%EF%BC%85', '%EF%BC%8E%EF%BC%8E', '%EF%BC%8E', '%E2%80%A5', '%E2%80%A6', '%E2%84%85']) {
      expect(isUnicodeLookalike(s)).toBe(true);
    }
  });
  test('ordinary non-ASCII names', () => {
    for (const s of ['caf%C3%A9', '%E2%82%AC', '%EF%BD%81pi', '%C2%BD', 'file%E2%80%A4txt', '100%25', 'caf%C3%A9%25', 'plain', 'a.b']) {
      expect(isUnicodeLookalike(s)).toBe(false);
    }
  });
});
