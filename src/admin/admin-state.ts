import { Metrics } from './metrics.ts';
import { createRequestMeter, type RequestMeter } from './request-meter.ts';

/** Process-wide observability state that outlives config reloads. */
export interface Admin {
  metrics: Metrics;
  requests: ReturnType<Metrics['counter']>;
  /** Counts each answered request and observes its duration (per route); uses `requests`. */
  meter: RequestMeter;
  ready: boolean;
  /**
   * What else `/readyz` requires, by name (the shared state answering, for one). A check that
   * throws or takes over a second counts as failed.
   */
  checks: Map<string, () => boolean | Promise<boolean>>;
}

export function createAdminState(): Admin {
  const metrics = new Metrics();
  const requests = metrics.counter('gatehouse_requests_total', 'Requests answered, by route and status class.');
  return {
    metrics,
    requests,
    meter: createRequestMeter(metrics, requests),
    ready: false,
    checks: new Map(),
  };
}
