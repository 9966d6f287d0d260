import { expect, test } from 'bun:test';
import { originMatcher } from './origins.ts';

test('exact origins match scheme and host; a port when one is given', () => {
  const m = originMatcher(['https://api.example.test', 'http://app.localhost:8080', 'https://www.example.test:443']);
  expect(m(new URL('https://api.example.test/x'))).toBe(true);
  expect(m(new URL('https://api.example.test:443/x'))).toBe(true);
  expect(m(new URL('https://API.example.test/x'))).toBe(true);
  expect(m(new URL('http://api.example.test/x'))).toBe(false);
  expect(m(new URL('http://app.localhost:8080/'))).toBe(true);
  expect(m(new URL('http://app.localhost/'))).toBe(false);
  expect(m(new URL('http://app.localhost:8081/'))).toBe(false);
  expect(m(new URL('https://www.example.test/'))).toBe(true);
  expect(m(new URL('https://www.example.test:8443/'))).toBe(false);
});

test('without a port: the default port, the listening ports, and the port the request came in on', () => {
  const m = originMatcher(['https://api.example.test', 'http://app.localhost'], { ports: [8080] });
  expect(m(new URL('https://api.example.test:8443/x'))).toBe(false);
  expect(m(new URL('https://api.example.test:8080/x'))).toBe(true);
  expect(m(new URL('http://app.localhost/'))).toBe(true);
  expect(m(new URL('http://app.localhost:8080/'))).toBe(true);
  expect(m(new URL('http://app.localhost:41234/'))).toBe(false);
  const via = new URL('http://auth.localhost:41234/.gatehouse/sign_in');
  expect(m(new URL('http://app.localhost:41234/'), via)).toBe(true);
  expect(m(new URL('http://app.localhost:41235/'), via)).toBe(false);
  // An explicit port stays exact, whatever the request's port.
  expect(originMatcher(['http://app.localhost:8080'])(new URL('http://app.localhost:41234/'), via)).toBe(false);
});

test('host:* matches any port of that host, and nothing else', () => {
  const m = originMatcher(['http://app.localhost:*', 'https://*.apps.example.test:*']);
  expect(m(new URL('http://app.localhost/'))).toBe(true);
  expect(m(new URL('http://app.localhost:1/'))).toBe(true);
  expect(m(new URL('http://app.localhost:65535/'))).toBe(true);
  expect(m(new URL('https://app.localhost:8443/'))).toBe(false);
  expect(m(new URL('http://other.localhost:8080/'))).toBe(false);
  expect(m(new URL('https://x.apps.example.test:9443/'))).toBe(true);
  expect(m(new URL('https://apps.example.test:9443/'))).toBe(false);
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
  const m = originMatcher(['https://api.example.test/path', 'ftp://x.test', '*', 'http://*', 'http://a.test:**']);
  expect(m(new URL('https://api.example.test/path'))).toBe(false);
  expect(m(new URL('http://a.test/'))).toBe(false);
});
