import { DURATION_BUCKETS, type HistogramSeries } from './histogram.ts';
import type { BindableCounter, Metrics } from './metrics.ts';

/** Counts every answered request and observes how long it took, by route. */
export interface RequestMeter {
  /** `route` is a route id (or `gatehouse`, `none`…); `seconds` runs until the response headers. */
  record(route: string, status: number, seconds: number): void;
}

interface RouteMeters {
  /** `gatehouse_requests_total` incrementers by status class (index 1 = 1xx … 5 = 5xx). */
  byClass: ((by?: number) => void)[];
  duration: HistogramSeries;
}

/**
 * The per-request metrics: `gatehouse_requests_total{route,code}` (the `requests` counter) and
 * `gatehouse_request_duration_seconds{route}`. Label sets are formatted once per route and kept,
 * so a request costs two lookups and two increments.
 */
export function createRequestMeter(metrics: Metrics, requests: BindableCounter): RequestMeter {
  const duration = metrics.histogram('gatehouse_request_duration_seconds', 'Time from a request arriving to its response headers, by route.', DURATION_BUCKETS);
  const routes = new Map<string, RouteMeters>();
  const metersOf = (route: string): RouteMeters => {
    let meters = routes.get(route);
    if (!meters) {
      const byClass = [0, 1, 2, 3, 4, 5].map((c) => requests.bind({ route, code: `${c}xx` }));
      meters = { byClass, duration: duration.series({ route }) };
      routes.set(route, meters);
    }
    return meters;
  };
  return {
    record(route, status, seconds) {
      const meters = metersOf(route);
      const statusClass = Math.floor(status / 100);
      (meters.byClass[statusClass] ?? requests.bind({ route, code: `${statusClass}xx` }))();
      meters.duration.observe(seconds);
    },
  };
}
