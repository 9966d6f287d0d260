import type { MetricsSnapshot } from '../admin/metrics.ts';
import type { RouteUpstreamStatus } from '../admin/upstream-status.ts';

/** Supervisor to worker: send your metrics (and upstream status) now, answering with `id`. */
export interface MetricsRequest {
  gatehouse: 'metrics?';
  id: number;
}

/** Worker to supervisor: its metrics, on its own (no `id`) or answering a request. */
export interface MetricsReport {
  gatehouse: 'metrics';
  id?: number;
  snapshot: MetricsSnapshot;
  /** Its upstream members' health, as its own `GET /status` would list them. */
  upstreams?: RouteUpstreamStatus[];
}

export const isMetricsRequest = (message: unknown): message is MetricsRequest => (message as MetricsRequest | null)?.gatehouse === 'metrics?';

export function isMetricsReport(message: unknown): message is MetricsReport {
  const m = message as MetricsReport | null;
  return (
    m?.gatehouse === 'metrics' &&
    isObject(m.snapshot) &&
    (m.id === undefined || typeof m.id === 'number') &&
    (m.upstreams === undefined || (Array.isArray(m.upstreams) && m.upstreams.every((r) => isObject(r) && typeof r.route === 'string' && Array.isArray(r.members))))
  );
}

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null && !Array.isArray(value);
