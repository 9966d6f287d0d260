import { expect, test } from 'bun:test';
import { createMemoryCounterStore } from './counter-store.ts';

test('counts up until the TTL set at creation, then starts over', async () => {
  let t = 0;
  const store = createMemoryCounterStore({ now: () => t });
  expect(await store.increment('k', 100)).toEqual({ count: 1, expiresAt: 100 });
  t = 50;
  expect(await store.increment('k', 100)).toEqual({ count: 2, expiresAt: 100 });
  expect(await store.get('k')).toEqual({ count: 2, expiresAt: 100 });
  t = 100;
  expect(await store.get('k')).toBeUndefined();
  expect(await store.increment('k', 100)).toEqual({ count: 1, expiresAt: 200 });
});

test('giving back never creates a counter nor goes below zero', async () => {
  const store = createMemoryCounterStore({ now: () => 0 });
  expect((await store.increment('k', 100, -1)).count).toBe(0);
  expect(await store.get('k')).toBeUndefined();
  await store.increment('k', 100);
  expect((await store.increment('k', 100, -5)).count).toBe(0);
  await store.delete('k');
  expect(await store.get('k')).toBeUndefined();
});

test('holds at most maxKeys counters, forgetting the oldest', async () => {
  const store = createMemoryCounterStore({ maxKeys: 2, now: () => 0 });
  await store.increment('a', 100);
  await store.increment('b', 100);
  await store.increment('c', 100);
  expect(await store.get('a')).toBeUndefined();
  expect((await store.get('c'))?.count).toBe(1);
});
