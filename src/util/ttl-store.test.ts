import { expect, setSystemTime, test, afterEach } from 'bun:test';
import { createTtlStore } from './ttl-store.ts';

afterEach(() => setSystemTime());

test('get, set and delete; entries vanish once their ttl has passed', () => {
  setSystemTime(new Date(1_000_000));
  const store = createTtlStore<string>();
  store.set('a', 'x', 100);
  expect(store.get('a')).toBe('x');
  setSystemTime(new Date(1_000_100));
  expect(store.get('a')).toBeUndefined();
  store.set('b', 'y', 100);
  expect(store.delete('b')).toBe(true);
  expect(store.delete('b')).toBe(false);
});

test('incr counts in a window that keeps the expiry of its first call, and says when it ends', () => {
  setSystemTime(new Date(1_000_000));
  const store = createTtlStore<number>();
  expect(store.incr('k', 1000)).toEqual({ count: 1, expiresAt: 1_001_000 });
  setSystemTime(new Date(1_000_600));
  expect(store.incr('k', 1000)).toEqual({ count: 2, expiresAt: 1_001_000 });
  setSystemTime(new Date(1_001_000));
  expect(store.incr('k', 1000)).toEqual({ count: 1, expiresAt: 1_002_000 });
  expect(store.get('k')).toBe(1);
});

test('incr continues a number set by hand and restarts anything else, keeping its expiry', () => {
  setSystemTime(new Date(1_000_000));
  const store = createTtlStore<unknown>();
  store.set('n', 5, 500);
  expect(store.incr('n', 1000)).toEqual({ count: 6, expiresAt: 1_000_500 });
  store.set('s', 'text', 500);
  expect(store.incr('s', 1000)).toEqual({ count: 1, expiresAt: 1_000_500 });
});

test("incr's result still works where the bare count it used to return was compared or printed", () => {
  const store = createTtlStore<number>();
  const result = store.incr('k', 1000) as unknown as number;
  expect(result > 0 && result < 2 && result >= 1 && result + 1 === 2).toBe(true);
  expect(`${result}`).toBe('1');
  expect(Object.keys(result)).toEqual(['count', 'expiresAt']);
  expect(JSON.parse(JSON.stringify(result))).toEqual({ count: 1, expiresAt: expect.any(Number) });
});

test('when full, the oldest entry is evicted', () => {
  const store = createTtlStore<number>({ maxEntries: 2 });
  store.set('a', 1, 10_000);
  store.set('b', 2, 10_000);
  store.set('c', 3, 10_000);
  expect([store.get('a'), store.get('b'), store.get('c')]).toEqual([undefined, 2, 3]);
});
