import type { Metrics } from '../admin/metrics.ts';
import { createWorkerMetrics } from '../admin/worker-metrics.ts';
import { isMetricsReport, type MetricsRequest } from './metrics-ipc.ts';

/** The supervisor's `/metrics`: its own counters plus every worker's, gathered over IPC. */
export interface SupervisorMetrics {
  /**
   * A worker process started in `slot`; `send` reaches it. Hand `receive` the IPC messages it
   * sends and call `exited` once it is gone.
   */
  worker(slot: number, send: (message: MetricsRequest) => void): { receive(message: unknown): void; exited(): void };
  /** Asks every running worker for its counters, waits for the answers (bounded), renders all. */
  render(): Promise<string>;
}

interface Running {
  slot: number;
  generation: number;
  send: (message: MetricsRequest) => void;
  /** The last request it answered. */
  answered: number;
}

/**
 * Collects worker counters for the supervisor's admin listener. Workers also push them every
 * second, so a worker too busy to answer a scrape in time shows counts at most that old.
 *
 * Options: `slots`, how many workers run; `own`, the supervisor's counters; `waitMs` (default
 * 250), how long a scrape waits for the workers to answer.
 */
export function createSupervisorMetrics(options: { slots: number; own: Metrics; waitMs?: number }): SupervisorMetrics {
  const waitMs = options.waitMs ?? 250;
  const totals = createWorkerMetrics({ slots: options.slots });
  const running = new Map<number, Running>();
  const waiters = new Set<() => void>();
  const wake = () => [...waiters].forEach((check) => check());
  let requests = 0;

  return {
    worker(slot, send) {
      const generation = totals.started(slot);
      const self: Running = { slot, generation, send, answered: 0 };
      running.set(generation, self);
      return {
        receive(message) {
          if (!isMetricsReport(message)) return;
          totals.report(slot, generation, message.snapshot);
          if (message.id !== undefined) self.answered = Math.max(self.answered, message.id);
          wake();
        },
        exited() {
          totals.exited(slot, generation);
          running.delete(generation);
          wake();
        },
      };
    },
    async render() {
      const id = ++requests;
      const asked = [...running.values()].filter((w) => {
        try {
          w.send({ gatehouse: 'metrics?', id });
          return true;
        } catch {
          return false; // exiting: its exit keeps the counts it last reported
        }
      });
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const check = () => asked.every((w) => w.answered >= id || !running.has(w.generation)) && done();
        const timer = setTimeout(done, waitMs);
        waiters.add(check);
        check();
      });
      return totals.render(options.own.snapshot());
    },
  };
}
