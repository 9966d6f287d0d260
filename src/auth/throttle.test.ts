import { expect, test } from 'bun:test';
import { createThrottle } from './throttle.ts';

test('per account: blocked after perUser failures from any IP, until the window ends', () => {
  let now = 0;
  const t = createThrottle({ perUser: 3, perIp: 100, windowMs: 60_000, now: () => now });
  for (let i = 0; i < 3; i++) {
    expect(t.retryAfterMs(`10.0.0.${i}`, 'alice@example.test')).toBe(0);
    t.fail(`10.0.0.${i}`, 'alice@example.test');
  }
  expect(t.retryAfterMs('10.9.9.9', 'ALICE@example.test ')).toBeGreaterThan(0);
  expect(t.retryAfterMs('10.9.9.9', 'bob@example.test')).toBe(0);
  now = 60_001;
  expect(t.retryAfterMs('10.9.9.9', 'alice@example.test')).toBe(0);
});

test('per IP: blocked after perIp failures whatever the account', () => {
  const t = createThrottle({ perUser: 100, perIp: 3 });
  for (let i = 0; i < 3; i++) t.fail('10.0.0.1', `user${i}@example.test`);
  expect(t.retryAfterMs('10.0.0.1', 'new@example.test')).toBeGreaterThan(0);
  expect(t.retryAfterMs('10.0.0.2', 'new@example.test')).toBe(0);
});

test('a success clears the account count', () => {
  const t = createThrottle({ perUser: 2 });
  t.fail('1.1.1.1', 'a');
  t.succeed('a');
  t.fail('1.1.1.1', 'a');
  expect(t.retryAfterMs('1.1.1.1', 'a')).toBe(0);
});
