/** Bucket bounds in seconds for durations: 1 ms to 10 s, as Prometheus client libraries space them. */
export const DURATION_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** One label set of a histogram. */
export interface HistogramSeries {
  observe(value: number): void;
}

/**
 * A histogram's samples for one label set. Counts are kept per bucket (not cumulative), so an
 * observation is one array increment; the cumulative `le` series are made when read.
 */
export class Series implements HistogramSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }

  /**
   * The Prometheus series of this label set (`labels` formatted, e.g. `{route="a"}` or ``), by
   * the text that follows the family name: `_bucket{…,le="0.1"}` (cumulative), `_sum…`, `_count…`;
   * none before the first observation.
   */
  samples(labels: string): [string, number][] {
    // A series nothing was observed in is left out: routes are many, and each member's series
    // exists from the start (10,000 routes would otherwise send 160,000 zeros every second).
    if (this.count === 0) return [];
    const out: [string, number][] = [];
    const open = labels === '' ? '{' : `${labels.slice(0, -1)},`;
    let cumulative = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      cumulative += this.counts[i]!;
      out.push([`_bucket${open}le="${this.bounds[i]}"}`, cumulative]);
    }
    out.push([`_bucket${open}le="+Inf"}`, this.count]);
    out.push([`_sum${labels}`, this.sum]);
    out.push([`_count${labels}`, this.count]);
    return out;
  }
}
