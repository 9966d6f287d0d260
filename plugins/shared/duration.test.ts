import { expect, test } from 'bun:test';
import { parseDuration } from './duration.ts';

test('parses durations into milliseconds', () => {
  expect(parseDuration('30s')).toBe(30_000);
  expect(parseDuration('500ms')).toBe(500);
  expect(parseDuration('1m30s')).toBe(90_000);
  expect(parseDuration('2h')).toBe(7_200_000);
  expect(parseDuration('1.5s')).toBe(1500);
  expect(parseDuration(' 10 ')).toBe(10_000);
  expect(parseDuration(5)).toBe(5000);
  expect(parseDuration(0.25)).toBe(250);
});

test('refuses anything else', () => {
  for (const bad of ['', 's', 'x30s', '30 s', '-1s', '30sec', '1d']) expect(parseDuration(bad)).toBeUndefined();
  expect(parseDuration(-1)).toBeUndefined();
  expect(parseDuration(Number.NaN)).toBeUndefined();
});
