import { expect, test } from 'bun:test';
import { makeRoom } from './make-room.ts';

test('below the bound nothing goes; at it the oldest go first, a sixteenth at once', () => {
  const map = new Map<number, number>();
  for (let i = 0; i < 64; i++) map.set(i, i);
  makeRoom(map, 65);
  expect(map.size).toBe(64);
  makeRoom(map, 64);
  expect(map.size).toBe(60);
  expect([...map.keys()].slice(0, 2)).toEqual([4, 5]);
});

test('a map over its bound is brought under it, and a tiny bound still evicts one', () => {
  const map = new Map([[1, 1], [2, 2], [3, 3]]);
  makeRoom(map, 2);
  expect([...map.keys()]).toEqual([3]);
  makeRoom(map, 1);
  expect(map.size).toBe(0);
});
