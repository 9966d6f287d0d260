/**
 * The redis backend beyond the shared contract (store.test.ts), against a real redis-server:
 * two clients sharing it, prefixes, passwords, and availability — Redis stopped mid-run (calls
 * reject fast with StateUnavailableError, ping false, no hang), restarted on the same port (calls
 * and subscriptions work again without a restart), frozen (calls time out), absent at start.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryLogger } from '../../test/support/memory-logger.ts';
import { redisOrSkip, startRedis, type RedisServer } from '../../test/support/redis.ts';
import { freePort } from '../../test/support/process.ts';
import { createRedisStore } from './redis-store.ts';
import { StateUnavailableError, type StateStore } from './store.ts';
import { toolOrSkip } from '../../test/support/required-tool.ts';

async function waitUntil(condition: () => boolean | Promise<boolean>, ms: number, stepMs = 10): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await Bun.sleep(stepMs);
  }
  return condition();
}

/** How long a call took and how it ended. */
async function timed<T>(call: () => Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const started = Date.now();
  try {
    const value = await call();
    return { ms: Date.now() - started, value };
  } catch (error) {
    return { ms: Date.now() - started, error };
  }
}

const bin = redisOrSkip('the redis state store tests');
const suite = bin ? describe : describe.skip;
let run = 0;
const uniquePrefix = () => `rt-${process.pid}-${++run}:`;

suite('redis store shared by two clients', () => {
  let server: RedisServer;
  let a: StateStore;
  let b: StateStore;
  beforeAll(async () => {
    server = await startRedis({ bin });
    const prefix = uniquePrefix();
    a = createRedisStore(server.url, { prefix });
    b = createRedisStore(server.url, { prefix });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await server?.stop();
  });

  test('one-time use: 50 concurrent calls from two clients, exactly one wins', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).setIfAbsent('once', `v${i}`, 10_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect(await a.get('once')).toBe(`v${winner}`);
    expect(await b.get('once')).toBe(`v${winner}`);
  });

  test('200 concurrent increments from two clients count to 200', async () => {
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).increment('hits', 10_000)));
    expect(new Set(results.map((r) => r.count)).size).toBe(200);
    expect(await b.get('hits')).toBe('200');
  });

  test('each sees what the other wrote and lists it', async () => {
    await a.set('session:1', '{"u":"ann"}', 10_000);
    await b.set('session:2', '{"u":"bob"}', 10_000);
    const listed = (await a.list('session:', 10)).sort((x, y) => x.key.localeCompare(y.key));
    expect(listed).toEqual([
      { key: 'session:1', value: '{"u":"ann"}' },
      { key: 'session:2', value: '{"u":"bob"}' },
    ]);
    await b.delete('session:1');
    expect(await a.get('session:1')).toBeUndefined();
  });

  test('a publish from one client reaches subscribers of both within 1 s', async () => {
    const gotA: string[] = [];
    const gotB: string[] = [];
    const stopA = a.subscribe('changes', (m) => gotA.push(m));
    const stopB = b.subscribe('changes', (m) => gotB.push(m));
    await Bun.sleep(150);
    const sent = Date.now();
    await b.publish('changes', 'revoked:42');
    expect(await waitUntil(() => gotA.length === 1 && gotB.length === 1, 1000)).toBe(true);
    expect(Date.now() - sent).toBeLessThan(1000);
    expect(gotA).toEqual(['revoked:42']);
    stopA();
    stopB();
  });

  test('list pages through SCAN, bounded', async () => {
    const prefix = uniquePrefix();
    const small = createRedisStore(server.url, { prefix, listScanCount: 10, listMaxScans: 3 });
    const big = createRedisStore(server.url, { prefix, listScanCount: 10 });
    await Promise.all(Array.from({ length: 120 }, (_, i) => small.set(`k:${i}`, String(i), 10_000)));
    expect((await big.list('k:', 1000)).length).toBe(120);
    expect((await big.list('k:', 25)).length).toBe(25);
    // three SCANs of COUNT 10 cannot see all 120 keys: a bounded, partial answer
    expect((await small.list('k:', 1000)).length).toBeLessThan(120);
    await small.close();
    await big.close();
  });

  test('prefixes keep deployments apart, keys and channels', async () => {
    const other = createRedisStore(server.url, { prefix: uniquePrefix() });
    await a.set('shared-name', 'mine', 10_000);
    expect(await other.get('shared-name')).toBeUndefined();
    expect(await other.list('', 100)).toEqual([]);
    const got: string[] = [];
    const stop = other.subscribe('changes', (m) => got.push(m));
    await Bun.sleep(150);
    await a.publish('changes', 'not for you');
    await Bun.sleep(200);
    expect(got).toEqual([]);
    stop();
    await other.close();
  });
});

suite('redis store with a password', () => {
  let server: RedisServer;
  const password = 'p@ss:w/rd with space';
  beforeAll(async () => {
    server = await startRedis({ bin, password });
  });
  afterAll(async () => {
    await server?.stop();
  });

  test('the password in the URL (percent-encoded) is used', async () => {
    const store = createRedisStore(server.url, { prefix: uniquePrefix() });
    await store.set('k', 'v', 10_000);
    expect(await store.get('k')).toBe('v');
    expect(await store.ping()).toBe(true);
    await store.close();
  });

  test('a wrong password: calls reject with StateUnavailableError in time, ping false, the password never logged', async () => {
    const log = memoryLogger();
    const store = createRedisStore(`redis://:${encodeURIComponent('wrong-secret')}@127.0.0.1:${server.port}`, { callTimeoutMs: 500, log });
    const result = await timed(() => store.get('k'));
    expect(result.error).toBeInstanceOf(StateUnavailableError);
    expect(result.ms).toBeLessThan(1000);
    expect(await store.ping()).toBe(false);
    expect(log.lines.some((l) => l.level === 'warn')).toBe(true);
    expect(JSON.stringify(log.lines)).not.toContain('wrong-secret');
    await store.close();
  });
});

suite('redis store over TLS (rediss://)', () => {
  // The certificates are made with openssl, which .ci/run installs: missing, it skips only locally.
  const openssl = toolOrSkip(Bun.which('openssl') ?? undefined, { name: 'openssl', lookedAt: 'PATH', aptPackage: 'openssl' }, 'the rediss:// certificate test');
  test.skipIf(!openssl)('the certificate is verified: trusted CA connects, an unknown one does not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-redis-tls-'));
    const certFile = join(dir, 'cert.pem');
    const keyFile = join(dir, 'key.pem');
    const made = Bun.spawnSync([openssl!, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdout: 'ignore', stderr: 'pipe' });
    expect(made.exitCode, made.stderr.toString()).toBe(0);
    const server = await startRedis({ bin, tls: { certFile, keyFile } });
    const trusting = createRedisStore(server.url, { prefix: uniquePrefix(), tls: { ca: readFileSync(certFile, 'utf8') } });
    const strict = createRedisStore(server.url, { prefix: uniquePrefix(), callTimeoutMs: 500 });
    try {
      expect(server.url).toStartWith('rediss://');
      await trusting.set('k', 'v', 10_000);
      expect(await trusting.get('k')).toBe('v');
      await expect(strict.get('k')).rejects.toBeInstanceOf(StateUnavailableError);
      expect(await strict.ping()).toBe(false);
    } finally {
      await trusting.close();
      await strict.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 20_000);
});

suite('redis store availability', () => {
  const CALL_MS = 400;
  /** Slack for a loaded test machine on top of the call timeout. */
  const SLACK_MS = 400;

  test('Redis stopped mid-run: calls reject fast, ping false; restarted: calls and subscriptions work again', async () => {
    const server = await startRedis({ bin });
    const log = memoryLogger();
    const prefix = uniquePrefix();
    const store = createRedisStore(server.url, { prefix, callTimeoutMs: CALL_MS, log });
    const publisher = createRedisStore(server.url, { prefix, callTimeoutMs: CALL_MS });
    const got: string[] = [];
    const stop = store.subscribe('events', (m) => got.push(m));
    try {
      await Bun.sleep(150);
      await store.set('before', 'v', 60_000);
      await publisher.publish('events', 'before');
      expect(await waitUntil(() => got.includes('before'), 1000)).toBe(true);

      await server.stop();
      // Every call, those racing the shutdown included, ends in time with StateUnavailableError.
      for (let i = 0; i < 10; i++) {
        const result = await timed<unknown>(() => (i % 2 ? store.increment('n', 60_000) : store.get('before')));
        expect(result.error).toBeInstanceOf(StateUnavailableError);
        expect(result.ms).toBeLessThan(CALL_MS + SLACK_MS);
      }
      // Once the loss is noticed, calls fail at once rather than waiting out the timeout.
      const fast = await timed(() => store.set('x', 'y', 1000));
      expect(fast.error).toBeInstanceOf(StateUnavailableError);
      expect(fast.ms).toBeLessThan(CALL_MS / 2);
      const ping = await timed(() => store.ping());
      expect(ping.value).toBe(false);
      expect(ping.ms).toBeLessThan(CALL_MS + SLACK_MS);
      expect(log.lines.some((l) => l.msg.includes('connection lost'))).toBe(true);

      await server.start(); // same port, empty (no persistence)
      expect(await waitUntil(() => store.ping(), 10_000, 100)).toBe(true);
      await store.set('after', 'w', 60_000);
      expect(await store.get('after')).toBe('w');
      expect((await store.increment('n', 60_000)).count).toBe(1);
      expect(log.lines.some((l) => l.msg.includes('connected again'))).toBe(true);

      // The subscription made before the outage is back: publish until it arrives (bounded).
      let k = 0;
      const resumed = await waitUntil(
        async () => {
          await publisher.publish('events', `after-${++k}`).catch(() => {});
          return got.some((m) => m.startsWith('after-'));
        },
        10_000,
        100,
      );
      expect(resumed).toBe(true);
      // And a new one works too.
      const fresh: string[] = [];
      const stopFresh = store.subscribe('fresh', (m) => fresh.push(m));
      await Bun.sleep(150);
      await publisher.publish('fresh', 'hi');
      expect(await waitUntil(() => fresh.length === 1, 1000)).toBe(true);
      stopFresh();
    } finally {
      stop();
      await store.close();
      await publisher.close();
      await server.stop();
    }
  }, 40_000);

  test('Redis frozen (SIGSTOP): calls time out with StateUnavailableError, then fail fast; thawed: back to work', async () => {
    const server = await startRedis({ bin });
    const store = createRedisStore(server.url, { prefix: uniquePrefix(), callTimeoutMs: CALL_MS, connectTimeoutMs: 500 });
    try {
      await store.set('k', 'v', 60_000);
      server.pause();
      const first = await timed(() => store.get('k'));
      expect(first.error).toBeInstanceOf(StateUnavailableError);
      expect(first.ms).toBeGreaterThanOrEqual(CALL_MS - 20);
      expect(first.ms).toBeLessThan(CALL_MS + SLACK_MS);
      // The timeout made the store PING; when that times out too the connection is dropped.
      expect(
        await waitUntil(async () => {
          const r = await timed(() => store.get('k'));
          return r.error instanceof StateUnavailableError && r.ms < 100;
        }, 5000, 50),
      ).toBe(true);
      expect(await store.ping()).toBe(false);
      server.resume();
      expect(await waitUntil(() => store.ping(), 10_000, 100)).toBe(true);
      expect(await store.get('k')).toBe('v');
    } finally {
      server.resume();
      await store.close();
      await server.stop();
    }
  }, 30_000);

  test('Redis absent at start: calls reject in time; when it appears, the store works without a restart', async () => {
    const port = freePort();
    const store = createRedisStore(`redis://127.0.0.1:${port}`, { prefix: uniquePrefix(), callTimeoutMs: CALL_MS });
    let server: RedisServer | undefined;
    try {
      const result = await timed(() => store.get('k'));
      expect(result.error).toBeInstanceOf(StateUnavailableError);
      expect(result.ms).toBeLessThan(CALL_MS + SLACK_MS);
      expect(await store.ping()).toBe(false);
      server = await startRedis({ bin, port });
      expect(await waitUntil(() => store.ping(), 10_000, 100)).toBe(true);
      await store.set('k', 'v', 10_000);
      expect(await store.get('k')).toBe('v');
    } finally {
      await store.close();
      await server?.stop();
    }
  }, 30_000);

  test('close while down: no hang, later calls reject', async () => {
    const store = createRedisStore(`redis://127.0.0.1:${freePort()}`, { callTimeoutMs: CALL_MS });
    await timed(() => store.get('k'));
    const closing = await timed(() => store.close());
    expect(closing.ms).toBeLessThan(250);
    await expect(store.get('k')).rejects.toBeInstanceOf(StateUnavailableError);
  });
});
