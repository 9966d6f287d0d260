import type { Admin } from '../admin/admin-state.ts';
import { upstreamRegistry, type UpstreamRegistry } from '../admin/upstream-status.ts';
import { isMetricsRequest, type MetricsReport } from './metrics-ipc.ts';

/**
 * In a worker started by the supervisor: sends it `admin`'s counters and histograms every
 * `intervalMs` (default 1000), and those plus its gauges and upstream status whenever it asks (a
 * scrape of its `/metrics` or `/status`).
 * `stop` sends the last counts and lets go of the IPC channel, which would otherwise keep the
 * process alive. Does nothing without a channel.
 */
export function reportMetricsToSupervisor(admin: Admin, options: { intervalMs?: number } = {}): { stop(): void } {
  if (!process.send) return { stop() {} };
  const upstreams = upstreamRegistry(admin);
  const send = (id?: number) => {
    if (!process.connected) return;
    const report = metricsReport(admin, upstreams, id);
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

/**
 * What a worker sends: a push (`id` undefined) carries counters and histograms only, since gauges
 * and upstream status grow with the routes (10,000 routes made a 15 MB report every second); an
 * answer to the supervisor's request `id` carries them too.
 */
export function metricsReport(admin: Admin, upstreams: UpstreamRegistry, id?: number): MetricsReport {
  return id === undefined
    ? { gatehouse: 'metrics', snapshot: admin.metrics.snapshot({ gauges: false }) }
    : { gatehouse: 'metrics', snapshot: admin.metrics.snapshot(), upstreams: upstreams.routes(), id };
}
