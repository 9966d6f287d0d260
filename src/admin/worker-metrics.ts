import type { MetricsSnapshot } from './metrics.ts';
import { renderFamilies, type Family } from './prometheus-text.ts';

/** The counter behind the per-worker request totals (registered by `createAdminState`). */
const REQUESTS = 'gatehouse_requests_total';

/**
 * The metrics of every worker process: counters and histograms summed into the series one process
 * would show, gauges per live worker.
 */
export interface WorkerMetrics {
  /** A worker process started in `slot` (0-based); returns the id its reports carry. */
  started(slot: number): number;
  /** The latest metrics of worker `generation` in `slot` (counters cumulative since it started). */
  report(slot: number, generation: number, snapshot: MetricsSnapshot): void;
  /** Worker `generation` in `slot` exited: its last counts stay in the totals, its gauges go. */
  exited(slot: number, generation: number): void;
  /**
   * `own` (the supervisor's metrics) plus every worker's, in Prometheus text: counters and
   * histograms added up; each live worker's gauge series with `worker="N"` added to its labels
   * (never summed: a gauge is one process's state); then `gatehouse_worker_up{worker="N"}` and
   * `gatehouse_worker_requests_total{worker="N"}`.
   */
  render(own: MetricsSnapshot): string;
}

interface Run {
  generation: number;
  snapshot: MetricsSnapshot;
}

interface Slot {
  /** What the slot's exited workers counted: a restart must not make counters go backwards. */
  base: MetricsSnapshot;
  live?: Run;
  /** The last exited worker, for reports that arrive after its exit was noticed. */
  gone?: Run;
}

/**
 * Gathers worker metrics for the supervisor's `/metrics`.
 *
 * Options: `slots`, how many workers run (the `worker` label counts them from 1).
 */
export function createWorkerMetrics(options: { slots: number }): WorkerMetrics {
  const slots: Slot[] = Array.from({ length: options.slots }, () => ({ base: {} }));
  let generations = 0;
  const slotAt = (slot: number) => {
    const found = slots[slot];
    if (!found) throw new Error(`no worker slot ${slot}`);
    return found;
  };

  return {
    started(slot) {
      const s = slotAt(slot);
      if (s.live) retire(s);
      s.live = { generation: ++generations, snapshot: {} };
      return s.live.generation;
    },
    report(slot, generation, snapshot) {
      const s = slotAt(slot);
      if (s.live?.generation === generation) s.live.snapshot = withGaugesOf(snapshot, s.live.snapshot);
      else if (s.gone?.generation === generation) {
        add(s.base, snapshot, s.gone.snapshot);
        s.gone.snapshot = snapshot;
      }
    },
    exited(slot, generation) {
      const s = slotAt(slot);
      if (s.live?.generation === generation) retire(s);
    },
    render(own) {
      const total: MetricsSnapshot = {};
      add(total, own);
      for (const s of slots) {
        add(total, s.base);
        if (s.live) add(total, s.live.snapshot);
      }
      const families = new Map<string, Family>(Object.entries(total).map(([name, { help, type, values }]) => [name, { help, type: type ?? 'counter', values: Object.entries(values) }]));
      const gauges: Gauges = new Map();
      addGauges(gauges, own, (labels) => labels);
      slots.forEach((s, i) => s.live && addGauges(gauges, s.live.snapshot, (labels) => withWorker(labels, i)));
      for (const [name, gauge] of gauges) families.set(name, gauge);
      families.set('gatehouse_worker_up', {
        help: 'Whether the worker process in this slot is running (1) or being restarted (0).',
        type: 'gauge',
        values: slots.map((s, i) => [label(i), s.live ? 1 : 0]),
      });
      families.set('gatehouse_worker_requests_total', {
        help: 'Requests answered by the workers of this slot, restarted ones included.',
        type: 'counter',
        values: slots.map((s, i) => [label(i), sum(s.base[REQUESTS]) + sum(s.live?.snapshot[REQUESTS])]),
      });
      return renderFamilies(families);
    },
  };
}

function retire(s: Slot): void {
  add(s.base, s.live!.snapshot);
  s.gone = s.live;
  s.live = undefined;
}

const label = (slot: number) => `{worker="${slot + 1}"}`;

/** `{a="b"}` → `{a="b",worker="N"}`. */
const withWorker = (labels: string, slot: number) => (labels === '' ? label(slot) : `${labels.slice(0, -1)},${label(slot).slice(1)}`);

type Gauges = Map<string, { help: string; type: 'gauge'; values: [labels: string, value: number][] }>;

/** Appends the gauge series of `snapshot` to `gauges`, their labels passed through `relabel`. */
function addGauges(gauges: Gauges, snapshot: MetricsSnapshot, relabel: (labels: string) => string): void {
  for (const [name, { help, type, values }] of Object.entries(snapshot)) {
    if (type !== 'gauge') continue;
    let gauge = gauges.get(name);
    if (!gauge) gauges.set(name, (gauge = { help, type, values: [] }));
    for (const [labels, value] of Object.entries(values)) gauge.values.push([relabel(labels), value]);
  }
}

const sum = (family: MetricsSnapshot[string] | undefined) => Object.values(family?.values ?? {}).reduce((a, b) => a + b, 0);

/**
 * Adds the counters and histograms of `snapshot` into `into`; with `minus`, only what they counted
 * since `minus` (never less than 0). Gauges are left out: they do not add up.
 */
function add(into: MetricsSnapshot, snapshot: MetricsSnapshot, minus: MetricsSnapshot = {}): void {
  for (const [name, { help, type, values }] of Object.entries(snapshot)) {
    if (type === 'gauge') continue;
    const family = (into[name] ??= type ? { help, type, values: {} } : { help, values: {} });
    for (const [labels, value] of Object.entries(values)) {
      const delta = value - (minus[name]?.values[labels] ?? 0);
      if (delta > 0 || !(labels in family.values)) family.values[labels] = (family.values[labels] ?? 0) + Math.max(0, delta);
    }
  }
}

/** `next`, keeping `previous`'s gauges where `next` has none (workers push them only when asked). */
function withGaugesOf(next: MetricsSnapshot, previous: MetricsSnapshot): MetricsSnapshot {
  let out = next;
  for (const [name, family] of Object.entries(previous)) {
    if (family.type !== 'gauge' || name in next) continue;
    if (out === next) out = { ...next };
    out[name] = family;
  }
  return out;
}
