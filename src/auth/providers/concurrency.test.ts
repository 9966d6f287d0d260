import { expect, test } from 'bun:test';
import { BusyError, createConcurrencyLimit } from './concurrency.ts';

/** A task that runs until `release()` and records how many ran at once. */
function tracker() {
  const state = { running: 0, most: 0, started: 0 };
  const gates: (() => void)[] = [];
  const task = async () => {
    state.started++;
    state.running++;
    state.most = Math.max(state.most, state.running);
    await new Promise<void>((r) => gates.push(r));
    state.running--;
    return 'done';
  };
  const releaseAll = () => gates.splice(0).forEach((r) => r());
  return { state, task, releaseAll };
}

test('runs at most `concurrency` tasks at once; the rest wait their turn', async () => {
  const limit = createConcurrencyLimit({ concurrency: 2, maxQueue: 10, maxWaitMs: 5000 });
  const { state, task, releaseAll } = tracker();
  const runs = Array.from({ length: 6 }, () => limit.run(task));
  for (let i = 0; i < 3; i++) {
    await Bun.sleep(5);
    expect(state.running).toBe(2);
    releaseAll();
  }
  expect(await Promise.all(runs)).toEqual(Array(6).fill('done'));
  expect(state.most).toBe(2);
});

test('a full queue refuses at once, without running the task', async () => {
  const limit = createConcurrencyLimit({ concurrency: 1, maxQueue: 1, maxWaitMs: 5000 });
  const { state, task, releaseAll } = tracker();
  const first = limit.run(task);
  const second = limit.run(task);
  await expect(limit.run(task)).rejects.toBeInstanceOf(BusyError);
  expect(state.started).toBe(1);
  releaseAll();
  await first;
  await Bun.sleep(1);
  releaseAll();
  await second;
  expect(state.started).toBe(2);
});

test('a wait longer than maxWaitMs is refused and leaves the queue', async () => {
  const limit = createConcurrencyLimit({ concurrency: 1, maxQueue: 1, maxWaitMs: 20 });
  const { state, task, releaseAll } = tracker();
  const first = limit.run(task);
  await expect(limit.run(task)).rejects.toBeInstanceOf(BusyError);
  // The queue has room again.
  const third = limit.run(task);
  releaseAll();
  await first;
  await Bun.sleep(1);
  releaseAll();
  expect(await third).toBe('done');
  expect(state.started).toBe(2);
});

test('a failing task frees its slot', async () => {
  const limit = createConcurrencyLimit({ concurrency: 1 });
  await expect(limit.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  expect(await limit.run(async () => 'ok')).toBe('ok');
});
