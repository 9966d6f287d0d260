import { expect, test } from 'bun:test';
import { MAX_TOKEN_LENGTH, tokenShapeProblem } from './token-shape.ts';

test('three base64url parts only, at most MAX_TOKEN_LENGTH characters', () => {
  expect(tokenShapeProblem('aA0-_.b.c')).toBeNull();
  for (const bad of ['', 'a.b', 'a.b.', '.b.c', 'a.b.c.d', 'a.b.c.d.e', 'a.b*.c', 'a.b=.c', 'a b.c.d', 'a.b.c\n']) expect(tokenShapeProblem(bad)).toBeString();
  expect(tokenShapeProblem('')).toBe('empty token');
  expect(tokenShapeProblem('a'.repeat(MAX_TOKEN_LENGTH - 4) + '.b.c')).toBeNull();
  expect(tokenShapeProblem('a'.repeat(MAX_TOKEN_LENGTH) + '.b.c')).toBe('token too long');
});
