/**
 * The `redis://` / `rediss://` state backend: shared by every Gatehouse process on every machine
 * that points at the same Redis (or Valkey) and prefix. Bun's built-in RedisClient, two
 * connections: one for commands, one (opened on the first `subscribe`) for pub/sub, which Redis
 * requires to be separate.
 *
 * Availability: every call is bounded by `callTimeoutMs` (default 1 s) and rejects with
 * StateUnavailableError when it runs out. When a connection drops, calls reject at once (no
 * offline queue, no waiting) while the connection is re-made in the background with backoff
 * (100 ms doubling to 2 s); once it is back, calls work again and the subscriber connection
 * re-subscribes every channel that still has listeners. A call that times out on a connection
 * that looks open (a frozen server, a silent network) triggers a PING; when that times out too,
 * the connection is dropped and re-made, so later calls fail fast instead of each waiting.
 *
 * Atomicity: `setIfAbsent` is `SET NX PX`; `increment` is one Lua script (EVAL) that reads,
 * adds with INCRBY and sets the expiry only when it creates the key, so concurrent increments
 * from any number of machines never lose a count.
 */
import type { RedisClient, TLSOptions } from 'bun';
import type { Logger } from '../plugin-api/index.ts';
import { silentLogger } from '../log/logger.ts';
import { StateUnavailableError, type StateStore } from './store.ts';
import { Link, redactRedisUrl } from './redis-link.ts';
import { checkBy, checkLimit, checkTtl, DEFAULT_CALL_TIMEOUT_MS, Listeners, withTimeout } from './shared.ts';

export { redactRedisUrl };

export interface RedisStoreOptions {
  /** Put in front of every key and channel, so deployments can share one Redis. Default `gatehouse:`. */
  prefix?: string;
  /** Time limit of each call. Default 1,000 ms. */
  callTimeoutMs?: number;
  /** Time limit of one connection attempt. Default 2,000 ms. */
  connectTimeoutMs?: number;
  /** First delay before re-connecting after a failure; doubles each failure. Default 100 ms. */
  reconnectMinMs?: number;
  /** Longest delay between connection attempts. Default 2,000 ms. */
  reconnectMaxMs?: number;
  /** Keys asked of each SCAN by `list`. Default 1,000. */
  listScanCount?: number;
  /** SCAN calls a `list` makes at most (then it returns what it found). Default 100. */
  listMaxScans?: number;
  /** Time limit of a whole `list` call. Default 5 × callTimeoutMs. */
  listTimeoutMs?: number;
  /**
   * `rediss://` only: TLS settings, e.g. `{ ca }` for a private CA (or set NODE_EXTRA_CA_CERTS).
   * The server certificate is always verified against the URL's host unless told otherwise.
   */
  tls?: TLSOptions;
  log?: Logger;
}

/**
 * KEYS[1] the key; ARGV[1] by, ARGV[2] ttl ms. Returns {count, pttl}. A missing key is created
 * at `by` with the ttl (unless `by` is negative: then {0, 0}); a live one gets INCRBY, which keeps
 * its expiry, clamped so a negative `by` never takes it below 0.
 */
const INCREMENT_SCRIPT = `
local by = tonumber(ARGV[1])
local current = redis.call('GET', KEYS[1])
if not current then
  if by < 0 then return {0, 0} end
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return {by, tonumber(ARGV[2])}
end
if not string.match(current, '^%-?%d+$') then return redis.error_reply('ERR gatehouse: not a counter') end
local n = tonumber(current)
if by < 0 and n + by < 0 then by = -n end
local count = redis.call('INCRBY', KEYS[1], by)
local pttl = redis.call('PTTL', KEYS[1])
if pttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  pttl = tonumber(ARGV[2])
end
return {count, pttl}
`;

/** `text` with SCAN/KEYS glob characters escaped. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * A state store in Redis at `url` (`redis://[user:password@]host:port[/db]`, or `rediss://` for
 * TLS; a password with reserved characters must be percent-encoded). Connects at once, in the
 * background; calls made before the first connection wait for it (within their timeout).
 *
 * @param options.prefix in front of every key and channel (default `gatehouse:`)
 * @param options.callTimeoutMs time limit of each call (default 1,000 ms)
 * @param options.connectTimeoutMs time limit of one connection attempt (default 2,000 ms)
 * @param options.reconnectMinMs first re-connect delay, doubling per failure (default 100 ms)
 * @param options.reconnectMaxMs longest re-connect delay (default 2,000 ms)
 * @param options.listScanCount COUNT of each SCAN in `list` (default 1,000)
 * @param options.listMaxScans most SCAN calls per `list` (default 100)
 * @param options.listTimeoutMs time limit of a whole `list` (default 5 × callTimeoutMs)
 * @param options.tls TLS settings for `rediss://`, e.g. `{ ca }` (default: system CAs, verified)
 * @param options.log logger for connection changes and failing subscribers (default silent)
 */
export function createRedisStore(url: string, options: RedisStoreOptions = {}): StateStore {
  const log = options.log ?? silentLogger;
  const prefix = options.prefix ?? 'gatehouse:';
  const callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  const listTimeoutMs = options.listTimeoutMs ?? 5 * callTimeoutMs;
  const scanCount = options.listScanCount ?? 1000;
  const maxScans = options.listMaxScans ?? 100;
  const linkOptions = {
    connectTimeoutMs: options.connectTimeoutMs ?? 2000,
    callTimeoutMs,
    minDelayMs: options.reconnectMinMs ?? 100,
    maxDelayMs: options.reconnectMaxMs ?? 2000,
    tls: options.tls,
  };
  let closed = false;

  const commands = new Link(url, 'commands', linkOptions, log);
  commands.start();

  /** Sends one command within the time left before `deadline`, mapping failures. */
  const send = async <T>(what: string, args: string[], deadline = Date.now() + callTimeoutMs): Promise<T> => {
    if (closed) throw new StateUnavailableError('redis', 'the store is closed');
    const client = await commands.acquire(deadline);
    try {
      return (await withTimeout(client.send(what, args) as Promise<T>, deadline - Date.now(), () => {
        commands.suspect(client);
        return new StateUnavailableError('redis', `${what} got no answer within the time limit`);
      })) as T;
    } catch (error) {
      if (error instanceof StateUnavailableError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      if (message.includes('gatehouse: not a counter')) throw new TypeError(`state: key "${args[2]?.slice(prefix.length) ?? ''}" does not hold a counter`);
      throw new StateUnavailableError('redis', `${what} failed: ${message}`, { cause: error });
    }
  };

  // ---- change feed ----
  const listeners = new Listeners(log);
  const dispatch = (message: string, channel: string) => {
    if (channel.startsWith(prefix)) listeners.deliver(channel.slice(prefix.length), message);
  };
  const subscribeOn = (client: RedisClient, channel: string) => {
    withTimeout(client.subscribe(prefix + channel, dispatch), callTimeoutMs, () => new Error('SUBSCRIBE got no answer')).catch((error: unknown) => {
      if (closed) return;
      log.warn('state store (redis) subscribe failed; re-connecting to retry', { channel, error: (error as Error).message });
      subscriber?.drop(`subscribe failed: ${(error as Error).message}`);
    });
  };
  let subscriber: Link | undefined;
  let subscriberClient: RedisClient | undefined;
  const openSubscriber = () => {
    if (subscriber) return;
    subscriber = new Link(url, 'subscriber', linkOptions, log, (client) => {
      subscriberClient = client;
      for (const channel of listeners.channels()) subscribeOn(client, channel);
    });
    subscriber.start();
  };

  return {
    kind: 'redis',
    async get(key) {
      return (await send<string | null>('GET', [prefix + key])) ?? undefined;
    },
    async set(key, value, ttlMs) {
      const ttl = checkTtl(ttlMs);
      await send('SET', [prefix + key, value, 'PX', String(ttl)]);
    },
    async setIfAbsent(key, value, ttlMs) {
      const ttl = checkTtl(ttlMs);
      const reply = await send<unknown>('SET', [prefix + key, value, 'NX', 'PX', String(ttl)]);
      if (reply !== 'OK' && reply !== null) throw new StateUnavailableError('redis', 'SET NX got a reply that is neither OK nor nil');
      return reply === 'OK';
    },
    async increment(key, ttlMs, by) {
      const ttl = checkTtl(ttlMs);
      const step = checkBy(by);
      const reply = await send<unknown>('EVAL', [INCREMENT_SCRIPT, '1', prefix + key, String(step), String(ttl)]);
      // A reply of another shape is not a count: counting it as 0 would switch a limit off.
      if (!Array.isArray(reply) || reply.length !== 2 || !reply.every((n) => Number.isSafeInteger(Number(n)) && n !== null)) {
        throw new StateUnavailableError('redis', 'increment got a reply that is not [count, ttl]');
      }
      const [count, pttl] = reply as [number, number];
      return { count: Number(count), expiresAt: Date.now() + Math.max(0, Number(pttl)) };
    },
    async delete(key) {
      await send('DEL', [prefix + key]);
    },
    async list(keyPrefix, limit) {
      const most = checkLimit(limit);
      if (most === 0) return [];
      const deadline = Date.now() + listTimeoutMs;
      const pattern = `${escapeGlob(prefix + keyPrefix)}*`;
      const keys = new Set<string>();
      let cursor = '0';
      for (let scans = 0; scans < maxScans; scans++) {
        const [next, batch] = await send<[string, string[]]>('SCAN', [cursor, 'MATCH', pattern, 'COUNT', String(scanCount)], deadline);
        for (const key of batch) keys.add(key);
        cursor = String(next);
        if (cursor === '0' || keys.size >= most) break;
      }
      const wanted = [...keys].slice(0, most);
      const out: { key: string; value: string }[] = [];
      for (let i = 0; i < wanted.length; i += 500) {
        const chunk = wanted.slice(i, i + 500);
        const values = await send<(string | null)[]>('MGET', chunk, deadline);
        chunk.forEach((key, j) => {
          const value = values[j];
          // A key may expire (or not be a string) between SCAN and MGET: skip it.
          if (typeof value === 'string') out.push({ key: key.slice(prefix.length), value });
        });
      }
      return out;
    },
    async publish(channel, message) {
      await send('PUBLISH', [prefix + channel, message]);
    },
    subscribe(channel, listener) {
      if (closed) return () => {};
      openSubscriber();
      const { first, remove } = listeners.add(channel, listener);
      if (first && subscriber?.isUp && subscriberClient) subscribeOn(subscriberClient, channel);
      return () => {
        const { last } = remove();
        if (last && subscriber?.isUp && subscriberClient && !closed) {
          subscriberClient.unsubscribe(prefix + channel).catch(() => {});
        }
      };
    },
    async ping() {
      if (closed) return false;
      try {
        return (await send<string>('PING', [])) === 'PONG';
      } catch {
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      commands.close();
      subscriber?.close();
      subscriberClient = undefined;
    },
  };
}
