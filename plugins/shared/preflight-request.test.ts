import { expect, test } from 'bun:test';
import { isPreflight } from './preflight-request.ts';

const options = (headers: Record<string, string>, method = 'OPTIONS') => new Request('https://api.example.test/x', { method, headers });
const real = { origin: 'https://app.example.test', 'access-control-request-method': 'PUT' };

test('a browser preflight: OPTIONS, Origin, Access-Control-Request-Method, no body', () => {
  expect(isPreflight(options(real))).toBe(true);
  expect(isPreflight(options({ ...real, 'content-length': '0', 'access-control-request-headers': 'x-custom' }))).toBe(true);
});

test('anything else is an ordinary request', () => {
  expect(isPreflight(options(real, 'GET'))).toBe(false);
  expect(isPreflight(options({ origin: real.origin }))).toBe(false);
  expect(isPreflight(options({ 'access-control-request-method': 'PUT' }))).toBe(false);
  expect(isPreflight(options({ ...real, 'access-control-request-method': '' }))).toBe(false);
  expect(isPreflight(options({ ...real, 'content-length': '5' }))).toBe(false);
  expect(isPreflight(options({ ...real, 'transfer-encoding': 'chunked' }))).toBe(false);
  for (const name of ['x-http-method-override', 'x-http-method', 'x-method-override']) expect(isPreflight(options({ ...real, [name]: 'DELETE' }))).toBe(false);
});

test('a raw lowercase method still counts as OPTIONS', () => {
  const request = options(real);
  Object.defineProperty(request, 'method', { value: 'options' });
  expect(isPreflight(request)).toBe(true);
});
