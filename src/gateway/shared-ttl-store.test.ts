import { afterEach, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryStore } from '../state/memory-store.ts';
import { createSqliteStore } from '../state/sqlite-store.ts';
import type { StateStore } from '../state/store.ts';
import { createSharedTtlStore, pluginNamespace } from './shared-ttl-store.ts';

const opened: StateStore[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const state of opened.splice(0)) await state.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function memory(): StateStore {
  const state = createMemoryStore();
  opened.push(state);
  return state;
}

const ns = pluginNamespace('routes[0]', 'rate-limit');

test('values round-trip as JSON under the plugin namespace; delete removes them', async () => {
  const state = memory();
  const store = createSharedTtlStore<{ n: number; tags: string[] }>(state, { namespace: ns });
  await store.set('alice', { n: 1, tags: ['a'] }, 60_000);
  expect(await store.get('alice')).toEqual({ n: 1, tags: ['a'] });
  expect(await state.get('plugin:routes[0]:rate-limit:alice')).toBe('{"n":1,"tags":["a"]}');
  await store.delete('alice');
  expect(await store.get('alice')).toBeUndefined();
  await store.delete('nobody');
});

test('incr counts atomically in a window and says when it ends; get reads the count', async () => {
  const store = createSharedTtlStore<number>(memory(), { namespace: ns });
  const before = Date.now();
  const first = await store.incr('k', 60_000);
  expect(first.count).toBe(1);
  expect(first.expiresAt).toBeGreaterThanOrEqual(before + 60_000);
  const counts = await Promise.all([1, 2, 3].map(() => store.incr('k', 60_000)));
  expect(counts.map((c) => c.count).sort()).toEqual([2, 3, 4]);
  expect(counts.every((c) => c.expiresAt === first.expiresAt)).toBe(true);
  expect(await store.get('k')).toBe(4);
});

test('two plugins, two routes, and plugin names with ":" never reach each other\'s keys', async () => {
  const state = memory();
  const a = createSharedTtlStore<number>(state, { namespace: pluginNamespace('routes[0]', 'a') });
  const b = createSharedTtlStore<number>(state, { namespace: pluginNamespace('routes[0]', 'b') });
  const other = createSharedTtlStore<number>(state, { namespace: pluginNamespace('routes[1]', 'a') });
  const tricky = createSharedTtlStore<number>(state, { namespace: pluginNamespace('routes[0]', 'a:x') });
  await a.incr('x:k', 60_000);
  expect((await a.incr('x:k', 60_000)).count).toBe(2);
  expect((await b.incr('x:k', 60_000)).count).toBe(1);
  expect((await other.incr('x:k', 60_000)).count).toBe(1);
  expect((await tricky.incr('k', 60_000)).count).toBe(1);
  expect(pluginNamespace('routes[0]', 'a:x')).toBe('plugin:routes[0]:a%3Ax:');
});

test('two stores on one SQLite file (two processes) share entries and counts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-shared-ttl-'));
  dirs.push(dir);
  const [one, two] = [createSqliteStore(join(dir, 'state.db')), createSqliteStore(join(dir, 'state.db'))];
  opened.push(one, two);
  const a = createSharedTtlStore<number>(one, { namespace: ns });
  const b = createSharedTtlStore<number>(two, { namespace: ns });
  await a.incr('ip:1', 60_000);
  await a.incr('ip:1', 60_000);
  expect((await b.incr('ip:1', 60_000)).count).toBe(3);
  await b.set('note', 7, 60_000);
  expect(await a.get('note')).toBe(7);
});

test('an unavailable state rejects every call with StateUnavailableError', async () => {
  const state = createMemoryStore();
  const store = createSharedTtlStore<number>(state, { namespace: ns });
  await state.close();
  for (const call of [() => store.get('k'), () => store.set('k', 1, 1000), () => store.delete('k'), () => store.incr('k', 1000)]) {
    await expect(call()).rejects.toMatchObject({ name: 'StateUnavailableError', message: expect.stringContaining('state store (memory) unavailable') });
  }
});

test('a state that does not answer is given up on after timeoutMs', async () => {
  const hanging = new Proxy({ kind: 'redis' } as StateStore, {
    get: (target, name) => (name === 'kind' ? target.kind : () => new Promise(() => {})),
  });
  const store = createSharedTtlStore<number>(hanging, { namespace: ns, timeoutMs: 50 });
  const started = Date.now();
  await expect(store.incr('k', 1000)).rejects.toMatchObject({ name: 'StateUnavailableError', message: 'state store (redis) unavailable: no answer within 50 ms' });
  expect(Date.now() - started).toBeLessThan(1000);
});

test('misuse is a TypeError or RangeError, not an outage', async () => {
  const state = memory();
  const store = createSharedTtlStore<unknown>(state, { namespace: ns });
  await expect(store.set('k', undefined, 1000)).rejects.toBeInstanceOf(TypeError);
  await expect(store.set('k', 1n, 1000)).rejects.toBeInstanceOf(TypeError);
  await expect(store.set('k', 1, 0)).rejects.toBeInstanceOf(RangeError);
  await expect(store.get(42 as unknown as string)).rejects.toBeInstanceOf(TypeError);
  await store.set('word', 'text', 1000);
  await expect(store.incr('word', 1000)).rejects.toBeInstanceOf(TypeError);
  await state.set(`${ns}raw`, 'not json', 1000);
  await expect(store.get('raw')).rejects.toThrow('key "raw" does not hold JSON');
});
