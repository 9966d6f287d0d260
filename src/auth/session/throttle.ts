/**
 * Throttling of sign-in attempts. An attempt takes its slot before the password is checked, with
 * one atomic increment per counter, so a burst sent all at once gets no more checks than the
 * limit allows. Limits are per (account, client address) and per client address; across all
 * addresses an account is slowed down (an increasing delay of seconds), never locked out, so an
 * attacker guessing from elsewhere cannot keep the real user out for long.
 *
 * The counters live in the configured state store, so the limits hold across workers and machines;
 * a throttle made without one counts in this process only.
 */
import { parseIp } from '../../http/cidr.ts';
import { createMemoryStore } from '../../state/memory-store.ts';
import type { StateStore } from '../../state/store.ts';

/** What the throttle needs of a store: atomic counters (every state backend has them). */
export type CounterStore = Pick<StateStore, 'increment' | 'delete'>;

export interface ThrottleOptions {
  /** Attempts on one account from one client address within the window. Default 5. */
  perUser?: number;
  /** Attempts from one client address, whatever the account, within the window. Default 20. */
  perIp?: number;
  /** Window length in ms, counted from the first attempt. Default 15 minutes. */
  windowMs?: number;
  /** Attempts on one account from all addresses within the window before the delays start. Default 5. */
  backoffAfter?: number;
  /** The first delay between attempts on one account; it doubles with each attempt. Default 1 s. */
  backoffBaseMs?: number;
  /** The longest delay. Default 30 s. */
  backoffMaxMs?: number;
  /** Where the counters live. Default an in-memory store built from `maxKeys` and `now`. */
  store?: CounterStore;
  /** Most counters kept in memory; the oldest are forgotten first. Default 100,000. */
  maxKeys?: number;
  /** Clock in ms. Default `Date.now`. */
  now?: () => number;
}

export type Reservation =
  | {
      ok: true;
      /** The password was right: forgets the (account, address) count and gives the attempt back. */
      succeeded(): Promise<void>;
      /** The password was not checked after all (server busy): gives the attempt back. */
      cancel(): Promise<void>;
    }
  | { ok: false; retryAfterMs: number; limit: 'account_address' | 'address' | 'account' };

export interface Throttle {
  /** Takes a slot for one password check on `user` from `ip`, or says how long to wait. */
  reserve(ip: string, user: string): Promise<Reservation>;
}

/**
 * What one client address counts as: an IPv4 address as is (also when IPv4-mapped), an IPv6
 * address by its /64, the block one host or LAN usually gets, so that stepping through the
 * addresses of one's own block does not reset the limits.
 */
export function addressKey(ip: string): string {
  const bytes = parseIp(ip);
  if (bytes === null) return ip.toLowerCase();
  if (bytes.length === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 8; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return `${groups.join(':')}::/64`;
}

/** Creates a throttle; see ThrottleOptions for the defaults. */
export function createThrottle(options: ThrottleOptions = {}): Throttle {
  const perUser = options.perUser ?? 5;
  const perIp = options.perIp ?? 20;
  const windowMs = options.windowMs ?? 15 * 60_000;
  const backoffAfter = options.backoffAfter ?? 5;
  const baseMs = options.backoffBaseMs ?? 1000;
  const maxMs = options.backoffMaxMs ?? 30_000;
  const now = options.now ?? Date.now;
  const store = options.store ?? createMemoryStore({ maxEntries: options.maxKeys, now });

  return {
    async reserve(ip, user) {
      const account = user.trim().toLowerCase();
      const address = addressKey(ip);
      // The address goes first: it cannot contain the separator, so keys cannot collide.
      const pairKey = `ua:${address}|${account}`;
      const ipKey = `a:${address}`;
      const accountKey = `u:${account}`;
      const taken: string[] = [];
      const giveBack = async () => {
        for (const key of taken) await store.increment(key, windowMs, -1);
      };
      const refuse = async (limit: 'account_address' | 'address' | 'account', until: number): Promise<Reservation> => {
        // A refused attempt checked nothing, so it does not count against anyone.
        await giveBack();
        return { ok: false, limit, retryAfterMs: Math.max(1, until - now()) };
      };

      // The address first: an address over its limit then adds no counters for new account
      // names, so it cannot flood the store to push its own counter out.
      for (const [key, max, limit] of [
        [ipKey, perIp, 'address'],
        [pairKey, perUser, 'account_address'],
      ] as const) {
        const c = await store.increment(key, windowMs);
        taken.push(key);
        if (c.count > max) return refuse(limit, c.expiresAt);
      }
      const attempts = (await store.increment(accountKey, windowMs)).count;
      taken.push(accountKey);
      if (attempts > backoffAfter) {
        // One attempt per delay: the first to arrive opens a gate that the rest find taken.
        const delay = Math.min(baseMs * 2 ** (attempts - backoffAfter - 1), maxMs);
        const gate = await store.increment(`g:${account}`, delay);
        if (gate.count > 1) return refuse('account', gate.expiresAt);
      }
      return {
        ok: true,
        async succeeded() {
          await store.delete(pairKey);
          await store.increment(ipKey, windowMs, -1);
          await store.increment(accountKey, windowMs, -1);
        },
        cancel: giveBack,
      };
    },
  };
}
