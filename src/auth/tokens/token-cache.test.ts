import { expect, test } from 'bun:test';
import { TokenCache } from './token-cache.ts';

test('an entry is dropped at its exp', () => {
  let now = 1_000_000;
  const cache = new TokenCache<string>({ now: () => now });
  cache.set('s', 'tok', 'v', 1_000 + 10);
  expect(cache.get('s', 'tok')).toBe('v');
  now = 1_010_000;
  expect(cache.get('s', 'tok')).toBeUndefined();
  expect(cache.size).toBe(0);
});

test('already expired tokens are not stored', () => {
  const cache = new TokenCache<string>({ now: () => 5_000 });
  cache.set('s', 'tok', 'v', 4);
  expect(cache.size).toBe(0);
});

test('lookups are by exact string and scope', () => {
  const cache = new TokenCache<string>();
  const exp = Date.now() / 1000 + 60;
  cache.set('own', 'abc.def.ghi', 'v', exp);
  expect(cache.get('own', 'abc.def.ghj')).toBeUndefined();
  expect(cache.get('own', 'abc.def.gh')).toBeUndefined();
  expect(cache.get('other', 'abc.def.ghi')).toBeUndefined();
  expect(cache.get('own', 'abc.def.ghi')).toBe('v');
});

test('bounded: the least recently used entry goes first', () => {
  const cache = new TokenCache<number>({ maxEntries: 3 });
  const exp = Date.now() / 1000 + 60;
  cache.set('s', 'a', 1, exp);
  cache.set('s', 'b', 2, exp);
  cache.set('s', 'c', 3, exp);
  cache.get('s', 'a');
  cache.set('s', 'd', 4, exp);
  expect(cache.size).toBe(3);
  expect(cache.get('s', 'b')).toBeUndefined();
  expect(cache.get('s', 'a')).toBe(1);
  expect(cache.get('s', 'd')).toBe(4);
});

test('an entry in use survives a stream of new tokens; unused ones go, and the bound holds', () => {
  const cache = new TokenCache<number>({ maxEntries: 8 });
  const exp = Date.now() / 1000 + 60;
  cache.set('s', 'hot', 0, exp);
  cache.set('s', 'cold', 0, exp);
  for (let i = 0; i < 100; i++) {
    cache.set('s', `new${i}`, i, exp);
    // Read between bursts of new tokens, however many hits fall in between.
    if (i % 3 === 0) for (let k = 0; k < 5; k++) expect(cache.get('s', 'hot')).toBe(0);
    expect(cache.size).toBeLessThanOrEqual(8);
  }
  expect(cache.get('s', 'hot')).toBe(0);
  expect(cache.get('s', 'cold')).toBeUndefined();
  expect(cache.get('s', 'new99')).toBe(99);
  expect(cache.get('s', 'new0')).toBeUndefined();
});
