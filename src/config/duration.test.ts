import { describe, expect, test } from 'bun:test';
import { parseDuration } from './duration.ts';

describe('parseDuration', () => {
  test('the units of the issue: 500ms, 30s, 14h', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('14h')).toBe(14 * 3_600_000);
  });

  test('minutes, days, fractions and compound values', () => {
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('2m15s250ms')).toBe(135_250);
  });

  test('a bare number is seconds, as text or as a YAML number', () => {
    expect(parseDuration('10')).toBe(10_000);
    expect(parseDuration(2)).toBe(2000);
    expect(parseDuration(0.5)).toBe(500);
  });

  test('surrounding whitespace is ignored', () => {
    expect(parseDuration(' 30s ')).toBe(30_000);
  });

  test('anything else is not a duration', () => {
    for (const bad of ['', 'fast', '10x', 's', '5 s', '-5s', '30s!', 'ms', '1h 30m', '30S']) {
      expect(parseDuration(bad)).toBeUndefined();
    }
    expect(parseDuration(-1)).toBeUndefined();
    expect(parseDuration(Number.NaN)).toBeUndefined();
    expect(parseDuration(Number.POSITIVE_INFINITY)).toBeUndefined();
  });
});
