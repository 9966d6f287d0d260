import { afterEach, expect, test } from 'bun:test';
import { silentLogger } from '../../log/logger.ts';
import { createMemoryStore } from '../../state/memory-store.ts';
import { createSessionRegistry, type SessionRegistry } from './session-registry.ts';

const HOUR = 3600_000;
let registries: SessionRegistry[] = [];
afterEach(() => {
  for (const r of registries) r.close();
  registries = [];
});

/** Two registries on one store, as two instances of one deployment would be; one clock. */
function deployment(options: { idleTimeoutMs?: number; graceMs?: number } = {}) {
  const clock = { t: Date.now() };
  const store = createMemoryStore({ now: () => clock.t });
  const make = () => {
    const r = createSessionRegistry({ store, log: silentLogger, ttlMs: 14 * HOUR, now: () => clock.t, reloadMs: 60_000, healthMs: 60_000, ...options });
    registries.push(r);
    return r;
  };
  return { clock, store, a: make(), b: make() };
}
const session = (sid: string, sub = 'alice', clock = { t: Date.now() }) => ({ sid, sub, email: `${sub}@example.test`, method: 'static', exp: Math.floor(clock.t / 1000) + 14 * 3600 });
const claims = (sid: string, sub: string, clock: { t: number }) => ({ sid, sub, began: Math.floor(clock.t / 1000) });

test('a revoked session is refused by every instance, through the change feed', async () => {
  const { clock, a, b } = deployment();
  await a.open(session('s1', 'alice', clock));
  expect(await b.check(claims('s1', 'alice', clock))).toBe('ok');
  await a.revokeSession('s1');
  await Bun.sleep(20); // the memory feed delivers asynchronously
  expect(await a.check(claims('s1', 'alice', clock))).toBe('revoked');
  expect(await b.check(claims('s1', 'alice', clock))).toBe('revoked');
  expect(await b.check(claims('s2', 'alice', clock))).toBe('ok');
});

test("revoking a user refuses every token issued to them before, and lists none of their sessions", async () => {
  const { clock, a, b } = deployment();
  await a.open(session('s1', 'alice', clock));
  await a.open(session('s2', 'bob', clock));
  const before = claims('t-no-session', 'alice', clock);
  clock.t += 1000;
  expect(await a.revokeUser('alice@example.test')).toBe(1);
  await Bun.sleep(20);
  expect(await b.check(before)).toBe('revoked');
  expect(await b.check(claims('s2', 'bob', clock))).toBe('ok');
  expect((await b.list()).map((s) => s.sid)).toEqual(['s2']);
  clock.t += 1000;
  expect(await b.check(claims('s3', 'alice', clock))).toBe('ok'); // signed in again afterwards
});

test('revoke all refuses every earlier token and lists nothing', async () => {
  const { clock, a, b } = deployment();
  await a.open(session('s1', 'alice', clock));
  const old = claims('s1', 'alice', clock);
  clock.t += 1000;
  await a.revokeAll();
  await Bun.sleep(20);
  expect(await b.check(old)).toBe('revoked');
  expect(await b.list()).toEqual([]);
});

test('idle_timeout: a session unused that long is refused everywhere; use on any instance keeps it alive', async () => {
  const idle = 10 * 60_000;
  const { clock, a, b } = deployment({ idleTimeoutMs: idle });
  await a.open(session('busy', 'alice', clock));
  await a.open(session('quiet', 'bob', clock));
  // `busy` is used on A every few minutes; B never sees it until late.
  for (let i = 0; i < 6; i++) {
    clock.t += 3 * 60_000;
    expect(await a.check(claims('busy', 'alice', clock))).toBe('ok');
    await Bun.sleep(5); // the write-back of use is asynchronous
  }
  expect(await b.check(claims('busy', 'alice', clock))).toBe('ok');
  expect(await a.check(claims('quiet', 'bob', clock))).toBe('idle');
  await Bun.sleep(20);
  expect(await b.check(claims('quiet', 'bob', clock))).toBe('revoked');
});

test('while the state does not answer, sessions work for the grace, then the registry fails closed', async () => {
  const clock = { t: Date.now() };
  let up = true;
  const store = createMemoryStore({ now: () => clock.t });
  const flaky = { ...store, ping: async () => up };
  const registry = createSessionRegistry({ store: flaky, log: silentLogger, ttlMs: HOUR, graceMs: 60_000, now: () => clock.t, healthMs: 5 });
  registries.push(registry);
  expect(registry.failedClosed()).toBe(false);
  up = false;
  await Bun.sleep(30);
  expect(registry.healthy()).toBe(false);
  clock.t += 30_000;
  expect(registry.failedClosed()).toBe(false);
  clock.t += 31_000;
  expect(registry.failedClosed()).toBe(true);
  up = true;
  await Bun.sleep(30);
  expect(registry.failedClosed()).toBe(false);
});

test('a session revoked before this registry existed is found by its first point lookup, even past the reload limit', async () => {
  const { clock, store, a } = deployment();
  await a.open(session('old', 'alice', clock));
  await a.revokeSession('old');
  // A registry that never saw the feed and whose full reload found nothing (as if past its limit).
  const fresh = createSessionRegistry({ store: { ...store, list: async () => [] }, log: silentLogger, ttlMs: HOUR, now: () => clock.t, reloadMs: 60_000, healthMs: 60_000 });
  registries.push(fresh);
  expect(await fresh.check(claims('old', 'alice', clock))).toBe('revoked');
});

test('a user with many others signed in is still listed and revoked by the index, not a scan', async () => {
  const { clock, a } = deployment();
  await a.open(session('mine', 'alice', clock));
  for (let i = 0; i < 50; i++) await a.open(session(`other-${i}`, `user${i}`, clock));
  expect((await a.list({ user: 'ALICE@example.test' })).map((s) => s.sid)).toEqual(['mine']);
  clock.t += 1000;
  expect(await a.revokeUser('alice@example.test')).toBe(1);
  expect(await a.check(claims('mine', 'alice', { t: clock.t - 1000 }))).toBe('revoked');
});

test('malformed or future-dated revocation messages are ignored', async () => {
  const { clock, store, a } = deployment();
  await store.publish('revocations', `all\n\n${clock.t + 365 * 24 * HOUR}`);
  await store.publish('revocations', 'all\n\n1e300');
  await store.publish('revocations', `sid\n${'x'.repeat(5000)}\n`);
  await Bun.sleep(20);
  expect(await a.check(claims('fresh', 'alice', clock))).toBe('ok');
});
