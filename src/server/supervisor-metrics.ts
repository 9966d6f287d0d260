import type { Metrics } from '../admin/metrics.ts';
import type { RouteUpstreamStatus } from '../admin/upstream-status.ts';
import { createWorkerMetrics } from '../admin/worker-metrics.ts';
import { isMetricsReport, type MetricsRequest } from './metrics-ipc.ts';

/** One worker's upstream members, as the supervisor's `GET /status` lists them (`worker` counts from 1). */
export interface WorkerUpstreamStatus {
  worker: number;
  routes: RouteUpstreamStatus[];
}

/** The supervisor's `/metrics` and `/status`: its own metrics plus every worker's, gathered over IPC. */
export interface SupervisorMetrics {
  /**
   * A worker process started in `slot`; `send` reaches it. Hand `receive` the IPC messages it
   * sends and call `exited` once it is gone.
   */
  worker(slot: number, send: (message: MetricsRequest) => void): { receive(message: unknown): void; exited(): void };
  /** Asks every running worker for its metrics, waits for the answers (bounded), renders all. */
  render(): Promise<string>;
  /**
   * Asks every running worker for its upstream status, waits for the answers (bounded, as
   * `render`), and lists the latest of each running worker that has reported one, by slot.
   */
  upstreams(): Promise<{ workers: WorkerUpstreamStatus[] }>;
}

interface Running {
  slot: number;
  generation: number;
  send: (message: MetricsRequest) => void;
  /** The last request it answered. */
  answered: number;
  /** Its latest upstream status; none before its first report. */
  upstreams?: RouteUpstreamStatus[];
}

/**
 * Collects worker metrics and upstream status for the supervisor's admin listener. Workers also
 * push them every second, so a worker too busy to answer a scrape in time shows state at most
 * that old.
 *
 * Options: `slots`, how many workers run; `own`, the supervisor's metrics; `waitMs` (default
 * 250), how long a scrape (or `/status`) waits for the workers to answer.
 */
export function createSupervisorMetrics(options: { slots: number; own: Metrics; waitMs?: number }): SupervisorMetrics {
  const waitMs = options.waitMs ?? 250;
  const totals = createWorkerMetrics({ slots: options.slots });
  const running = new Map<number, Running>();
  const waiters = new Set<() => void>();
  const wake = () => [...waiters].forEach((check) => check());
  let requests = 0;

  /** Asks every running worker for a fresh report; resolves once all answered, exited, or `waitMs` passed. */
  const askWorkers = async () => {
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
  };

  return {
    worker(slot, send) {
      const generation = totals.started(slot);
      const self: Running = { slot, generation, send, answered: 0 };
      running.set(generation, self);
      return {
        receive(message) {
          if (!isMetricsReport(message)) return;
          totals.report(slot, generation, message.snapshot);
          if (message.upstreams) self.upstreams = message.upstreams;
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
      await askWorkers();
      return totals.render(options.own.snapshot());
    },
    async upstreams() {
      await askWorkers();
      const reported = [...running.values()].filter((w) => w.upstreams).sort((a, b) => a.slot - b.slot);
      return { workers: reported.map((w) => ({ worker: w.slot + 1, routes: w.upstreams! })) };
    },
  };
}
