import type { Counter } from '../plugin-api/index.ts';
import { Series, type HistogramSeries } from './histogram.ts';
import { renderFamilies } from './prometheus-text.ts';

interface CounterFamily {
  help: string;
  values: Map<string, number>;
}

/**
 * Every metric of one process as plain data (it crosses IPC from a worker to the supervisor): by
 * metric name, the help text and the values by formatted label set (`` for none; a histogram's by
 * `_bucket{…}`, `_sum{…}`, `_count{…}`, all cumulative, so they add up too). A gauge's values are
 * read when the snapshot is taken and are this process's state: they do not add up.
 */
export type MetricsSnapshot = Record<string, { help: string; type?: 'counter' | 'histogram' | 'gauge'; values: Record<string, number> }>;

/** A counter that can also hand out an incrementer for one fixed label set, formatted once. */
export interface BindableCounter extends Counter {
  /** `inc(labels)` without formatting `labels` again: for a hot path that keeps the result. */
  bind(labels: Record<string, string>): (by?: number) => void;
}

/** A histogram by label set; keep the series a hot path observes into. */
export interface Histogram {
  series(labels: Record<string, string>): HistogramSeries;
}

/** Counters exported in Prometheus text format on the admin `/metrics` endpoint. */
export class Metrics {
  private readonly families = new Map<string, CounterFamily>();
  private readonly histograms = new Map<string, { help: string; series: Map<string, Series> }>();
  private readonly gauges = new Map<string, { help: string; read: () => Iterable<readonly [Record<string, string>, number]> }>();

  counter(name: string, help: string): BindableCounter {
    checkName(name);
    let family = this.families.get(name);
    if (!family) this.families.set(name, (family = { help, values: new Map() }));
    const values = family.values;
    // Formatting labels costs more than counting; the same few label sets recur on every request.
    const keys = new Map<string, string>();
    return {
      inc(labels, by = 1) {
        let key = '';
        if (labels) {
          let cacheKey = '';
          for (const name in labels) cacheKey += `${name}\u0000${labels[name]}\u0000`;
          key = keys.get(cacheKey) ?? formatLabels(labels);
          if (keys.size < 1000) keys.set(cacheKey, key);
        }
        values.set(key, (values.get(key) ?? 0) + by);
      },
      bind(labels) {
        const key = formatLabels(labels);
        return (by = 1) => void values.set(key, (values.get(key) ?? 0) + by);
      },
    };
  }

  /** A histogram with `bounds` (upper bounds, ascending); the same name gives the same histogram. */
  histogram(name: string, help: string, bounds: readonly number[]): Histogram {
    checkName(name);
    let family = this.histograms.get(name);
    if (!family) this.histograms.set(name, (family = { help, series: new Map() }));
    const series = family.series;
    return {
      series(labels) {
        const key = formatLabels(labels);
        let found = series.get(key);
        if (!found) series.set(key, (found = new Series(bounds)));
        return found;
      },
    };
  }

  /**
   * A gauge whose samples `read` gives when `/metrics` is rendered or a snapshot is taken. This
   * process's state only: a workers' supervisor shows each worker's with a `worker` label.
   */
  gauge(name: string, help: string, read: () => Iterable<readonly [labels: Record<string, string>, value: number]>): void {
    checkName(name);
    this.gauges.set(name, { help, read });
  }

  render(): string {
    const counters = [...this.families].map(([name, { help, values }]) => [name, { help, type: 'counter', values }] as const);
    const histograms = [...this.histograms].map(([name, { help, series }]) => [name, { help, type: 'histogram', values: histogramSamples(series) }] as const);
    const gauges = [...this.gauges].map(([name, { help, read }]) => [name, { help, type: 'gauge', values: gaugeSamples(read) }] as const);
    return renderFamilies([...counters, ...histograms, ...gauges]);
  }

  /** `gauges: false` leaves the gauges out (they can be large: one series per route member). */
  snapshot(options: { gauges?: boolean } = {}): MetricsSnapshot {
    const out: MetricsSnapshot = {};
    for (const [name, { help, values }] of this.families) out[name] = { help, values: Object.fromEntries(values) };
    for (const [name, { help, series }] of this.histograms) out[name] = { help, type: 'histogram', values: Object.fromEntries(histogramSamples(series)) };
    if (options.gauges !== false) for (const [name, { help, read }] of this.gauges) out[name] = { help, type: 'gauge', values: Object.fromEntries(gaugeSamples(read)) };
    return out;
  }
}

function gaugeSamples(read: () => Iterable<readonly [Record<string, string>, number]>): [string, number][] {
  return [...read()].map(([labels, value]) => [formatLabels(labels), value]);
}

function histogramSamples(series: Map<string, Series>): [string, number][] {
  return [...series].flatMap(([labels, s]) => s.samples(labels));
}

function checkName(name: string): void {
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`"${name}" is not a valid metric name`);
}

function formatLabels(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}
