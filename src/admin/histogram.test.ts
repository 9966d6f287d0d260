import { describe, expect, test } from 'bun:test';
import { DURATION_BUCKETS, Series } from './histogram.ts';

describe('histogram series', () => {
  test('cumulative buckets, +Inf equal to the count, sum of what was observed', () => {
    const s = new Series([0.1, 1]);
    for (const v of [0.05, 0.1, 0.5, 2]) s.observe(v);
    expect(s.samples('{route="a"}')).toEqual([
      ['_bucket{route="a",le="0.1"}', 2],
      ['_bucket{route="a",le="1"}', 3],
      ['_bucket{route="a",le="+Inf"}', 4],
      ['_sum{route="a"}', 2.65],
      ['_count{route="a"}', 4],
    ]);
    expect(new Series([1]).samples('')).toEqual([]);
  });

  test('a series with nothing observed sends nothing (routes are many)', () => {
    expect(new Series(DURATION_BUCKETS).samples('{route="a"}')).toEqual([]);
  });

  test('without labels the le label stands alone', () => {
    const s = new Series([1]);
    s.observe(0.5);
    expect(s.samples('')[0]).toEqual(['_bucket{le="1"}', 1]);
  });
});
