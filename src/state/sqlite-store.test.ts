/**
 * The sqlite backend beyond the shared contract (store.test.ts): several processes on one file
 * (counts, one-time use, the change feed both ways), opening a new file from several processes at
 * once, a held lock (bounded by busy_timeout), pruning, and the file it creates.
 */
import { Database } from 'bun:sqlite';
import { afterAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUN, spawnProcess, type Spawned } from '../../test/support/process.ts';
import { createSqliteStore } from './sqlite-store.ts';
import { StateUnavailableError } from './store.ts';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-sqlite-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshFile = () => join(dir, `db${++n}`, 'state.db');

async function waitUntil(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await Bun.sleep(10);
  }
  return condition();
}

/**
 * The other process. `work FILE GO N`: opens FILE, subscribes to `to-child`, says ready, waits
 * for the GO file, then N times increments `hits` and tries `once:(i % 50)`; publishes on `feed`;
 * waits (≤ 2 s) for a message on `to-child`; prints what it won and got. `open FILE`: opens FILE
 * and increments `opened` once.
 */
const PEER = join(dir, 'peer.ts');
writeFileSync(
  PEER,
  `import { createSqliteStore } from ${JSON.stringify(join(import.meta.dir, 'sqlite-store.ts'))};
import { existsSync } from 'node:fs';
const [mode, file, go, count] = process.argv.slice(2);
const store = createSqliteStore(file);
if (mode === 'open') {
  const { count } = await store.increment('opened', 60_000);
  console.log(JSON.stringify({ opened: count }));
} else {
  const got = [];
  store.subscribe('to-child', (m) => got.push({ m, at: Date.now() }));
  console.log(JSON.stringify({ ready: true }));
  const deadline = Date.now() + 10_000;
  while (!existsSync(go) && Date.now() < deadline) await Bun.sleep(2);
  const wins = [];
  for (let i = 0; i < Number(count); i++) {
    await store.increment('hits', 60_000);
    if (await store.setIfAbsent('once:' + (i % 50), 'child', 60_000)) wins.push(i % 50);
    if (i % 7 === 0) await Bun.sleep(0);
  }
  await store.publish('feed', JSON.stringify({ from: 'child', at: Date.now() }));
  const until = Date.now() + 2000;
  while (got.length === 0 && Date.now() < until) await Bun.sleep(10);
  console.log(JSON.stringify({ wins, got }));
}
await store.close();
`,
);

async function finished(peer: Spawned, ms: number): Promise<number> {
  const timer = setTimeout(() => peer.kill('SIGKILL'), ms);
  const code = await peer.exited;
  clearTimeout(timer);
  return code;
}

describe('sqlite store shared by two processes', () => {
  test('counts add up, one-time use holds, and each sees the other publish within 1 s', async () => {
    const file = freshFile();
    const go = join(dir, `go${n}`);
    const store = createSqliteStore(file);
    const feed: { m: string; at: number }[] = [];
    const stop = store.subscribe('feed', (m) => feed.push({ m, at: Date.now() }));
    const peer = spawnProcess([BUN, PEER, 'work', file, go, '300']);
    try {
      await peer.waitForLog((l) => l.ready === true, 10_000, 'peer ready');
      writeFileSync(go, '');
      const wins: number[] = [];
      for (let i = 0; i < 300; i++) {
        await store.increment('hits', 60_000);
        if (await store.setIfAbsent(`once:${i % 50}`, 'parent', 60_000)) wins.push(i % 50);
        if (i % 7 === 0) await Bun.sleep(0);
      }
      const sentToChild = Date.now();
      await store.publish('to-child', 'hello child');
      const result = await peer.waitForLog((l) => Array.isArray(l.wins), 15_000, 'peer result');
      expect(await finished(peer, 5000)).toBe(0);

      expect(await store.get('hits')).toBe('600');
      const childWins = result.wins as number[];
      expect([...wins, ...childWins].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      for (let k = 0; k < 50; k++) expect(await store.get(`once:${k}`)).toBe(childWins.includes(k) ? 'child' : 'parent');

      const got = result.got as { m: string; at: number }[];
      expect(got.map((g) => g.m)).toEqual(['hello child']);
      expect(got[0]!.at - sentToChild).toBeLessThan(1000);

      expect(await waitUntil(() => feed.length > 0, 1000)).toBe(true);
      const published = JSON.parse(feed[0]!.m) as { from: string; at: number };
      expect(published.from).toBe('child');
      expect(feed[0]!.at - published.at).toBeLessThan(1000);
    } finally {
      stop();
      peer.kill('SIGKILL');
      await store.close();
    }
  }, 30_000);

  test('one-time use across processes succeeds over an expired row', async () => {
    const file = freshFile();
    const store = createSqliteStore(file);
    await store.setIfAbsent('code', 'old', 30);
    await Bun.sleep(60);
    const peer = spawnProcess([BUN, '-e', `import { createSqliteStore } from ${JSON.stringify(join(import.meta.dir, 'sqlite-store.ts'))};
const s = createSqliteStore(${JSON.stringify(file)});
console.log(JSON.stringify({ won: await s.setIfAbsent('code', 'new', 60000) }));
await s.close();`]);
    const line = await peer.waitForLog((l) => typeof l.won === 'boolean', 10_000, 'peer setIfAbsent');
    expect(await finished(peer, 5000)).toBe(0);
    expect(line.won).toBe(true);
    expect(await store.setIfAbsent('code', 'mine', 60_000)).toBe(false);
    expect(await store.get('code')).toBe('new');
    await store.close();
  }, 20_000);

  test('a new file opened by five processes at once: schema made once, every open works', async () => {
    const file = freshFile();
    const peers = Array.from({ length: 5 }, () => spawnProcess([BUN, PEER, 'open', file]));
    const codes = await Promise.all(peers.map((p) => finished(p, 15_000)));
    expect(codes, peers.map((p) => p.stderr.join('\n')).join('\n')).toEqual([0, 0, 0, 0, 0]);
    const store = createSqliteStore(file);
    expect(await store.get('opened')).toBe('5');
    await store.close();
  }, 30_000);
});

describe('sqlite store', () => {
  test('creates the parent directory, a WAL database, owner-only', async () => {
    const file = join(dir, 'deep', 'er', 'state.db');
    const store = createSqliteStore(file);
    await store.set('k', 'v', 1000);
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const raw = new Database(file, { readonly: true });
    expect(raw.query<{ journal_mode: string }, []>('PRAGMA journal_mode').get()?.journal_mode).toBe('wal');
    raw.close();
    await store.close();
  });

  test('a file that is not a database is a clear error at open', () => {
    const file = join(dir, 'not-a-db');
    writeFileSync(file, 'hello, this is not sqlite '.repeat(100));
    expect(() => createSqliteStore(file)).toThrow(/state store \(sqlite\): cannot (open|prepare)/);
  });

  test('a write lock held elsewhere: the call rejects with StateUnavailableError within busy_timeout', async () => {
    const file = freshFile();
    const store = createSqliteStore(file, { callTimeoutMs: 200 });
    await store.set('k', 'v', 10_000);
    const holder = new Database(file);
    holder.run('BEGIN IMMEDIATE');
    try {
      const started = Date.now();
      await expect(store.set('k', 'w', 10_000)).rejects.toBeInstanceOf(StateUnavailableError);
      await expect(store.increment('n', 10_000)).rejects.toBeInstanceOf(StateUnavailableError);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(300);
      expect(elapsed).toBeLessThan(1500);
      expect(await store.get('k')).toBe('v'); // WAL: reads go on
    } finally {
      holder.run('ROLLBACK');
      holder.close();
    }
    await store.set('k', 'w', 10_000);
    expect(await store.get('k')).toBe('w');
    await store.close();
  });

  test('expired rows and old events are pruned in the background', async () => {
    const file = freshFile();
    const store = createSqliteStore(file, { pruneIntervalMs: 50, eventRetentionMs: 100, pruneBatch: 10 });
    for (let i = 0; i < 35; i++) await store.set(`short:${i}`, 'x', 20);
    await store.set('long', 'y', 60_000);
    for (let i = 0; i < 5; i++) await store.publish('c', `m${i}`);
    const raw = new Database(file, { readonly: true });
    const rows = () => raw.query<{ n: number }, []>('SELECT count(*) AS n FROM kv').get()!.n;
    const events = () => raw.query<{ n: number }, []>('SELECT count(*) AS n FROM events').get()!.n;
    expect(rows()).toBe(36);
    expect(await waitUntil(() => rows() === 1 && events() === 0, 3000)).toBe(true);
    expect(await store.get('long')).toBe('y');
    raw.close();
    await store.close();
  });

  test('a subscriber in one connection sees another connection publish; unsubscribing stops it', async () => {
    const file = freshFile();
    const a = createSqliteStore(file, { pollIntervalMs: 50 });
    const b = createSqliteStore(file);
    const got: string[] = [];
    const stop = a.subscribe('ch', (m) => got.push(m));
    await b.publish('ch', 'one');
    expect(await waitUntil(() => got.length === 1, 1000)).toBe(true);
    stop();
    await b.publish('ch', 'two');
    await Bun.sleep(150);
    expect(got).toEqual(['one']);
    await a.close();
    await b.close();
  });
});
