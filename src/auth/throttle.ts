/**
 * Throttling of failed sign-ins, per client IP and per account name, in this process (with
 * several workers each keeps its own counts, so the effective limit is per worker).
 */

export interface ThrottleOptions {
  /** Failures allowed per account name within the window. Default 5. */
  perUser?: number;
  /** Failures allowed per client IP within the window. Default 20. */
  perIp?: number;
  /** Window length in ms, counted from the first failure. Default 15 minutes. */
  windowMs?: number;
  /** Most keys tracked; the oldest are forgotten first. Default 100,000. */
  maxKeys?: number;
  now?: () => number;
}

export interface Throttle {
  /** Milliseconds until `ip`/`user` may try again, or 0 when allowed now. */
  retryAfterMs(ip: string, user: string): number;
  /** Records a failure for both keys. */
  fail(ip: string, user: string): void;
  /** Forgets the account's failures after a successful sign-in (the IP's count stays). */
  succeed(user: string): void;
}

/** Creates a throttle; see ThrottleOptions for the defaults. */
export function createThrottle(options: ThrottleOptions = {}): Throttle {
  const perUser = options.perUser ?? 5;
  const perIp = options.perIp ?? 20;
  const windowMs = options.windowMs ?? 15 * 60_000;
  const maxKeys = options.maxKeys ?? 100_000;
  const now = options.now ?? Date.now;
  const counts = new Map<string, { n: number; until: number }>();

  const blockedFor = (key: string, limit: number): number => {
    const c = counts.get(key);
    if (!c) return 0;
    const left = c.until - now();
    if (left <= 0) {
      counts.delete(key);
      return 0;
    }
    return c.n >= limit ? left : 0;
  };
  const bump = (key: string) => {
    const c = counts.get(key);
    if (c && c.until > now()) {
      c.n++;
      return;
    }
    counts.delete(key);
    if (counts.size >= maxKeys) counts.delete(counts.keys().next().value as string);
    counts.set(key, { n: 1, until: now() + windowMs });
  };
  const userKey = (user: string) => `u:${user.trim().toLowerCase()}`;

  return {
    retryAfterMs: (ip, user) => Math.max(blockedFor(`ip:${ip}`, perIp), blockedFor(userKey(user), perUser)),
    fail(ip, user) {
      bump(`ip:${ip}`);
      bump(userKey(user));
    },
    succeed(user) {
      counts.delete(userKey(user));
    },
  };
}
