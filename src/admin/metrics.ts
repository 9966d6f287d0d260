import type { Counter } from '../plugin-api/index.ts';
import { renderFamilies } from './prometheus-text.ts';

interface CounterFamily {
  help: string;
  values: Map<string, number>;
}

/**
 * Every counter of one process as plain data (it crosses IPC from a worker to the supervisor):
 * by metric name, the help text and the values by formatted label set (`` for none).
 */
export type MetricsSnapshot = Record<string, { help: string; values: Record<string, number> }>;

/** Counters exported in Prometheus text format on the admin `/metrics` endpoint. */
export class Metrics {
  private readonly families = new Map<string, CounterFamily>();

  counter(name: string, help: string): Counter {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`"${name}" is not a valid metric name`);
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
    };
  }

  render(): string {
    return renderFamilies([...this.families].map(([name, { help, values }]) => [name, { help, type: 'counter', values }] as const));
  }

  snapshot(): MetricsSnapshot {
    const out: MetricsSnapshot = {};
    for (const [name, { help, values }] of this.families) out[name] = { help, values: Object.fromEntries(values) };
    return out;
  }
}

function formatLabels(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return `{${parts.join(',')}}`;
}
