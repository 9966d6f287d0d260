import { DURATION_BUCKETS, type HistogramSeries } from '../admin/histogram.ts';
import type { Metrics } from '../admin/metrics.ts';
import type { UpstreamFailure } from './upstream-failure.ts';

/** Why a request to an upstream member got no answer, as the `kind` label says it. */
export type UpstreamErrorKind = 'timeout' | 'connect_failure' | 'tls' | 'reset' | 'other';

/** One member's series: label sets formatted once, when the route starts. */
export interface MemberMeters {
  /** Seconds until the member's response headers arrived. */
  duration: HistogramSeries;
  error(kind: UpstreamErrorKind): void;
}

/**
 * `gatehouse_upstream_duration_seconds{route,upstream}` and
 * `gatehouse_upstream_errors_total{route,upstream,kind}` for one member of `route`.
 */
export function memberMeters(metrics: Metrics, route: string, upstream: string): MemberMeters {
  const duration = metrics.histogram('gatehouse_upstream_duration_seconds', 'Time from sending a request to an upstream member to its response headers.', DURATION_BUCKETS);
  const errors = metrics.counter('gatehouse_upstream_errors_total', 'Requests to an upstream member that got no answer: timeout, connect_failure, tls, reset or other.');
  const byKind = new Map<UpstreamErrorKind, () => void>();
  return {
    duration: duration.series({ route, upstream }),
    error(kind) {
      let inc = byKind.get(kind);
      if (!inc) byKind.set(kind, (inc = errors.bind({ route, upstream, kind })));
      inc();
    },
  };
}

/** The `kind` of a failed `fetch` to a member. */
export function errorKind(failure: UpstreamFailure): UpstreamErrorKind {
  if (failure.unreachable) return 'connect_failure';
  if (failure.beforeSend) return 'tls';
  return failure.code === 'ECONNRESET' ? 'reset' : 'other';
}
