import { expect, test } from 'bun:test';
import { quoted, tokenFromHeader, unverifiedIssuer } from './token-shape.ts';

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

test('tokenFromHeader takes a Bearer value or the bare value', () => {
  expect(tokenFromHeader('Bearer a.b.c')).toBe('a.b.c');
  expect(tokenFromHeader('bearer   a.b.c ')).toBe('a.b.c');
  expect(tokenFromHeader(' a.b.c')).toBe('a.b.c');
  expect(tokenFromHeader('Bearer')).toBe('Bearer');
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
