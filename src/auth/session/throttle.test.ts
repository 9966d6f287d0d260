import { expect, test } from 'bun:test';
import { addressKey, createThrottle, type Reservation, type ThrottleOptions } from './throttle.ts';

const ALICE = 'alice@example.test';

function setup(options: ThrottleOptions = {}) {
  const clock = { t: 1_000_000 };
  const throttle = createThrottle({ perIp: 100, ...options, now: () => clock.t });
  return { throttle, clock };
}
const ok = (r: Reservation) => r.ok;

test('a burst sent at once gets no more slots than the per-(account, address) limit', async () => {
  const { throttle } = setup({ perUser: 5 });
  const results = await Promise.all(Array.from({ length: 11 }, () => throttle.reserve('10.0.0.1', ALICE)));
  expect(results.filter(ok)).toHaveLength(5);
  for (const r of results.filter((r) => !r.ok)) {
    expect(r).toMatchObject({ ok: false, limit: 'account_address' });
    expect((r as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
  }
});

test('the per-(account, address) limit lasts for the window, counted from the first attempt', async () => {
  const { throttle, clock } = setup({ perUser: 3, backoffAfter: 100, windowMs: 60_000 });
  for (let i = 0; i < 3; i++) expect((await throttle.reserve('10.0.0.1', ALICE)).ok).toBe(true);
  const refused = await throttle.reserve('10.0.0.1', ' ALICE@example.test ');
  expect(refused).toEqual({ ok: false, limit: 'account_address', retryAfterMs: 60_000 });
  expect((await throttle.reserve('10.0.0.1', 'bob@example.test')).ok).toBe(true);
  clock.t += 60_000;
  expect((await throttle.reserve('10.0.0.1', ALICE)).ok).toBe(true);
});

test('per address: limited whatever the account', async () => {
  const { throttle } = setup({ perIp: 3 });
  for (let i = 0; i < 3; i++) expect((await throttle.reserve('10.0.0.1', `user${i}@example.test`)).ok).toBe(true);
  expect(await throttle.reserve('10.0.0.1', 'new@example.test')).toMatchObject({ ok: false, limit: 'address' });
  expect((await throttle.reserve('10.0.0.2', 'new@example.test')).ok).toBe(true);
});

test('after a burst from one address, the account is slowed down elsewhere, not locked out', async () => {
  const { throttle, clock } = setup({ perUser: 5, backoffAfter: 5, backoffBaseMs: 1000, backoffMaxMs: 8000 });
  await Promise.all(Array.from({ length: 11 }, () => throttle.reserve('10.0.0.1', ALICE)));
  // The real user, from another address, right away: the first delay has not been used yet.
  const real = await throttle.reserve('10.0.0.2', ALICE);
  expect(real.ok).toBe(true);
  // Attempts from yet other addresses now wait 1 s, then 2 s, 4 s, 8 s, 8 s…
  const waits: number[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await throttle.reserve(`10.1.0.${i}`, ALICE);
    expect(r).toMatchObject({ ok: false, limit: 'account' });
    const wait = (r as { retryAfterMs: number }).retryAfterMs;
    waits.push(wait);
    clock.t += wait;
    expect((await throttle.reserve(`10.1.0.${i}`, ALICE)).ok).toBe(true);
  }
  expect(waits).toEqual([1000, 2000, 4000, 8000, 8000]);
});

test('concurrent attempts from many addresses pass one at a time once delays apply', async () => {
  const { throttle } = setup({ perUser: 5, backoffAfter: 2 });
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => throttle.reserve(`10.0.0.${i}`, ALICE)));
  expect(results.filter(ok)).toHaveLength(3);
});

test('refused attempts do not count; a success clears the (account, address) count', async () => {
  const { throttle } = setup({ perUser: 2, backoffAfter: 100 });
  const first = await throttle.reserve('10.0.0.1', ALICE);
  await throttle.reserve('10.0.0.1', ALICE);
  for (let i = 0; i < 5; i++) expect((await throttle.reserve('10.0.0.1', ALICE)).ok).toBe(false);
  if (!first.ok) throw new Error('unreachable');
  await first.succeeded();
  expect((await throttle.reserve('10.0.0.1', ALICE)).ok).toBe(true);
  expect((await throttle.reserve('10.0.0.1', ALICE)).ok).toBe(true);
  expect((await throttle.reserve('10.0.0.1', ALICE)).ok).toBe(false);
});

test('a cancelled attempt gives its slot back', async () => {
  const { throttle } = setup({ perUser: 1 });
  const r = await throttle.reserve('10.0.0.1', ALICE);
  expect((await throttle.reserve('10.0.0.1', ALICE)).ok).toBe(false);
  if (!r.ok) throw new Error('unreachable');
  await r.cancel();
  expect((await throttle.reserve('10.0.0.1', ALICE)).ok).toBe(true);
});

test('an address over its limit adds no counters, so it cannot flush its own out of the store', async () => {
  const { throttle } = setup({ perIp: 1, maxKeys: 10 });
  expect((await throttle.reserve('10.0.0.1', 'a')).ok).toBe(true);
  for (let i = 0; i < 50; i++) expect(await throttle.reserve('10.0.0.1', `new${i}`)).toMatchObject({ ok: false, limit: 'address' });
});

test('IPv6 addresses count by their /64; IPv4-mapped ones as IPv4', async () => {
  expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
  expect(addressKey('2001:DB8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
  expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
  expect(addressKey('::1')).toBe('0:0:0:0::/64');
  expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  expect(addressKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
  expect(addressKey('192.0.2.1')).toBe('192.0.2.1');
  const { throttle } = setup({ perIp: 2 });
  await throttle.reserve('2001:db8:1:2::1', 'a');
  await throttle.reserve('2001:db8:1:2::2', 'b');
  expect(await throttle.reserve('2001:db8:1:2::3', 'c')).toMatchObject({ ok: false, limit: 'address' });
  expect((await throttle.reserve('2001:db8:1:3::1', 'c')).ok).toBe(true);
});
