import type { Logger } from '../plugin-api/index.ts';
import type { PoolMember } from './pool-member.ts';
import { describeUpstreamFailure } from './upstream-failure.ts';
import type { FetchTls } from './upstream-tls.ts';

/** A route's `health_check`, durations in milliseconds. */
export interface HealthCheckSettings {
  path: string;
  interval: number;
  timeout: number;
  /** Passes in a row that bring a failed member back. */
  healthy: number;
  /** Failures in a row that take a member out. */
  unhealthy: number;
}

/**
 * Active health checks: every `interval`, one `GET path` per member (never two at once for the
 * same member); a 2xx answer within `timeout` passes, anything else fails. `unhealthy` failures
 * in a row take the member out, `healthy` passes in a row bring it back. Members start healthy
 * (a reload must not take a working upstream out), and the first round comes within
 * min(interval, 1s), spread at random so workers do not check in step. `stop()` clears every
 * timer and aborts checks under way.
 */
export function startHealthChecks(
  members: readonly PoolMember[],
  settings: HealthCheckSettings,
  options: { tls?: FetchTls; log: Logger; route: string },
): { stop(): void } {
  const running = members.map((member) => checkLoop(member, settings, options));
  return { stop: () => running.forEach((r) => r.stop()) };
}

function checkLoop(member: PoolMember, settings: HealthCheckSettings, { tls, log, route }: { tls?: FetchTls; log: Logger; route: string }) {
  const url = member.base.origin + member.basePath + settings.path;
  let passes = 0;
  let failures = 0;
  let stopped = false;
  let timer: Timer | undefined;
  let inFlight: AbortController | undefined;

  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(run, delay);
    // The earliest a failed member can be back: the coming passes, one interval apart.
    if (!member.healthy) member.healthyAgainAt = Date.now() + delay + Math.max(0, settings.healthy - 1 - passes) * settings.interval;
  };

  const run = async () => {
    const abort = (inFlight = new AbortController());
    const deadline = setTimeout(() => abort.abort(), settings.timeout);
    let problem: string | undefined;
    try {
      const response = await fetch(url, { signal: abort.signal, redirect: 'manual', tls, headers: { 'user-agent': 'gatehouse-health-check' } } as RequestInit);
      await response.body?.cancel().catch(() => {});
      if (response.status < 200 || response.status > 299) problem = `health check answered ${response.status}`;
    } catch (error) {
      problem = abort.signal.aborted ? `health check timed out after ${settings.timeout} ms` : `health check failed: ${describeUpstreamFailure(error).reason}`;
    } finally {
      clearTimeout(deadline);
      inFlight = undefined;
    }
    if (stopped) return;
    record(problem);
    schedule(settings.interval);
  };

  const record = (problem: string | undefined) => {
    if (problem === undefined) {
      failures = 0;
      passes++;
      if (!member.healthy && passes >= settings.healthy) {
        member.healthy = true;
        log.info('upstream member passes its health checks again', { route, upstream: member.label });
      }
      return;
    }
    passes = 0;
    failures++;
    member.lastError = problem;
    member.lastErrorAt = Date.now();
    if (member.healthy && failures >= settings.unhealthy) {
      member.healthy = false;
      log.warn('upstream member failed its health checks; no requests go to it', { route, upstream: member.label, reason: problem, failures });
    }
  };

  schedule(Math.random() * Math.min(settings.interval, 1000));
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      inFlight?.abort();
    },
  };
}
