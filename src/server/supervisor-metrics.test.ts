import { describe, expect, test } from 'bun:test';
import { Metrics } from '../admin/metrics.ts';
import type { RouteUpstreamStatus } from '../admin/upstream-status.ts';
import { isMetricsReport, type MetricsRequest } from './metrics-ipc.ts';
import { createSupervisorMetrics } from './supervisor-metrics.ts';

function countsOf(n: number) {
  const metrics = new Metrics();
  metrics.counter('gatehouse_requests_total', 'Requests.').inc({ code: '2xx' }, n);
  return metrics.snapshot();
}

/** One route whose second member is `out` or not, as a worker reports it. */
function routesWith(out: boolean): RouteUpstreamStatus[] {
  return [
    {
      route: 'routes[0]',
      from: 'http://api.example.test',
      lb_policy: 'round_robin',
      health_check: false,
      members: [
        { upstream: 'http://a', healthy: true, state: 'up', in_flight: 0 },
        out ? { upstream: 'http://b', healthy: false, state: 'cooling_down', in_flight: 0, last_error: 'connection refused' } : { upstream: 'http://b', healthy: true, state: 'up', in_flight: 0 },
      ],
    },
  ];
}

const total = (text: string) => Number(/^gatehouse_requests_total\{code="2xx"\} (\d+)$/m.exec(text)?.[1] ?? 0);

describe('supervisor metrics', () => {
  test('a scrape asks every worker and shows their answers', async () => {
    const sm = createSupervisorMetrics({ slots: 2, own: new Metrics(), waitMs: 2000 });
    for (const slot of [0, 1]) {
      const w = sm.worker(slot, (m: MetricsRequest) => setTimeout(() => w.receive({ gatehouse: 'metrics', id: m.id, snapshot: countsOf(slot + 1) }), 5));
    }
    const started = Date.now();
    expect(total(await sm.render())).toBe(3);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('a worker that does not answer delays the scrape only up to waitMs; its pushed counts show', async () => {
    const sm = createSupervisorMetrics({ slots: 2, own: new Metrics(), waitMs: 100 });
    const quiet = sm.worker(0, () => {});
    quiet.receive({ gatehouse: 'metrics', snapshot: countsOf(5) });
    const broken = sm.worker(1, () => {
      throw new Error('channel closed');
    });
    broken.receive({ gatehouse: 'metrics', snapshot: countsOf(2) });
    const started = Date.now();
    const text = await sm.render();
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(total(text)).toBe(7);
  });

  test('a worker exiting mid-scrape ends the wait and keeps its counts; messages that are not reports are ignored', async () => {
    const sm = createSupervisorMetrics({ slots: 1, own: new Metrics(), waitMs: 5000 });
    const w = sm.worker(0, () => setTimeout(() => w.exited(), 5));
    w.receive({ gatehouse: 'metrics', snapshot: countsOf(4) });
    w.receive({ something: 'else' });
    w.receive(null);
    const started = Date.now();
    const text = await sm.render();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(total(text)).toBe(4);
    expect(text).toContain('gatehouse_worker_up{worker="1"} 0');
  });

  test("/status asks every worker and lists each running worker's latest upstream status, by slot", async () => {
    const sm = createSupervisorMetrics({ slots: 3, own: new Metrics(), waitMs: 100 });
    // Slot 1 pushed "b up" on its own; asked, it answers "b out". Slot 0 answers only when asked.
    const second = sm.worker(1, (m: MetricsRequest) => queueMicrotask(() => second.receive({ gatehouse: 'metrics', id: m.id, snapshot: {}, upstreams: routesWith(true) })));
    second.receive({ gatehouse: 'metrics', snapshot: {}, upstreams: routesWith(false) });
    const first = sm.worker(0, (m: MetricsRequest) => queueMicrotask(() => first.receive({ gatehouse: 'metrics', id: m.id, snapshot: {}, upstreams: routesWith(false) })));
    // Slot 2 has not reported yet (starting): it is left out rather than shown with no routes.
    sm.worker(2, () => {});
    expect(await sm.upstreams()).toEqual({ workers: [{ worker: 1, routes: routesWith(false) }, { worker: 2, routes: routesWith(true) }] });
  });

  test('an exited worker drops out of /status; its replacement shows once it reports', async () => {
    const sm = createSupervisorMetrics({ slots: 2, own: new Metrics(), waitMs: 50 });
    const gone = sm.worker(0, () => {});
    gone.receive({ gatehouse: 'metrics', snapshot: {}, upstreams: routesWith(true) });
    const other = sm.worker(1, () => {});
    other.receive({ gatehouse: 'metrics', snapshot: {}, upstreams: routesWith(false) });
    gone.exited();
    gone.receive({ gatehouse: 'metrics', snapshot: {}, upstreams: routesWith(true) }); // late, after its exit
    expect((await sm.upstreams()).workers.map((w) => w.worker)).toEqual([2]);
    const replacement = sm.worker(0, () => {});
    expect((await sm.upstreams()).workers.map((w) => w.worker)).toEqual([2]);
    replacement.receive({ gatehouse: 'metrics', snapshot: {} }); // a report without upstreams keeps none
    expect((await sm.upstreams()).workers.map((w) => w.worker)).toEqual([2]);
    replacement.receive({ gatehouse: 'metrics', snapshot: {}, upstreams: routesWith(false) });
    expect(await sm.upstreams()).toEqual({ workers: [{ worker: 1, routes: routesWith(false) }, { worker: 2, routes: routesWith(false) }] });
  });

  test('a report with malformed upstreams is refused whole', () => {
    const report = (upstreams: unknown) => ({ gatehouse: 'metrics', snapshot: {}, upstreams });
    expect(isMetricsReport(report(undefined))).toBe(true);
    expect(isMetricsReport(report(routesWith(true)))).toBe(true);
    expect(isMetricsReport(report([]))).toBe(true);
    for (const bad of [{}, 'routes', [null], [{ route: 1, members: [] }], [{ route: 'routes[0]' }], [{ route: 'routes[0]', members: {} }]]) {
      expect(isMetricsReport(report(bad))).toBe(false);
    }
    expect(isMetricsReport({ gatehouse: 'metrics', snapshot: [] })).toBe(false);
    expect(isMetricsReport({ gatehouse: 'metrics', snapshot: {}, id: '1' })).toBe(false);
  });
});
