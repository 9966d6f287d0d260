import { describe, expect, test } from 'bun:test';
import type { RouteUpstreamStatus } from '../admin/upstream-status.ts';
import { statusTable, workersStatusTable } from './status.ts';

const now = Date.parse('2026-01-01T12:00:10.000Z');

function routes(bOut: boolean): RouteUpstreamStatus[] {
  return [
    {
      route: 'routes[0]',
      from: 'https://api.example.test',
      lb_policy: 'round_robin',
      health_check: true,
      members: [
        { upstream: 'http://10.0.0.5:8080', healthy: true, state: 'up', in_flight: 3 },
        bOut
          ? { upstream: 'http://10.0.0.6:8080', healthy: false, state: 'failing_checks', in_flight: 0, back_at: '2026-01-01T12:00:22.000Z', last_error: 'health check answered 503', last_error_at: '2026-01-01T12:00:02.000Z' }
          : { upstream: 'http://10.0.0.6:8080', healthy: true, state: 'up', in_flight: 1 },
      ],
    },
  ];
}

describe('gatehouse status tables', () => {
  test('one process: a line per member, then the count out', () => {
    expect(statusTable(routes(true), now).split('\n')).toEqual([
      'ROUTE      FROM                      UPSTREAM              STATE                         IN FLIGHT  LAST ERROR',
      'routes[0]  https://api.example.test  http://10.0.0.5:8080  up                            3',
      'routes[0]  https://api.example.test  http://10.0.0.6:8080  failing_checks (back in 12s)  0          health check answered 503, 8s ago',
      '2 members, 1 out',
    ]);
  });

  test("workers: a WORKER column, each member's rows together, a member out on any worker counted once", () => {
    expect(workersStatusTable([{ worker: 1, routes: routes(true) }, { worker: 2, routes: routes(false) }], now).split('\n')).toEqual([
      'WORKER  ROUTE      FROM                      UPSTREAM              STATE                         IN FLIGHT  LAST ERROR',
      '1       routes[0]  https://api.example.test  http://10.0.0.5:8080  up                            3',
      '2       routes[0]  https://api.example.test  http://10.0.0.5:8080  up                            3',
      '1       routes[0]  https://api.example.test  http://10.0.0.6:8080  failing_checks (back in 12s)  0          health check answered 503, 8s ago',
      '2       routes[0]  https://api.example.test  http://10.0.0.6:8080  up                            1',
      '2 workers, 2 members, 1 out',
    ]);
    expect(workersStatusTable([], now).split('\n').at(-1)).toBe('0 workers, 0 members, 0 out');
  });
});
