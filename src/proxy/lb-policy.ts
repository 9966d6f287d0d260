import { isAvailable, type PoolMember } from './pool-member.ts';

export const LB_POLICIES = ['round_robin', 'least_request', 'random', 'first'] as const;
export type LbPolicy = (typeof LB_POLICIES)[number];

/** Orders a pool's available members for one request: the first is tried first, the rest are fallbacks. */
export type MemberOrder = (members: readonly PoolMember[], now: number) => PoolMember[];

/**
 * The member order of a policy: `round_robin` (each request starts one member further),
 * `least_request` (fewest requests waiting for response headers first; ties take turns),
 * `random`, or `first` (config order: the first member, then the others as fallbacks). Members
 * out of service (passive cool-down or failed health checks) are left out.
 */
export function memberOrder(policy: LbPolicy): MemberOrder {
  switch (policy) {
    case 'first':
      return (members, now) => members.filter((m) => isAvailable(m, now));
    case 'random':
      return (members, now) => rotated(members, Math.floor(Math.random() * members.length), now);
    case 'least_request': {
      let next = 0;
      // A stable sort keeps the round-robin order among members equally busy.
      return (members, now) => rotated(members, next++ % members.length, now).sort((a, b) => a.inFlight - b.inFlight);
    }
    case 'round_robin': {
      let next = 0;
      return (members, now) => rotated(members, next++ % members.length, now);
    }
  }
}

function rotated(members: readonly PoolMember[], start: number, now: number): PoolMember[] {
  const out: PoolMember[] = [];
  const n = members.length;
  for (let i = 0; i < n; i++) {
    const m = members[(start + i) % n]!;
    if (isAvailable(m, now)) out.push(m);
  }
  return out;
}
