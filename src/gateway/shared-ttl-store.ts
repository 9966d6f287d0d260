/**
 * `services.ttlStore({ shared: true })`: a plugin's expiring entries kept in the config's shared
 * state, so every worker and machine counts and reads the same ones.
 */
import type { SharedTtlStore } from '../plugin-api/index.ts';
import { DEFAULT_CALL_TIMEOUT_MS, withTimeout } from '../state/shared.ts';
import { StateUnavailableError, type StateStore } from '../state/store.ts';

/**
 * The key prefix of one plugin's entries on one route: `plugin:<route id>:<plugin name>:`.
 * `%` and `:` inside the parts are escaped, so no route and plugin can reach another's keys.
 */
export function pluginNamespace(routeId: string, pluginName: string): string {
  return `plugin:${escapePart(routeId)}:${escapePart(pluginName)}:`;
}

function escapePart(part: string): string {
  return part.replace(/[%:]/g, (c) => encodeURIComponent(c));
}

/**
 * A {@link SharedTtlStore} on `state`: every key is put behind `namespace`, values are JSON.
 * Each call is bounded by `timeoutMs` on top of the state's own limit (which normally answers
 * first), so a plugin awaiting it never waits longer; an unavailable state rejects with the
 * state's `StateUnavailableError`, misuse with a `TypeError` / `RangeError`.
 *
 * @param state the config's shared state (`auth.state`)
 * @param options.namespace prefix of every key, see {@link pluginNamespace}
 * @param options.timeoutMs most time one call may take (default 1,000 ms, the state's default `timeout`)
 */
export function createSharedTtlStore<V>(state: StateStore, options: { namespace: string; timeoutMs?: number }): SharedTtlStore<V> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  const keyOf = (key: string) => {
    if (typeof key !== 'string') throw new TypeError(`shared ttlStore: a key must be a string, got ${typeof key}`);
    return options.namespace + key;
  };
  const bounded = <T>(call: () => Promise<T>): Promise<T> => {
    let promise: Promise<T>;
    try {
      promise = call();
    } catch (error) {
      return Promise.reject(error);
    }
    return withTimeout(promise, timeoutMs, () => new StateUnavailableError(state.kind, `no answer within ${timeoutMs} ms`));
  };

  return {
    async get(key) {
      const stored = await bounded(() => state.get(keyOf(key)));
      if (stored === undefined) return undefined;
      try {
        return JSON.parse(stored) as V;
      } catch {
        throw new TypeError(`shared ttlStore: key "${key}" does not hold JSON`);
      }
    },
    async set(key, value, ttlMs) {
      const encoded = encode(value);
      await bounded(() => state.set(keyOf(key), encoded, ttlMs));
    },
    async delete(key) {
      await bounded(() => state.delete(keyOf(key)));
    },
    async incr(key, ttlMs) {
      const { count, expiresAt } = await bounded(() => state.increment(keyOf(key), ttlMs));
      return { count, expiresAt };
    },
  };
}

/** `value` as JSON; a TypeError for what JSON cannot hold (undefined, a function, a BigInt, a cycle). */
function encode(value: unknown): string {
  let encoded: string | undefined;
  try {
    encoded = JSON.stringify(value);
  } catch (error) {
    throw new TypeError(`shared ttlStore: the value cannot be stored as JSON: ${(error as Error).message}`);
  }
  if (encoded === undefined) throw new TypeError(`shared ttlStore: the value cannot be stored as JSON (${typeof value})`);
  return encoded;
}
