import { describe, expect, test } from 'bun:test';
import { decodeAllOnce, decodeAllRepeatedly, decodesToValidUtf8, decodeUnreserved, hasOnlyWellFormedEscapes } from './percent.ts';

describe('decodeUnreserved', () => {
  test('decodes ALPHA DIGIT - . _ ~ only', () => {
    expect(decodeUnreserved('%61%5A%30%2d%2E%5f%7E')).toBe('aZ0-._~');
    expect(decodeUnreserved('%2F%5C%25%20%3B%00')).toBe('%2F%5C%25%20%3B%00');
    expect(decodeUnreserved('plain')).toBe('plain');
    expect(decodeUnreserved('%zz%2')).toBe('%zz%2');
  });
});

describe('decodeAllOnce / decodeAllRepeatedly', () => {
  test('once decodes one layer, bytes as code units', () => {
    expect(decodeAllOnce('%252e%2F%c3%a9')).toBe('%2e/\u00c3\u00a9');
    expect(decodeAllOnce('%zz')).toBe('%zz');
  });
  test('repeatedly peels every layer, bounded', () => {
    expect(decodeAllRepeatedly('%25252e')).toBe('.');
    expect(decodeAllRepeatedly('%25%32%65')).toBe('.');
    expect(decodeAllRepeatedly('%2525252525252e', 2)).toBe('%252525252e');
  });
});

describe('hasOnlyWellFormedEscapes', () => {
  test('every % needs two hex digits', () => {
    expect(hasOnlyWellFormedEscapes('/a%20b%C3%a9')).toBe(true);
    expect(hasOnlyWellFormedEscapes('/a%')).toBe(false);
    expect(hasOnlyWellFormedEscapes('/a%2')).toBe(false);
    expect(hasOnlyWellFormedEscapes('/a%g0')).toBe(false);
    expect(hasOnlyWellFormedEscapes('/a%%20')).toBe(false);
  });
});

describe('decodesToValidUtf8', () => {
  test('accepts ASCII, valid sequences and raw non-ASCII', () => {
    expect(decodesToValidUtf8('/a/b')).toBe(true);
    expect(decodesToValidUtf8('/caf%C3%A9')).toBe(true);
    expect(decodesToValidUtf8('/%F0%9F%98%80')).toBe(true);
    expect(decodesToValidUtf8('/é/%C3%A9')).toBe(true);
    expect(decodesToValidUtf8('/😀/%C3%A9')).toBe(true);
  });
  test('refuses overlong, truncated and stray bytes', () => {
    expect(decodesToValidUtf8('/%C0%AE')).toBe(false);
    expect(decodesToValidUtf8('/%E0%80%AE')).toBe(false);
    expect(decodesToValidUtf8('/%C3')).toBe(false);
    expect(decodesToValidUtf8('/%80')).toBe(false);
    expect(decodesToValidUtf8('/%FF')).toBe(false);
    expect(decodesToValidUtf8('/%ED%A0%80')).toBe(false);
  });
});
