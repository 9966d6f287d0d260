import type { MemberMeters } from './upstream-meters.ts';

/** One upstream URL of a pool and what is known of its health. Mutable: the pool and its checks update it. */
export interface PoolMember {
  base: URL;
  /** `base.pathname` without a trailing slash, prepended to every proxied path. */
  basePath: string;
  /** `base` without user info, query or fragment, for logs, metrics and status. */
  label: string;
  /** Until when (ms since the epoch) passive health keeps it out; 0 when it is in. */
  downUntil: number;
  /** The active health checks' verdict; always true on a route without `health_check`. */
  healthy: boolean;
  /** When an actively failed member may be back at the earliest (ms since the epoch). */
  healthyAgainAt: number;
  /** Timeouts in a row; a response resets it. */
  timeouts: number;
  /** Requests sent to it that have no response headers yet. */
  inFlight: number;
  lastError?: string;
  lastErrorAt?: number;
  /** Its metrics, once the route has started (see `UpstreamPool.start`). */
  meters?: MemberMeters;
}

export function createMember(url: string): PoolMember {
  const base = new URL(url);
  const shown = new URL(url);
  shown.username = '';
  shown.password = '';
  // Never sent upstream (only the origin and path are), but may hold a key: not shown either.
  shown.search = '';
  shown.hash = '';
  return { base, basePath: base.pathname.replace(/\/+$/, ''), label: shown.href.replace(/\/$/, ''), downUntil: 0, healthy: true, healthyAgainAt: 0, timeouts: 0, inFlight: 0 };
}

/** Whether requests may go to the member now. */
export function isAvailable(member: PoolMember, now: number): boolean {
  return member.healthy && member.downUntil <= now;
}

/** When the member may take requests again (`now` or earlier when it can already). */
export function availableAt(member: PoolMember): number {
  return Math.max(member.downUntil, member.healthy ? 0 : member.healthyAgainAt);
}
