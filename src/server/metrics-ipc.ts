import type { MetricsSnapshot } from '../admin/metrics.ts';

/** Supervisor to worker: send your counters now, answering with `id`. */
export interface MetricsRequest {
  gatehouse: 'metrics?';
  id: number;
}

/** Worker to supervisor: its counters, on its own (no `id`) or answering a request. */
export interface MetricsReport {
  gatehouse: 'metrics';
  id?: number;
  snapshot: MetricsSnapshot;
}

export const isMetricsRequest = (message: unknown): message is MetricsRequest => (message as MetricsRequest | null)?.gatehouse === 'metrics?';

export function isMetricsReport(message: unknown): message is MetricsReport {
  const m = message as MetricsReport | null;
  return m?.gatehouse === 'metrics' && typeof m.snapshot === 'object' && m.snapshot !== null;
}
