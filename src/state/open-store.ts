/**
 * Picks and opens a state backend from its spec, the `state:` setting of the config:
 * `memory`, `sqlite:PATH`, `redis://…` or `rediss://…`.
 */
import type { TLSOptions } from 'bun';
import { isAbsolute, resolve } from 'node:path';
import type { Logger } from '../plugin-api/index.ts';
import { createMemoryStore } from './memory-store.ts';
import { createRedisStore, redactRedisUrl } from './redis-store.ts';
import { createSqliteStore } from './sqlite-store.ts';
import type { StateStore } from './store.ts';

export interface OpenStateStoreOptions {
  /** Redis only: in front of every key and channel. Default `gatehouse:`. */
  prefix?: string;
  /** Redis: time limit of each call; SQLite: `busy_timeout`. Default 1,000 ms. */
  callTimeoutMs?: number;
  /** SQLite only: a relative PATH is resolved against this folder (usually the config file's). Default: the working directory. */
  baseDir?: string;
  /** `rediss://` only: TLS settings such as `{ ca }`. Default: the system CAs, certificate verified. */
  tls?: TLSOptions;
  /** Memory only: most entries kept. Default 100,000. */
  maxEntries?: number;
  /** Connection changes and background failures. Default silent. */
  log?: Logger;
}

/** What a spec names, before anything is opened. */
export type StateSpec = { kind: 'memory' } | { kind: 'sqlite'; path: string } | { kind: 'redis'; url: string };

const FORMS = '`memory`, `sqlite:PATH` (e.g. sqlite:/var/lib/gatehouse/state.db) or `redis://[:password@]host:port[/db]` / `rediss://…`';

/**
 * Reads a state spec; a clear Error for anything else.
 *
 * @param spec `memory` | `sqlite:PATH` | `redis://…` | `rediss://…`
 * @param baseDir a relative sqlite PATH is resolved against it (default: the working directory)
 */
export function parseStateSpec(spec: string, baseDir?: string): StateSpec {
  const text = typeof spec === 'string' ? spec.trim() : '';
  if (text === 'memory') return { kind: 'memory' };
  if (/^sqlite:/i.test(text)) {
    const path = text.slice('sqlite:'.length);
    if (path.startsWith('//')) throw new Error(`state: write sqlite:PATH without "//" (sqlite:/abs/path.db or sqlite:relative/path.db), got "${text}"`);
    if (!path) throw new Error(`state: sqlite needs a file path, as in sqlite:/var/lib/gatehouse/state.db`);
    if (path === ':memory:') throw new Error('state: sqlite:":memory:" is private to one process; use `memory` instead');
    return { kind: 'sqlite', path: isAbsolute(path) ? path : resolve(baseDir ?? process.cwd(), path) };
  }
  if (/^rediss?:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new Error(`state: not a valid Redis URL: ${redactRedisUrl(text)}; expected ${FORMS}`);
    }
    if (!url.hostname) throw new Error(`state: the Redis URL has no host: ${redactRedisUrl(text)}`);
    if (url.pathname && url.pathname !== '/' && !/^\/\d+$/.test(url.pathname)) {
      throw new Error(`state: the path of a Redis URL is a database number (/0, /1, …), got "${url.pathname}" in ${redactRedisUrl(text)}`);
    }
    return { kind: 'redis', url: text };
  }
  const shown = /^\w+:\/\//.test(text) ? redactRedisUrl(text) : JSON.stringify(spec);
  throw new Error(`state: unknown state store ${shown}; expected ${FORMS}`);
}

/**
 * Opens the state store a spec names (see {@link parseStateSpec}); Redis connects in the
 * background, so this never waits for the network. Throws a clear Error for an unknown spec or
 * a SQLite file that cannot be opened.
 *
 * @param spec `memory` | `sqlite:PATH` | `redis://…` | `rediss://…`
 * @param options.prefix Redis key and channel prefix (default `gatehouse:`)
 * @param options.callTimeoutMs Redis per-call limit / SQLite busy_timeout (default 1,000 ms)
 * @param options.baseDir folder a relative sqlite PATH is resolved against (default cwd)
 * @param options.tls `rediss://` TLS settings, e.g. `{ ca }` (default: system CAs, verified)
 * @param options.maxEntries memory store bound (default 100,000)
 * @param options.log logger (default silent)
 */
export function openStateStore(spec: string, options: OpenStateStoreOptions = {}): StateStore {
  const parsed = parseStateSpec(spec, options.baseDir);
  switch (parsed.kind) {
    case 'memory':
      return createMemoryStore({ maxEntries: options.maxEntries, log: options.log });
    case 'sqlite':
      return createSqliteStore(parsed.path, { callTimeoutMs: options.callTimeoutMs, log: options.log });
    case 'redis':
      return createRedisStore(parsed.url, { prefix: options.prefix, callTimeoutMs: options.callTimeoutMs, tls: options.tls, log: options.log });
  }
}
