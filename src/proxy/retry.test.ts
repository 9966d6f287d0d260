import { describe, expect, test } from 'bun:test';
import { DEFAULT_RETRY, retryPlan, retryPolicy } from './retry.ts';

describe('retry', () => {
  const configured = retryPolicy({ attempts: 3, on: ['connect_failure', 502, 503] });

  test('without retry: connect failures only (each member once, bounded by the proxy)', () => {
    expect(retryPolicy(undefined)).toBe(DEFAULT_RETRY);
    expect(retryPlan(DEFAULT_RETRY, 'GET', false)).toEqual({ attempts: Infinity, statuses: null });
    expect(DEFAULT_RETRY.onConnectFailure).toBe(true);
  });

  test('statuses are retried for idempotent methods only', () => {
    expect(retryPlan(configured, 'GET', false)).toEqual({ attempts: 3, statuses: new Set([502, 503]) });
    expect(retryPlan(configured, 'DELETE', false).statuses).toEqual(new Set([502, 503]));
    expect(retryPlan(configured, 'POST', false)).toEqual({ attempts: 3, statuses: null });
    expect(retryPlan(configured, 'PATCH', false).statuses).toBeNull();
  });

  test('a request with a body gets one attempt', () => {
    expect(retryPlan(configured, 'PUT', true)).toEqual({ attempts: 1, statuses: null });
    expect(retryPlan(DEFAULT_RETRY, 'GET', true)).toEqual({ attempts: 1, statuses: null });
  });

  test('on without connect_failure does not retry unreachable members', () => {
    expect(retryPolicy({ attempts: 2, on: [503] })).toMatchObject({ onConnectFailure: false, idempotent: { attempts: 2, statuses: new Set([503]) } });
  });
});
