import { expect, test } from 'bun:test';
import { originMatcher } from './origins.ts';

test('exact origins match scheme and host; a port when one is given', () => {
  const m = originMatcher(['https://api.example.test', 'http://app.localhost:8080', 'https://www.example.test:443']);
  expect(m(new URL('https://api.example.test/x'))).toBe(true);
  expect(m(new URL('https://api.example.test:443/x'))).toBe(true);
  expect(m(new URL('https://API.example.test/x'))).toBe(true);
  expect(m(new URL('http://api.example.test/x'))).toBe(false);
  expect(m(new URL('https://api.example.test:8443/x'))).toBe(true);
  expect(m(new URL('http://app.localhost:8080/'))).toBe(true);
  expect(m(new URL('http://app.localhost/'))).toBe(false);
  expect(m(new URL('http://app.localhost:8081/'))).toBe(false);
  expect(m(new URL('https://www.example.test/'))).toBe(true);
  expect(m(new URL('https://www.example.test:8443/'))).toBe(false);
});

test('wildcards match names below the domain only', () => {
  const m = originMatcher(['https://*.example.test']);
  expect(m(new URL('https://a.example.test'))).toBe(true);
  expect(m(new URL('https://a.b.example.test'))).toBe(true);
  expect(m(new URL('https://example.test'))).toBe(false);
  expect(m(new URL('https://evilexample.test'))).toBe(false);
  expect(m(new URL('https://a.example.test.evil.test'))).toBe(false);
});

test('patterns that are not origins match nothing', () => {
  const m = originMatcher(['https://api.example.test/path', 'ftp://x.test', '*']);
  expect(m(new URL('https://api.example.test/path'))).toBe(false);
});
