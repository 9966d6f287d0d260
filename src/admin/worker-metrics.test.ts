import { describe, expect, test } from 'bun:test';
import { createAdminState } from './admin-state.ts';
import { Metrics } from './metrics.ts';
import { createWorkerMetrics } from './worker-metrics.ts';

/** A worker's counters after `requests` requests on route `api` (2xx) and `errors` 5xx. */
function workerCounts(requests: number, errors = 0) {
  const admin = createAdminState();
  for (let i = 0; i < requests; i++) admin.requests.inc({ route: 'api', code: '2xx' });
  for (let i = 0; i < errors; i++) admin.requests.inc({ route: 'api', code: '5xx' });
  return admin.metrics.snapshot();
}

/** Sample lines of Prometheus text, by series. */
function samples(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out[line.slice(0, at)] = Number(line.slice(at + 1));
  }
  return out;
}

const own = () => createAdminState().metrics.snapshot();

describe('worker metrics', () => {
  test('a snapshot is plain data that renders as the process would', () => {
    const metrics = new Metrics();
    metrics.counter('x_total', 'X.').inc({ a: 'b' }, 2);
    metrics.counter('y_total', 'Y.').inc();
    expect(structuredClone(metrics.snapshot())).toEqual({ x_total: { help: 'X.', values: { '{a="b"}': 2 } }, y_total: { help: 'Y.', values: { '': 1 } } });
  });

  test('a snapshot holds gauges, read when it is taken', () => {
    const metrics = new Metrics();
    let healthy = 1;
    metrics.gauge('g', 'G.', () => [[{ route: 'r', upstream: 'http://u' }, healthy]]);
    expect(metrics.snapshot()).toEqual({ g: { help: 'G.', type: 'gauge', values: { '{route="r",upstream="http://u"}': 1 } } });
    healthy = 0;
    expect(structuredClone(metrics.snapshot()).g!.values).toEqual({ '{route="r",upstream="http://u"}': 0 });
  });

  test("a push without gauges keeps the worker's gauges from its last answer", () => {
    const totals = createWorkerMetrics({ slots: 1 });
    const id = totals.started(0);
    const full = new Metrics();
    full.gauge('g', 'G.', () => [[{ a: 'b' }, 5]]);
    totals.report(0, id, full.snapshot());
    totals.report(0, id, full.snapshot({ gauges: false }));
    expect(samples(totals.render(own()))['g{a="b",worker="1"}']).toBe(5);
  });

  test('histograms add up across workers bucket by bucket, and render as histograms', () => {
    const worker = (values: number[]) => {
      const admin = createAdminState();
      for (const v of values) admin.meter.record('api', 200, v);
      return admin.metrics.snapshot();
    };
    const totals = createWorkerMetrics({ slots: 2 });
    totals.report(0, totals.started(0), worker([0.002, 0.2]));
    totals.report(1, totals.started(1), worker([0.002]));
    const text = totals.render(own());
    expect(text).toContain('# TYPE gatehouse_request_duration_seconds histogram');
    const s = samples(text);
    expect(s['gatehouse_request_duration_seconds_bucket{route="api",le="0.0025"}']).toBe(2);
    expect(s['gatehouse_request_duration_seconds_bucket{route="api",le="0.25"}']).toBe(3);
    expect(s['gatehouse_request_duration_seconds_bucket{route="api",le="+Inf"}']).toBe(3);
    expect(s['gatehouse_request_duration_seconds_count{route="api"}']).toBe(3);
    expect(s['gatehouse_request_duration_seconds_sum{route="api"}']).toBeCloseTo(0.204, 6);
    expect(s['gatehouse_requests_total{route="api",code="2xx"}']).toBe(3);
  });

  test('sums the same series across workers, under the names and labels one process shows', () => {
    const totals = createWorkerMetrics({ slots: 2 });
    const a = totals.started(0);
    const b = totals.started(1);
    totals.report(0, a, workerCounts(3, 1));
    totals.report(1, b, workerCounts(4));
    const text = totals.render(own());
    expect(samples(text)).toEqual({
      'gatehouse_requests_total{route="api",code="2xx"}': 7,
      'gatehouse_requests_total{route="api",code="5xx"}': 1,
      'gatehouse_worker_up{worker="1"}': 1,
      'gatehouse_worker_up{worker="2"}': 1,
      'gatehouse_worker_requests_total{worker="1"}': 4,
      'gatehouse_worker_requests_total{worker="2"}': 4,
    });
    // One HELP and TYPE per family, as a single process shows them.
    expect(text.match(/# TYPE gatehouse_requests_total counter/g)).toHaveLength(1);
    expect(text).toContain('# TYPE gatehouse_worker_up gauge');
  });

  test("adds the supervisor's own counters, and shows families no worker has reported yet", () => {
    const totals = createWorkerMetrics({ slots: 1 });
    totals.started(0);
    const supervisor = createAdminState();
    supervisor.metrics.counter('gatehouse_worker_restarts_total', 'Restarts.').inc();
    const text = totals.render(supervisor.metrics.snapshot());
    expect(text).toContain('# TYPE gatehouse_requests_total counter');
    expect(samples(text)['gatehouse_worker_restarts_total']).toBe(1);
  });

  test('reports replace the previous one of the same worker (they are cumulative)', () => {
    const totals = createWorkerMetrics({ slots: 1 });
    const a = totals.started(0);
    totals.report(0, a, workerCounts(2));
    totals.report(0, a, workerCounts(5));
    expect(samples(totals.render(own()))['gatehouse_requests_total{route="api",code="2xx"}']).toBe(5);
  });

  test("a restarted worker's counts are added to what its predecessors counted: totals never go down", () => {
    const totals = createWorkerMetrics({ slots: 2 });
    const first = totals.started(0);
    const other = totals.started(1);
    totals.report(0, first, workerCounts(10));
    totals.report(1, other, workerCounts(1));
    totals.exited(0, first);
    let s = samples(totals.render(own()));
    expect(s['gatehouse_worker_up{worker="1"}']).toBe(0);
    expect(s['gatehouse_requests_total{route="api",code="2xx"}']).toBe(11);

    const second = totals.started(0);
    s = samples(totals.render(own()));
    expect(s['gatehouse_worker_up{worker="1"}']).toBe(1);
    expect(s['gatehouse_requests_total{route="api",code="2xx"}']).toBe(11);

    totals.report(0, second, workerCounts(3));
    totals.exited(0, second);
    const third = totals.started(0);
    totals.report(0, third, workerCounts(1));
    s = samples(totals.render(own()));
    expect(s['gatehouse_requests_total{route="api",code="2xx"}']).toBe(10 + 3 + 1 + 1);
    expect(s['gatehouse_worker_requests_total{worker="1"}']).toBe(14);
    expect(s['gatehouse_worker_requests_total{worker="2"}']).toBe(1);
  });

  test('a report that arrives after its worker exited adds only what is new; one from an older worker is ignored', () => {
    const totals = createWorkerMetrics({ slots: 1 });
    const first = totals.started(0);
    totals.report(0, first, workerCounts(4));
    totals.exited(0, first);
    const second = totals.started(0);
    totals.report(0, second, workerCounts(1));
    totals.report(0, first, workerCounts(6));
    totals.report(0, first, workerCounts(5)); // stale: not less than before
    expect(samples(totals.render(own()))['gatehouse_requests_total{route="api",code="2xx"}']).toBe(6 + 1);

    totals.exited(0, second);
    totals.started(0);
    totals.report(0, first, workerCounts(100));
    expect(samples(totals.render(own()))['gatehouse_requests_total{route="api",code="2xx"}']).toBe(7);
  });

  test('a series first seen after a restart keeps the old ones', () => {
    const totals = createWorkerMetrics({ slots: 1 });
    const first = totals.started(0);
    totals.report(0, first, workerCounts(2));
    totals.exited(0, first);
    const second = totals.started(0);
    totals.report(0, second, workerCounts(0, 3));
    const s = samples(totals.render(own()));
    expect(s['gatehouse_requests_total{route="api",code="2xx"}']).toBe(2);
    expect(s['gatehouse_requests_total{route="api",code="5xx"}']).toBe(3);
  });

  test("gauges are not summed: each live worker's series shows with its worker label, an exited worker's not at all", () => {
    const healthy = 'gatehouse_upstream_healthy';
    const worker = (values: number[], extra: Record<string, number> = {}) => {
      const metrics = new Metrics();
      metrics.counter('gatehouse_requests_total', 'Requests.').inc({ code: '2xx' });
      metrics.gauge(healthy, 'Healthy.', () => values.map((v, i) => [{ route: 'routes[0]', upstream: `http://10.0.0.${i + 5}:8080` }, v] as const));
      for (const [name, value] of Object.entries(extra)) metrics.gauge(name, 'Unlabelled.', () => [[{}, value]]);
      return metrics.snapshot();
    };
    const totals = createWorkerMetrics({ slots: 3 });
    const [a, b, c] = [totals.started(0), totals.started(1), totals.started(2)];
    totals.report(0, a, worker([1, 0], { pending: 4 }));
    totals.report(1, b, worker([1, 1], { pending: 2 }));
    totals.report(2, c, worker([0, 0]));
    const supervisor = new Metrics();
    supervisor.gauge('pending', 'Unlabelled.', () => [[{}, 7]]);
    let text = totals.render(supervisor.snapshot());
    let s = samples(text);
    expect(s).toMatchObject({
      'gatehouse_requests_total{code="2xx"}': 3,
      'gatehouse_upstream_healthy{route="routes[0]",upstream="http://10.0.0.5:8080",worker="1"}': 1,
      'gatehouse_upstream_healthy{route="routes[0]",upstream="http://10.0.0.6:8080",worker="1"}': 0,
      'gatehouse_upstream_healthy{route="routes[0]",upstream="http://10.0.0.5:8080",worker="2"}': 1,
      'gatehouse_upstream_healthy{route="routes[0]",upstream="http://10.0.0.6:8080",worker="2"}': 1,
      'gatehouse_upstream_healthy{route="routes[0]",upstream="http://10.0.0.6:8080",worker="3"}': 0,
      // The supervisor's own gauge as it is; a worker's unlabelled one gets just the worker label.
      pending: 7,
      'pending{worker="1"}': 4,
      'pending{worker="2"}': 2,
    });
    expect(Object.keys(s).filter((k) => k.startsWith(healthy))).toHaveLength(6);
    expect(text.match(/# TYPE gatehouse_upstream_healthy gauge/g)).toHaveLength(1);
    expect(text.match(/# TYPE pending gauge/g)).toHaveLength(1);

    // A worker that exited takes its gauges with it; its counts stay, and so does a report it sent late.
    totals.exited(1, b);
    totals.report(1, b, worker([0, 0]));
    s = samples(totals.render(new Metrics().snapshot()));
    expect(Object.keys(s).filter((k) => k.includes('worker="2"') && !k.startsWith('gatehouse_worker_'))).toEqual([]);
    expect(s['gatehouse_requests_total{code="2xx"}']).toBe(3);

    // Its replacement shows only its own gauges, never added to the old ones.
    const d = totals.started(1);
    totals.report(1, d, worker([0, 1]));
    text = totals.render(new Metrics().snapshot());
    s = samples(text);
    expect(s['gatehouse_upstream_healthy{route="routes[0]",upstream="http://10.0.0.5:8080",worker="2"}']).toBe(0);
    expect(s['gatehouse_upstream_healthy{route="routes[0]",upstream="http://10.0.0.6:8080",worker="2"}']).toBe(1);
    expect(s['gatehouse_upstream_healthy{route="routes[0]",upstream="http://10.0.0.6:8080"}']).toBeUndefined();

    // With every worker gone, no gauge series is left (none kept, none summed).
    totals.exited(0, a);
    totals.exited(2, c);
    totals.exited(1, d);
    expect(Object.keys(samples(totals.render(new Metrics().snapshot()))).filter((k) => k.startsWith(healthy))).toEqual([]);
  });
});
