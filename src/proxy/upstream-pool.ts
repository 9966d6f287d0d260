import type { RouteUpstreamStatus, UpstreamRegistry } from '../admin/upstream-status.ts';
import type { Logger, PluginInstance, Upstream } from '../plugin-api/index.ts';
import { startHealthChecks, type HealthCheckSettings } from './health-check.ts';
import { memberOrder, type LbPolicy, type MemberOrder } from './lb-policy.ts';
import { availableAt, createMember, isAvailable, type PoolMember } from './pool-member.ts';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.ts';
import { describeUpstreamFailure, type UpstreamFailure } from './upstream-failure.ts';
import type { FetchTls } from './upstream-tls.ts';
import { errorKind, memberMeters } from './upstream-meters.ts';
import type { Metrics } from '../admin/metrics.ts';

export type { PoolMember } from './pool-member.ts';

/** How long a member that could not be reached is left out. */
const REFUSED_COOL_DOWN_MS = 2000;
/** Timeouts in a row that take a member out, and for how long. */
const TIMEOUTS_TO_COOL_DOWN = 3;
const TIMED_OUT_COOL_DOWN_MS = 10_000;

/** What a pool does beyond round robin over its URLs; every key optional. */
export interface PoolOptions {
  /** Bun's `fetch` `tls` option for its members (see upstream-tls.ts). Default: none, public CAs. */
  tls?: FetchTls;
  /** Default `round_robin`. */
  lbPolicy?: LbPolicy;
  /** Default: a body-less request whose member cannot be reached moves on to the next. */
  retry?: RetryPolicy;
  /** Active health checks, started by `start()`. Default none. */
  healthCheck?: HealthCheckSettings;
}

/**
 * A set of upstream URLs (members) with their health. Passive health: a member that cannot be
 * reached is out for 2 s; one that times out 3 times in a row is out for 10 s. Active health:
 * `healthCheck` probes (see health-check.ts). `order()` gives the members to try for a request,
 * by the load-balancing policy, without those that are out.
 */
export class UpstreamPool implements Upstream {
  readonly urls: readonly string[];
  readonly members: readonly PoolMember[];
  readonly tls: FetchTls | undefined;
  readonly retry: RetryPolicy;
  readonly lbPolicy: LbPolicy;
  private readonly healthCheck: HealthCheckSettings | undefined;
  private readonly pick: MemberOrder;

  /**
   * `urls`: one URL or several; `timeoutMs`: how long a member may take to start answering;
   * `options`: see {@link PoolOptions}.
   */
  constructor(
    urls: string | readonly string[],
    readonly timeoutMs: number,
    options: PoolOptions = {},
  ) {
    this.urls = typeof urls === 'string' ? [urls] : [...urls];
    this.members = this.urls.map(createMember);
    this.tls = options.tls;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.lbPolicy = options.lbPolicy ?? 'round_robin';
    this.healthCheck = options.healthCheck;
    this.pick = memberOrder(this.lbPolicy);
  }

  /** Members to try for one request, best first; empty when every member is out. */
  order(now = Date.now()): PoolMember[] {
    const members = this.members;
    if (members.length === 1) {
      const only = members[0]!;
      // The common case, with no clock read while the member is in.
      if (only.downUntil === 0 && only.healthy) return members as PoolMember[];
      if (only.downUntil <= now) only.downUntil = 0;
      return isAvailable(only, now) ? (members as PoolMember[]) : [];
    }
    return this.pick(members, now);
  }

  /** Seconds until the first member is back (at least 1), for `Retry-After` when every member is out. */
  retryAfterSeconds(now = Date.now()): number {
    let soonest = Infinity;
    for (const m of this.members) soonest = Math.min(soonest, availableAt(m));
    return Math.max(1, Math.ceil((soonest - now) / 1000));
  }

  /** A request is about to be sent to `member`. */
  sending(member: PoolMember): void {
    member.inFlight++;
  }

  /** `member` answered (response headers arrived) after `ms`. */
  answered(member: PoolMember, ms: number): void {
    member.inFlight--;
    member.meters?.duration.observe(ms / 1000);
    if (member.timeouts !== 0) member.timeouts = 0;
  }

  /**
   * `member` did not answer within the timeout; the third time in a row takes it out. A request
   * with a body may have been slowed by its client: `countsAgainstMember: false` then.
   */
  timedOut(member: PoolMember, log: Logger, options: { countsAgainstMember?: boolean } = {}): void {
    member.inFlight--;
    member.meters?.error('timeout');
    this.noteError(member, `timed out after ${this.timeoutMs} ms`);
    if (options.countsAgainstMember === false) return;
    if (++member.timeouts >= TIMEOUTS_TO_COOL_DOWN) this.coolDown(member, TIMED_OUT_COOL_DOWN_MS, `${member.timeouts} timeouts in a row`, log);
  }

  /** `fetch` to `member` failed; a member that cannot be reached is taken out. */
  failed(member: PoolMember, error: unknown, log: Logger): UpstreamFailure {
    member.inFlight--;
    const failure = describeUpstreamFailure(error);
    member.meters?.error(errorKind(failure));
    this.noteError(member, failure.reason);
    if (failure.unreachable) this.coolDown(member, REFUSED_COOL_DOWN_MS, failure.reason, log);
    return failure;
  }

  private coolDown(member: PoolMember, ms: number, reason: string, log: Logger): void {
    const now = Date.now();
    // Like nginx with a single server: passive health never takes out the last member in, so a
    // burst of failures (or a client provoking them) cannot turn a flaky upstream into 503s for all.
    if (!this.members.some((other) => other !== member && isAvailable(other, now))) return;
    const wasIn = member.downUntil <= now;
    member.downUntil = now + ms;
    if (wasIn) log.warn('upstream member taken out for a while', { upstream: member.label, reason, for_ms: ms });
  }

  private noteError(member: PoolMember, reason: string): void {
    member.lastError = reason;
    member.lastErrorAt = Date.now();
  }

  /**
   * Starts the active health checks (if any) and shows the pool on `/status` and `/metrics` through
   * `registry`; the returned instance's `close()` undoes both. The gateway closes it with the route's plugins
   * when its config is retired (reload, shutdown, or a config that failed to load).
   */
  start(options: { route: string; from: string; log: Logger; registry?: UpstreamRegistry; metrics?: Metrics }): PluginInstance {
    const { route, from, log, metrics } = options;
    if (metrics) for (const member of this.members) member.meters = memberMeters(metrics, route, member.label);
    const checks = this.healthCheck ? startHealthChecks(this.members, this.healthCheck, { tls: this.tls, log, route }) : undefined;
    const unregister = options.registry?.add({ route, status: (now) => this.status(route, from, now) });
    return {
      handle: (_ctx, next) => next(),
      close: () => {
        checks?.stop();
        unregister?.();
      },
    };
  }

  /** The pool as `GET /status` shows it. */
  status(route: string, from: string, now = Date.now()): RouteUpstreamStatus {
    return {
      route,
      from,
      lb_policy: this.lbPolicy,
      health_check: this.healthCheck !== undefined,
      members: this.members.map((m) => {
        const healthy = isAvailable(m, now);
        const back = availableAt(m);
        return {
          upstream: m.label,
          healthy,
          state: !m.healthy ? 'failing_checks' : healthy ? 'up' : 'cooling_down',
          in_flight: m.inFlight,
          ...(healthy || !back ? {} : { back_at: new Date(back).toISOString() }),
          ...(m.lastError ? { last_error: m.lastError, last_error_at: new Date(m.lastErrorAt!).toISOString() } : {}),
        };
      }),
    };
  }
}
