import { expect, test } from 'bun:test';
import { MAX_TOKEN_LENGTH, quoted, shapeProblem, tokenFromHeader, unverifiedIssuer } from './token-shape.ts';

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

test('tokenFromHeader takes a Bearer value or the bare value', () => {
  expect(tokenFromHeader('Bearer a.b.c')).toBe('a.b.c');
  expect(tokenFromHeader('bearer   a.b.c ')).toBe('a.b.c');
  expect(tokenFromHeader(' a.b.c')).toBe('a.b.c');
  expect(tokenFromHeader('Bearer')).toBe('Bearer');
});

test('shapeProblem accepts three base64url parts only', () => {
  expect(shapeProblem('aA0-_.b.c')).toBeUndefined();
  for (const bad of ['', 'a.b', 'a.b.', '.b.c', 'a.b.c.d', 'a.b.c.d.e', 'a.b*.c', 'a.b=.c', 'a b.c.d', 'a.b.c\n']) expect(shapeProblem(bad)).toBeString();
  expect(shapeProblem('a'.repeat(MAX_TOKEN_LENGTH) + '.b.c')).toBe('token too long');
});

test('unverifiedIssuer reads iss only when it is a string', () => {
  expect(unverifiedIssuer(`${b64({ alg: 'RS256' })}.${b64({ iss: 'https://idp' })}.sig`)).toBe('https://idp');
  expect(unverifiedIssuer(`h.${b64({ iss: 42 })}.s`)).toBeUndefined();
  expect(unverifiedIssuer(`h.${b64('str')}.s`)).toBeUndefined();
  expect(unverifiedIssuer('h.!!!.s')).toBeUndefined();
  expect(unverifiedIssuer(`h.${Buffer.from('not json').toString('base64url')}.s`)).toBeUndefined();
});

test('quoted drops quotes, backslashes and control characters and caps the length', () => {
  expect(quoted('a"b\\c\r\nd\u00e9')).toBe('abcd');
  expect(quoted('x'.repeat(500)).length).toBe(200);
});
