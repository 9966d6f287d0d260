import type { Metrics } from '../admin/metrics.ts';
import { isMetricsRequest, type MetricsReport } from './metrics-ipc.ts';

/**
 * In a worker started by the supervisor: sends it `metrics` every `intervalMs` (default 1000) and
 * whenever it asks (a scrape of its `/metrics`). `stop` sends the last counts and lets go of the
 * IPC channel, which would otherwise keep the process alive. Does nothing without a channel.
 */
export function reportMetricsToSupervisor(metrics: Metrics, options: { intervalMs?: number } = {}): { stop(): void } {
  if (!process.send) return { stop() {} };
  const send = (id?: number) => {
    if (!process.connected) return;
    const report: MetricsReport = { gatehouse: 'metrics', snapshot: metrics.snapshot(), ...(id === undefined ? {} : { id }) };
    try {
      process.send!(report);
    } catch {
      // The supervisor is gone; this worker keeps serving until it is stopped.
    }
  };
  const onMessage = (message: unknown) => isMetricsRequest(message) && send(message.id);
  process.on('message', onMessage);
  const timer = setInterval(() => send(), options.intervalMs ?? 1000);
  timer.unref();
  send();
  return {
    stop() {
      clearInterval(timer);
      process.off('message', onMessage);
      send();
    },
  };
}
