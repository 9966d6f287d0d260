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

test('each purpose has its own token', () => {
  const csrf = createCsrf(new Uint8Array(32).fill(3));
  const seed = csrf.newSeed();
  const signOut = csrf.tokenFor(seed, 'sign-out');
  expect(csrf.check(seed, signOut, 'sign-out')).toBe(true);
  expect(csrf.check(seed, signOut)).toBe(false);
  expect(csrf.check(seed, signOut, 'handoff')).toBe(false);
  expect(csrf.check(seed, csrf.tokenFor(seed), 'sign-out')).toBe(false);
  expect(csrf.tokenFor(seed)).toBe(csrf.tokenFor(seed, 'sign-in'));
});
