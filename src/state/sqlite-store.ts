/**
 * The `sqlite:PATH` state backend: one database file shared by the worker processes of one
 * machine (each opens it; SQLite's locks make them agree). WAL mode, so readers never wait for
 * the writer; `busy_timeout` bounds how long a writer waits for another (then the call rejects
 * with StateUnavailableError). Every write is one UPSERT statement or one `BEGIN IMMEDIATE`
 * transaction, so it is atomic across processes.
 *
 * The change feed is the `events` table: `publish` inserts a row; each process with subscribers
 * polls for rows above the last id it has seen (every ~200 ms) and hands them to its listeners.
 * Expired rows and old events are pruned periodically, a bounded batch at a time.
 *
 * bun:sqlite is synchronous: a call that waits for a lock blocks this process's event loop for
 * up to `busy_timeout`. Writes are tiny transactions, so in practice the wait is microseconds.
 * Do not put the file on a network file system (WAL needs shared memory on one machine).
 */
import { Database, type Statement } from 'bun:sqlite';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Logger } from '../plugin-api/index.ts';
import { silentLogger } from '../log/logger.ts';
import { StateUnavailableError, type StateStore } from './store.ts';
import { addClamped, checkBy, checkLimit, checkTtl, DEFAULT_CALL_TIMEOUT_MS, Listeners, parseCounter } from './shared.ts';

export interface SqliteStoreOptions {
  /** How long a call waits for another process's write lock (`busy_timeout`). Default 1,000 ms. */
  callTimeoutMs?: number;
  /** How often subscribers look for new events. Default 200 ms. */
  pollIntervalMs?: number;
  /** How often expired rows and old events are pruned. Default 5,000 ms. */
  pruneIntervalMs?: number;
  /** How long events are kept for slow pollers. Default 60,000 ms. */
  eventRetentionMs?: number;
  /** Rows deleted per prune batch (at most 10 batches per prune). Default 1,000. */
  pruneBatch?: number;
  /** Entries a `list` call looks at before it stops (expired ones included). Default 100,000. */
  listScanLimit?: number;
  log?: Logger;
}

const SCHEMA_VERSION = 1;
/** Events handed out per poll, at most (a busier feed is drained over several polls). */
const POLL_BATCH = 1000;
const PRUNE_BATCHES = 10;

/**
 * A state store in the SQLite file `path` (created with its parent directory, mode 0600/0700).
 *
 * @param path the database file; relative paths resolve against the working directory
 * @param options.callTimeoutMs `busy_timeout`, how long a call waits for a lock (default 1,000 ms)
 * @param options.pollIntervalMs how often subscribers poll the events table (default 200 ms)
 * @param options.pruneIntervalMs how often expired rows and old events are pruned (default 5,000 ms)
 * @param options.eventRetentionMs how long events are kept (default 60,000 ms)
 * @param options.pruneBatch rows per prune batch, at most 10 batches per prune (default 1,000)
 * @param options.listScanLimit rows a `list` call examines at most (default 100,000)
 * @param options.log logger for background failures (default silent)
 */
export function createSqliteStore(path: string, options: SqliteStoreOptions = {}): StateStore {
  const log = options.log ?? silentLogger;
  const file = resolve(path);
  const busyMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  const pollMs = options.pollIntervalMs ?? 200;
  const retentionMs = options.eventRetentionMs ?? 60_000;
  const batch = options.pruneBatch ?? 1000;
  const scanLimit = options.listScanLimit ?? 100_000;

  const unavailable = (error: unknown) => {
    if (error instanceof StateUnavailableError) return error;
    const code = (error as { code?: unknown })?.code;
    const message = error instanceof Error ? error.message : String(error);
    return new StateUnavailableError('sqlite', `${typeof code === 'string' ? `${code}: ` : ''}${message}`, { cause: error });
  };

  const db = openDatabase(file, busyMs);
  let closed = false;

  const q = {
    get: db.query<{ value: string }, [string, number]>('SELECT value FROM kv WHERE key = ?1 AND expires_at > ?2'),
    getRow: db.query<{ value: string; expires_at: number }, [string]>('SELECT value, expires_at FROM kv WHERE key = ?1'),
    set: db.query<never, [string, string, number]>(
      'INSERT INTO kv (key, value, expires_at) VALUES (?1, ?2, ?3) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at',
    ),
    setIfAbsent: db.query<never, [string, string, number, number]>(
      'INSERT INTO kv (key, value, expires_at) VALUES (?1, ?2, ?3) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at WHERE kv.expires_at <= ?4',
    ),
    updateValue: db.query<never, [string, string]>('UPDATE kv SET value = ?2 WHERE key = ?1'),
    delete: db.query<never, [string]>('DELETE FROM kv WHERE key = ?1'),
    list: db.query<{ key: string; value: string; expires_at: number }, [string]>('SELECT key, value, expires_at FROM kv WHERE key >= ?1 ORDER BY key'),
    publish: db.query<never, [string, string, number]>('INSERT INTO events (channel, message, at) VALUES (?1, ?2, ?3)'),
    lastEvent: db.query<{ id: number | null }, []>('SELECT max(id) AS id FROM events'),
    events: db.query<{ id: number; channel: string; message: string }, [number, number]>(
      'SELECT id, channel, message FROM events WHERE id > ?1 ORDER BY id LIMIT ?2',
    ),
    pruneKv: db.query<never, [number, number]>('DELETE FROM kv WHERE key IN (SELECT key FROM kv WHERE expires_at <= ?1 LIMIT ?2)'),
    pruneEvents: db.query<never, [number, number]>('DELETE FROM events WHERE id IN (SELECT id FROM events WHERE at < ?1 ORDER BY id LIMIT ?2)'),
    ping: db.query<{ one: number }, []>('SELECT 1 AS one FROM sqlite_master LIMIT 1'),
  };

  /** Runs `fn` against the open database; SQLite failures become StateUnavailableError. */
  const run = <T>(fn: () => T): T => {
    if (closed) throw new StateUnavailableError('sqlite', 'the store is closed');
    try {
      return fn();
    } catch (error) {
      if (error instanceof TypeError || error instanceof RangeError) throw error;
      throw unavailable(error);
    }
  };

  const incrementTx = db.transaction((key: string, ttl: number, by: number) => {
    const now = Date.now();
    const row = q.getRow.get(key);
    if (row && row.expires_at > now) {
      const count = addClamped(parseCounter(key, row.value), by);
      q.updateValue.run(key, String(count));
      return { count, expiresAt: row.expires_at };
    }
    if (by < 0) return { count: 0, expiresAt: now };
    q.set.run(key, String(by), now + ttl);
    return { count: by, expiresAt: now + ttl };
  });

  // ---- change feed ----
  const listeners = new Listeners(log);
  let lastSeen = 0;
  let poller: ReturnType<typeof setInterval> | undefined;
  let pollFailing = false;
  const poll = () => {
    if (closed) return;
    try {
      const rows = q.events.all(lastSeen, POLL_BATCH);
      if (pollFailing) log.info('state store (sqlite) change feed readable again', { file });
      pollFailing = false;
      for (const row of rows) {
        lastSeen = row.id;
        listeners.deliver(row.channel, row.message, row.id);
      }
    } catch (error) {
      if (!pollFailing) log.warn('state store (sqlite) change feed poll failed', { file, error: unavailable(error).message });
      pollFailing = true;
    }
  };
  const newestEvent = () => q.lastEvent.get()?.id ?? 0;

  // ---- pruning ----
  const prune = () => {
    if (closed) return;
    try {
      const now = Date.now();
      for (let i = 0; i < PRUNE_BATCHES && q.pruneKv.run(now, batch).changes >= batch; i++);
      for (let i = 0; i < PRUNE_BATCHES && q.pruneEvents.run(now - retentionMs, batch).changes >= batch; i++);
    } catch (error) {
      log.debug('state store (sqlite) prune skipped', { file, error: unavailable(error).message });
    }
  };
  const pruner = setInterval(prune, options.pruneIntervalMs ?? 5000);
  pruner.unref?.();

  return {
    kind: 'sqlite',
    async get(key) {
      return run(() => q.get.get(key, Date.now())?.value ?? undefined);
    },
    async set(key, value, ttlMs) {
      const ttl = checkTtl(ttlMs);
      run(() => q.set.run(key, value, Date.now() + ttl));
    },
    async setIfAbsent(key, value, ttlMs) {
      const ttl = checkTtl(ttlMs);
      return run(() => {
        const now = Date.now();
        return q.setIfAbsent.run(key, value, now + ttl, now).changes === 1;
      });
    },
    async increment(key, ttlMs, by) {
      const ttl = checkTtl(ttlMs);
      const step = checkBy(by);
      return run(() => incrementTx.immediate(key, ttl, step));
    },
    async delete(key) {
      run(() => q.delete.run(key));
    },
    async list(prefix, limit) {
      const most = checkLimit(limit);
      return run(() => {
        const out: { key: string; value: string }[] = [];
        if (most === 0) return out;
        const now = Date.now();
        let examined = 0;
        // Keys sharing a prefix are contiguous in key order: read from the prefix on, stop at the first that does not match.
        for (const row of q.list.iterate(prefix)) {
          if (!row.key.startsWith(prefix) || ++examined > scanLimit) break;
          if (row.expires_at <= now) continue;
          out.push({ key: row.key, value: row.value });
          if (out.length >= most) break;
        }
        return out;
      });
    },
    async publish(channel, message) {
      run(() => q.publish.run(channel, message, Date.now()));
    },
    subscribe(channel, listener) {
      if (closed) return () => {};
      let since = lastSeen;
      try {
        since = Math.max(lastSeen, newestEvent());
      } catch (error) {
        log.warn('state store (sqlite) could not read the change feed position', { file, error: unavailable(error).message });
      }
      if (!poller) {
        lastSeen = since;
        poller = setInterval(poll, pollMs);
        poller.unref?.();
      }
      const { remove } = listeners.add(channel, listener, since);
      return () => {
        remove();
        if (listeners.size === 0 && poller) {
          clearInterval(poller);
          poller = undefined;
        }
      };
    },
    async ping() {
      if (closed) return false;
      try {
        q.ping.get();
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(pruner);
      if (poller) clearInterval(poller);
      poller = undefined;
      listeners.clear();
      for (const statement of Object.values(q) as Statement[]) statement.finalize();
      db.close();
    },
  };
}

/** Opens (creating if need be) the database at `file` with WAL, busy_timeout and the schema. */
function openDatabase(file: string, busyMs: number): Database {
  const dir = dirname(file);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new Error(`state store (sqlite): cannot create the directory ${dir}: ${(error as Error).message}`, { cause: error });
  }
  const isNew = !existsSync(file);
  let db: Database;
  try {
    db = new Database(file, { create: true, readwrite: true, strict: true });
  } catch (error) {
    throw new Error(`state store (sqlite): cannot open ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    if (isNew) {
      try {
        chmodSync(file, 0o600); // sessions live here; SQLite gives the -wal and -shm files the same mode
      } catch {
        // another process may own it; the mode is theirs to choose
      }
    }
    // Set first: every later statement, the WAL switch included, then waits for other openers.
    db.run(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(busyMs))}`);
    const mode = switchToWal(db, busyMs);
    if (mode?.toLowerCase() !== 'wal') throw new Error(`journal_mode is ${mode}, not wal (is the file on a network file system?)`);
    db.run('PRAGMA synchronous = NORMAL');
    db.transaction(() => {
      const version = db.query<{ user_version: number }, []>('PRAGMA user_version').get()?.user_version ?? 0;
      if (version > SCHEMA_VERSION) throw new Error(`schema version ${version} is newer than this Gatehouse understands (${SCHEMA_VERSION})`);
      db.run('CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID');
      db.run('CREATE INDEX IF NOT EXISTS kv_expires_at ON kv (expires_at)');
      db.run('CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT NOT NULL, message TEXT NOT NULL, at INTEGER NOT NULL)');
      db.run('CREATE INDEX IF NOT EXISTS events_at ON events (at)');
      if (version < SCHEMA_VERSION) db.run(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    }).immediate();
  } catch (error) {
    db.close();
    throw new Error(`state store (sqlite): cannot prepare ${file}: ${(error as Error).message}`, { cause: error });
  }
  return db;
}

/**
 * `PRAGMA journal_mode = WAL`, retried: when two processes switch a brand-new file at the same
 * moment SQLite answers SQLITE_BUSY at once, without calling its busy handler, so the busy
 * timeout alone does not absorb it.
 */
function switchToWal(db: Database, busyMs: number): string | undefined {
  const deadline = Date.now() + Math.max(busyMs, 100);
  for (let attempt = 0; ; attempt++) {
    try {
      return db.query<{ journal_mode: string }, []>('PRAGMA journal_mode = WAL').get()?.journal_mode;
    } catch (error) {
      if (!/locked|busy/i.test((error as Error).message) || Date.now() >= deadline) throw error;
      Bun.sleepSync(Math.min(5 + attempt * 5, 50));
    }
  }
}
