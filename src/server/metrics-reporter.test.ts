import { describe, expect, test } from 'bun:test';
import { createAdminState } from '../admin/admin-state.ts';
import { upstreamRegistry } from '../admin/upstream-status.ts';
import { metricsReport } from './metrics-reporter.ts';

describe("a worker's metrics report", () => {
  const admin = createAdminState();
  const registry = upstreamRegistry(admin);
  registry.add({ route: 'routes[0]', status: () => ({ route: 'routes[0]', from: 'http://a.test', lb_policy: 'round_robin', health_check: false, members: [{ upstream: 'http://m', healthy: true, state: 'up', in_flight: 0 }] }) });
  admin.meter.record('routes[0]', 200, 0.01);

  test('a push carries counters and histograms, not gauges nor upstream status (they grow with the routes)', () => {
    const push = metricsReport(admin, registry);
    expect(push.id).toBeUndefined();
    expect(push.upstreams).toBeUndefined();
    expect(Object.values(push.snapshot).some((f) => f.type === 'gauge')).toBe(false);
    expect(push.snapshot.gatehouse_requests_total).toBeDefined();
    expect(push.snapshot.gatehouse_request_duration_seconds).toBeDefined();
  });

  test('an answer to the supervisor carries all of it', () => {
    const answer = metricsReport(admin, registry, 7);
    expect(answer.id).toBe(7);
    expect(answer.upstreams).toHaveLength(1);
    expect(answer.snapshot.gatehouse_upstream_healthy?.values).toEqual({ '{route="routes[0]",upstream="http://m"}': 1 });
  });
});
