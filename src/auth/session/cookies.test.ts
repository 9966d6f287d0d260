import { expect, test } from 'bun:test';
import { getCookie, getCookies, serializeCookie } from './cookies.ts';

const req = (cookie: string) => new Request('http://x.test/', { headers: { cookie } });

test('reads a cookie among others, with and without quotes', () => {
  expect(getCookie(req('a=1; _gatehouse=tok.en.x; b=2'), '_gatehouse')).toBe('tok.en.x');
  expect(getCookie(req('_gatehouse="q"'), '_gatehouse')).toBe('q');
  expect(getCookie(req('x_gatehouse=1'), '_gatehouse')).toBeUndefined();
  expect(getCookie(new Request('http://x.test/'), '_gatehouse')).toBeUndefined();
  expect(getCookies(req('_g=a; _g=b'), '_g')).toEqual(['a', 'b']);
});

test('getCookies: distinct non-empty values, at most max', () => {
  const thirty = Array.from({ length: 30 }, (_, i) => `_g=v${i}`).join('; ');
  expect(getCookies(req(thirty), '_g')).toHaveLength(30);
  expect(getCookies(req(thirty), '_g', 2)).toEqual(['v0', 'v1']);
  expect(getCookies(req('_g=; _g=a; _g="a"; _g=b; _g=c'), '_g', 2)).toEqual(['a', 'b']);
  expect(getCookie(req('_g=; _g=a'), '_g')).toBe('');
});

test('serializes attributes', () => {
  expect(serializeCookie('_g', 'v', { domain: '.example.test', maxAge: 60, secure: true, httpOnly: true, sameSite: 'lax' })).toBe(
    '_g=v; Path=/; Domain=.example.test; Max-Age=60; Secure; HttpOnly; SameSite=Lax',
  );
  expect(serializeCookie('_g', '', { path: '/p', maxAge: 0, sameSite: 'none', secure: true })).toBe(
    '_g=; Path=/p; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; SameSite=None',
  );
});

test('refuses values that could inject attributes', () => {
  expect(() => serializeCookie('_g', 'a; Domain=evil.test')).toThrow();
  expect(() => serializeCookie('_g', 'a\r\nSet-Cookie: x=1')).toThrow();
  expect(() => serializeCookie('a b', 'v')).toThrow();
  expect(() => serializeCookie('_g', 'v', { domain: 'evil.test; Secure' })).toThrow();
});
