import { Metrics } from './metrics.ts';

/** Process-wide observability state that outlives config reloads. */
export interface Admin {
  metrics: Metrics;
  requests: ReturnType<Metrics['counter']>;
  ready: boolean;
  /**
   * What else `/readyz` requires, by name (the shared state answering, for one). A check that
   * throws or takes over a second counts as failed.
   */
  checks: Map<string, () => boolean | Promise<boolean>>;
}

export function createAdminState(): Admin {
  const metrics = new Metrics();
  return {
    metrics,
    requests: metrics.counter('gatehouse_requests_total', 'Requests answered, by route and status class.'),
    ready: false,
    checks: new Map(),
  };
}
