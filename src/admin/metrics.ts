import type { Counter } from '../plugin-api/index.ts';

interface CounterFamily {
  help: string;
  values: Map<string, number>;
}

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
    let out = '';
    for (const [name, family] of this.families) {
      out += `# HELP ${name} ${family.help}\n# TYPE ${name} counter\n`;
      for (const [labels, value] of family.values) out += `${name}${labels} ${value}\n`;
    }
    return out;
  }
}

function formatLabels(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return `{${parts.join(',')}}`;
}
