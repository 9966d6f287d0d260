/** The memory backend beyond the shared contract (store.test.ts): its bound. */
import { expect, test } from 'bun:test';
import { createMemoryStore } from './memory-store.ts';

test('at most maxEntries entries: the oldest written is evicted first', async () => {
  const store = createMemoryStore({ maxEntries: 3 });
  await store.set('a', '1', 10_000);
  await store.set('b', '2', 10_000);
  await store.set('c', '3', 10_000);
  await store.set('a', '1again', 10_000); // rewritten: now the newest
  await store.set('d', '4', 10_000); // evicts b, the oldest written
  expect(await store.get('b')).toBeUndefined();
  expect((await store.list('', 10)).map((e) => e.key).sort()).toEqual(['a', 'c', 'd']);
  expect(await store.setIfAbsent('e', '5', 10_000)).toBe(true); // evicts c
  expect(await store.get('c')).toBeUndefined();
  expect((await store.increment('f', 10_000)).count).toBe(1); // evicts a
  expect((await store.list('', 10)).map((e) => e.key).sort()).toEqual(['d', 'e', 'f']);
  await store.close();
});

test('expired entries are swept in the background', async () => {
  const store = createMemoryStore({ sweepIntervalMs: 20, maxEntries: 2 });
  await store.set('a', '1', 10_000);
  await store.set('short', 'x', 10);
  await Bun.sleep(60);
  // 'short' was swept, so 'b' fits without evicting 'a' (the oldest, which a full store would drop).
  await store.set('b', '2', 10_000);
  expect(await store.get('a')).toBe('1');
  expect(await store.get('b')).toBe('2');
  await store.close();
});

test('maxEntries must be a positive integer', () => {
  expect(() => createMemoryStore({ maxEntries: 0 })).toThrow(RangeError);
});
