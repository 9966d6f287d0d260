/**
 * The StateStore contract, run against all three backends: memory, sqlite (a temporary file) and
 * redis (a real redis-server from test/support/redis.ts; skipped with a loud warning when it is
 * not installed, a failure in CI).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisOrSkip, startRedis, type RedisServer } from '../../test/support/redis.ts';
import { createMemoryStore } from './memory-store.ts';
import { createRedisStore } from './redis-store.ts';
import { createSqliteStore } from './sqlite-store.ts';
import { isStateUnavailable, StateUnavailableError, type StateStore } from './store.ts';

/** Polls `condition` every 10 ms until it holds or `ms` pass (bounded); returns whether it held. */
async function waitUntil(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await Bun.sleep(10);
  }
  return condition();
}

/** Time for a new subscription to be in place (Redis: the SUBSCRIBE round trip). */
const SUBSCRIBE_SETTLE_MS = 150;

function contract(name: string, make: () => StateStore) {
  describe(`StateStore contract: ${name}`, () => {
    let store: StateStore;
    beforeAll(() => {
      store = make();
    });
    afterAll(async () => {
      await store.close();
    });
    let n = 0;
    /** A key no other test uses. */
    const key = (what: string) => `t${++n}:${what}`;

    test('kind', () => {
      expect(store.kind).toBe(name as StateStore['kind']);
    });

    test('get / set / overwrite / delete', async () => {
      const k = key('a');
      expect(await store.get(k)).toBeUndefined();
      await store.set(k, 'one', 10_000);
      expect(await store.get(k)).toBe('one');
      await store.set(k, '{"json":"two"}', 10_000);
      expect(await store.get(k)).toBe('{"json":"two"}');
      await store.delete(k);
      expect(await store.get(k)).toBeUndefined();
      await store.delete(k); // absent: no error
      await store.set(k, '', 10_000);
      expect(await store.get(k)).toBe('');
    });

    test('keys and values are opaque strings (unicode, glob and SQL characters)', async () => {
      const k = key("ü*?[x]\\'; DROP TABLE kv; --");
      const value = 'ünïcødé 🎉 \n "quoted" \u0000 end';
      await store.set(k, value, 10_000);
      expect(await store.get(k)).toBe(value);
    });

    test('an expired entry is never returned', async () => {
      const k = key('exp');
      await store.set(k, 'v', 60);
      expect(await store.get(k)).toBe('v');
      await Bun.sleep(120);
      expect(await store.get(k)).toBeUndefined();
      expect(await store.list(k, 10)).toEqual([]);
    });

    test('set resets the expiry', async () => {
      const k = key('reset');
      await store.set(k, 'v', 60);
      await store.set(k, 'w', 10_000);
      await Bun.sleep(120);
      expect(await store.get(k)).toBe('w');
    });

    test('setIfAbsent: once, then false until it expires', async () => {
      const k = key('once');
      expect(await store.setIfAbsent(k, 'first', 80)).toBe(true);
      expect(await store.setIfAbsent(k, 'second', 80)).toBe(false);
      expect(await store.get(k)).toBe('first');
      await Bun.sleep(150);
      expect(await store.setIfAbsent(k, 'third', 10_000)).toBe(true);
      expect(await store.get(k)).toBe('third');
    });

    test('setIfAbsent: 50 concurrent calls, exactly one wins', async () => {
      const k = key('race');
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.setIfAbsent(k, `v${i}`, 10_000)));
      const winners = results.flatMap((won, i) => (won ? [i] : []));
      expect(winners).toHaveLength(1);
      expect(await store.get(k)).toBe(`v${winners[0]}`);
    });

    test('increment counts within a window that keeps its end', async () => {
      const k = key('count');
      const before = Date.now();
      const first = await store.increment(k, 10_000);
      expect(first.count).toBe(1);
      expect(first.expiresAt).toBeGreaterThanOrEqual(before + 10_000 - 50);
      expect(first.expiresAt).toBeLessThanOrEqual(Date.now() + 10_000 + 50);
      const second = await store.increment(k, 99_999);
      expect(second.count).toBe(2);
      expect(Math.abs(second.expiresAt - first.expiresAt)).toBeLessThanOrEqual(250);
      expect((await store.increment(k, 10_000, 5)).count).toBe(7);
      expect(await store.get(k)).toBe('7');
    });

    test('increment: 200 concurrent calls count to 200', async () => {
      const k = key('concurrent');
      const results = await Promise.all(Array.from({ length: 200 }, () => store.increment(k, 10_000)));
      expect(new Set(results.map((r) => r.count)).size).toBe(200);
      expect(Math.max(...results.map((r) => r.count))).toBe(200);
      expect(await store.get(k)).toBe('200');
    });

    test('increment: an expired window starts again at `by`', async () => {
      const k = key('window');
      await store.increment(k, 80);
      const second = await store.increment(k, 80);
      expect(second.count).toBe(2);
      await Bun.sleep(150);
      const fresh = await store.increment(k, 10_000, 3);
      expect(fresh.count).toBe(3);
      expect(fresh.expiresAt).toBeGreaterThan(second.expiresAt + 5_000);
    });

    test('increment with a negative `by` never creates a key nor goes below 0', async () => {
      const absent = key('neg-absent');
      const now = Date.now();
      const none = await store.increment(absent, 10_000, -1);
      expect(none.count).toBe(0);
      expect(none.expiresAt).toBeLessThanOrEqual(Date.now() + 50);
      expect(none.expiresAt).toBeGreaterThanOrEqual(now - 50);
      expect(await store.get(absent)).toBeUndefined();

      const k = key('neg');
      const start = await store.increment(k, 10_000, 3);
      const down = await store.increment(k, 99_999, -1);
      expect(down.count).toBe(2);
      expect(Math.abs(down.expiresAt - start.expiresAt)).toBeLessThanOrEqual(250);
      expect((await store.increment(k, 10_000, -5)).count).toBe(0);
      expect((await store.increment(k, 10_000, 2)).count).toBe(2);

      const expired = key('neg-expired');
      await store.increment(expired, 60, 4);
      await Bun.sleep(120);
      expect((await store.increment(expired, 10_000, -1)).count).toBe(0);
      expect(await store.get(expired)).toBeUndefined();
    });

    test('increment of a key that holds no counter is a TypeError', async () => {
      const k = key('text');
      await store.set(k, 'not a number', 10_000);
      await expect(store.increment(k, 10_000)).rejects.toBeInstanceOf(TypeError);
      expect(await store.get(k)).toBe('not a number');
    });

    test('bad arguments are RangeErrors, not outages', async () => {
      await expect(store.set(key('bad'), 'v', 0)).rejects.toBeInstanceOf(RangeError);
      await expect(store.set(key('bad'), 'v', -5)).rejects.toBeInstanceOf(RangeError);
      await expect(store.set(key('bad'), 'v', Number.NaN)).rejects.toBeInstanceOf(RangeError);
      await expect(store.increment(key('bad'), 1000, 1.5)).rejects.toBeInstanceOf(RangeError);
      await expect(store.list('x', -1)).rejects.toBeInstanceOf(RangeError);
    });

    test('list: live entries under a prefix, at most `limit`', async () => {
      const p = key('list') + ':';
      await store.set(`${p}a`, '1', 10_000);
      await store.set(`${p}b`, '2', 10_000);
      await store.set(`${p}c`, '3', 10_000);
      await store.set(`${p}gone`, 'x', 40);
      await store.set(`${p.slice(0, -1)}-other`, 'no', 10_000);
      await Bun.sleep(90);
      const all = await store.list(p, 100);
      expect(all.sort((x, y) => x.key.localeCompare(y.key))).toEqual([
        { key: `${p}a`, value: '1' },
        { key: `${p}b`, value: '2' },
        { key: `${p}c`, value: '3' },
      ]);
      const some = await store.list(p, 2);
      expect(some).toHaveLength(2);
      for (const entry of some) expect(all).toContainEqual(entry);
      expect(await store.list(p, 0)).toEqual([]);
      expect(await store.list(`${p}zzz`, 10)).toEqual([]);
    });

    test('list: a prefix with glob characters is taken literally', async () => {
      const p = key('glob*[a]?') + ':';
      await store.set(`${p}1`, 'yes', 10_000);
      await store.set(`${p.replace('*', 'X')}1`, 'no', 10_000);
      expect(await store.list(p, 10)).toEqual([{ key: `${p}1`, value: 'yes' }]);
    });

    test('publish reaches every subscriber of the channel, and only them', async () => {
      const channel = key('feed');
      const a: string[] = [];
      const b: string[] = [];
      const other: string[] = [];
      const stopA = store.subscribe(channel, (m) => a.push(m));
      const stopB = store.subscribe(channel, (m) => b.push(m));
      const stopOther = store.subscribe(key('elsewhere'), (m) => other.push(m));
      await Bun.sleep(SUBSCRIBE_SETTLE_MS);
      const sent = Date.now();
      await store.publish(channel, 'hello');
      await store.publish(channel, '{"n":2}');
      expect(await waitUntil(() => a.length === 2 && b.length === 2, 1000)).toBe(true);
      expect(Date.now() - sent).toBeLessThan(1000);
      expect(a).toEqual(['hello', '{"n":2}']);
      expect(b).toEqual(['hello', '{"n":2}']);
      stopA();
      await Bun.sleep(SUBSCRIBE_SETTLE_MS);
      await store.publish(channel, 'after');
      expect(await waitUntil(() => b.length === 3, 1000)).toBe(true);
      await Bun.sleep(50);
      expect(a).toEqual(['hello', '{"n":2}']);
      expect(other).toEqual([]);
      stopB();
      stopOther();
    });

    test('a subscriber gets what is published after it subscribed, not before', async () => {
      const channel = key('late');
      await store.publish(channel, 'before');
      const got: string[] = [];
      const stop = store.subscribe(channel, (m) => got.push(m));
      await Bun.sleep(SUBSCRIBE_SETTLE_MS + 250);
      await store.publish(channel, 'after');
      expect(await waitUntil(() => got.length >= 1, 1000)).toBe(true);
      await Bun.sleep(50);
      expect(got).toEqual(['after']);
      stop();
    });

    test('a throwing subscriber does not stop the others', async () => {
      const channel = key('throws');
      const got: string[] = [];
      const stopBad = store.subscribe(channel, () => {
        throw new Error('boom');
      });
      const stopGood = store.subscribe(channel, (m) => got.push(m));
      await Bun.sleep(SUBSCRIBE_SETTLE_MS);
      await store.publish(channel, 'x');
      expect(await waitUntil(() => got.length === 1, 1000)).toBe(true);
      stopBad();
      stopGood();
      stopGood(); // twice: harmless
    });

    test('ping answers true while up', async () => {
      expect(await store.ping()).toBe(true);
    });

    test('after close: calls reject with StateUnavailableError, ping is false', async () => {
      const other = make();
      await other.set('closing', 'v', 10_000);
      await other.close();
      await expect(other.get('closing')).rejects.toBeInstanceOf(StateUnavailableError);
      await expect(other.set('closing', 'v', 1000)).rejects.toBeInstanceOf(StateUnavailableError);
      const error = await other.increment('closing', 1000).catch((e: unknown) => e);
      expect(isStateUnavailable(error)).toBe(true);
      expect((error as StateUnavailableError).backend).toBe(other.kind);
      expect((error as Error).message).toContain(`state store (${other.kind}) unavailable`);
      expect(await other.ping()).toBe(false);
      await other.close(); // twice: harmless
    });
  });
}

contract('memory', () => createMemoryStore());

const sqliteDir = mkdtempSync(join(tmpdir(), 'gatehouse-state-contract-'));
afterAll(() => rmSync(sqliteDir, { recursive: true, force: true }));
contract('sqlite', () => createSqliteStore(join(sqliteDir, 'state.db')));

const redisBin = redisOrSkip('the redis StateStore contract');
let redis: RedisServer | undefined;
if (redisBin) {
  beforeAll(async () => {
    redis = await startRedis({ bin: redisBin });
  });
  afterAll(async () => {
    await redis?.stop();
  });
  const prefix = `contract-${process.pid}-${Date.now()}:`;
  contract('redis', () => createRedisStore(redis!.url, { prefix }));
}
