/**
 * A bound on how many expensive tasks (argon2 password checks: each takes a core and, at the
 * default cost, 64 MiB) run at once; the rest wait briefly in a short queue or are turned away.
 */
import { availableParallelism } from 'node:os';

export class BusyError extends Error {
  constructor() {
    super('too many password checks in progress');
  }
}

export interface ConcurrencyLimitOptions {
  /** Tasks running at once. Default one per core (`navigator.hardwareConcurrency`). */
  concurrency?: number;
  /** Tasks waiting for a slot; one more is refused at once. Default 32. */
  maxQueue?: number;
  /** Longest wait for a slot in ms, after which the task is refused. Default 2000. */
  maxWaitMs?: number;
}

export interface ConcurrencyLimit {
  /** Runs `task` in a free slot; rejects with `BusyError` (without running it) when none frees up in time. */
  run<T>(task: () => Promise<T>): Promise<T>;
}

/** Creates a limit; see ConcurrencyLimitOptions for the defaults. */
export function createConcurrencyLimit(options: ConcurrencyLimitOptions = {}): ConcurrencyLimit {
  const concurrency = Math.max(1, options.concurrency ?? (globalThis.navigator?.hardwareConcurrency || availableParallelism()));
  const maxQueue = options.maxQueue ?? 32;
  const maxWaitMs = options.maxWaitMs ?? 2000;
  let active = 0;
  const queue: { start(): void; timer: ReturnType<typeof setTimeout> }[] = [];

  const release = () => {
    const next = queue.shift();
    if (!next) {
      active--;
      return;
    }
    // The slot passes straight to the next task, so `active` does not change.
    clearTimeout(next.timer);
    next.start();
  };

  return {
    async run(task) {
      if (active < concurrency) active++;
      else {
        if (queue.length >= maxQueue) throw new BusyError();
        await new Promise<void>((resolve, reject) => {
          const entry = {
            start: resolve,
            timer: setTimeout(() => {
              queue.splice(queue.indexOf(entry), 1);
              reject(new BusyError());
            }, maxWaitMs),
          };
          queue.push(entry);
        });
      }
      try {
        return await task();
      } finally {
        release();
      }
    },
  };
}
