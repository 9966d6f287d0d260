import { describe, expect, test } from 'bun:test';
import { Metrics } from '../admin/metrics.ts';
import type { MetricsRequest } from './metrics-ipc.ts';
import { createSupervisorMetrics } from './supervisor-metrics.ts';

function countsOf(n: number) {
  const metrics = new Metrics();
  metrics.counter('gatehouse_requests_total', 'Requests.').inc({ code: '2xx' }, n);
  return metrics.snapshot();
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
});
