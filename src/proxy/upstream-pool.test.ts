import { describe, expect, test } from 'bun:test';
import { silentLogger } from '../log/logger.ts';
import { UpstreamPool } from './upstream-pool.ts';

const refused = Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
const tlsFailure = Object.assign(new Error('bad cert'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });

describe('UpstreamPool', () => {
  test('an unreachable member is out for a while; a TLS failure does not take it out', () => {
    const pool = new UpstreamPool(['http://a.test', 'http://b.test'], 1000, { lbPolicy: 'first' });
    const [a, b] = pool.members;
    pool.sending(a!);
    expect(pool.failed(a!, tlsFailure, silentLogger)).toMatchObject({ reason: 'upstream certificate not trusted', beforeSend: true, unreachable: false });
    expect(pool.order(0)).toEqual([a!, b!]);
    pool.sending(a!);
    pool.failed(a!, refused, silentLogger);
    const now = Date.now();
    expect(pool.order(now)).toEqual([b!]);
    expect(pool.order(now + 2001)).toEqual([a!, b!]);
    expect(a!.inFlight).toBe(0);
  });

  test('Retry-After is the time until the first member is back, at least 1 second', () => {
    const pool = new UpstreamPool(['http://a.test', 'http://b.test'], 1000);
    const [a, b] = pool.members;
    a!.downUntil = 10_500;
    b!.healthy = false;
    b!.healthyAgainAt = 30_000;
    expect(pool.order(10_000)).toEqual([]);
    expect(pool.retryAfterSeconds(7_000)).toBe(4);
    expect(pool.retryAfterSeconds(10_400)).toBe(1);
  });

  test('the last member in is never taken out passively; it keeps its last error', () => {
    const pool = new UpstreamPool('http://a.test', 1000);
    pool.sending(pool.members[0]!);
    pool.failed(pool.members[0]!, refused, silentLogger);
    expect(pool.status('routes[0]', 'http://x.test').members[0]).toMatchObject({ healthy: true, state: 'up', last_error: 'connection refused' });
    expect(pool.order()).toHaveLength(1);
  });

  test('status hides credentials in upstream URLs and says why a member is out', () => {
    const pool = new UpstreamPool(['http://user:secret@a.test:8080/base', 'http://b.test'], 1000);
    pool.sending(pool.members[0]!);
    pool.failed(pool.members[0]!, refused, silentLogger);
    const status = pool.status('routes[0]', 'http://x.test');
    expect(status.members[0]).toMatchObject({ upstream: 'http://a.test:8080/base', healthy: false, state: 'cooling_down', last_error: 'connection refused' });
    expect(JSON.stringify(status)).not.toContain('secret');
  });
});
