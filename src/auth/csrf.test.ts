import { expect, test } from 'bun:test';
import { createCsrf } from './csrf.ts';

test('a token matches only its own seed and key', () => {
  const csrf = createCsrf(new Uint8Array(32).fill(1));
  const seed = csrf.newSeed();
  const token = csrf.tokenFor(seed);
  expect(csrf.check(seed, token)).toBe(true);
  expect(csrf.check(csrf.newSeed(), token)).toBe(false);
  expect(csrf.check(seed, `${token.slice(0, -1)}x`)).toBe(false);
  expect(csrf.check(undefined, token)).toBe(false);
  expect(csrf.check(seed, null)).toBe(false);
  // Plain double-submit (cookie value == form value) is not enough: the form needs the HMAC.
  expect(csrf.check(seed, seed)).toBe(false);
  expect(createCsrf(new Uint8Array(32).fill(2)).check(seed, token)).toBe(false);
});

test('every process derives the same tokens from the same key', () => {
  const a = createCsrf(new Uint8Array(32).fill(7));
  const b = createCsrf(new Uint8Array(32).fill(7));
  const seed = a.newSeed();
  expect(b.check(seed, a.tokenFor(seed))).toBe(true);
});
