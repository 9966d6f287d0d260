import { expect, test } from 'bun:test';
import { MAX_SESSION_COOKIES, sessionCookieValues } from './session-cookies.ts';

const req = (cookie: string) => new Request('https://app.example.test/', { headers: { cookie } });

test('the values of the named cookie, in order, unquoted', () => {
  expect(sessionCookieValues(req('a=1; _g=x.y.z; b=2'), '_g')).toEqual(['x.y.z']);
  expect(sessionCookieValues(req('_g="q"'), '_g')).toEqual(['q']);
  expect(sessionCookieValues(req('x_g=1; _gx=2'), '_g')).toEqual([]);
  expect(sessionCookieValues(new Request('https://app.example.test/'), '_g')).toEqual([]);
});

test('at most two distinct non-empty values, however many copies arrive', () => {
  expect(MAX_SESSION_COOKIES).toBe(2);
  const thirty = Array.from({ length: 30 }, (_, i) => `_g=forged.${i}.x`).join('; ');
  expect(sessionCookieValues(req(thirty), '_g')).toEqual(['forged.0.x', 'forged.1.x']);
  expect(sessionCookieValues(req('_g=; _g=a; _g=a; _g=b; _g=c'), '_g')).toEqual(['a', 'b']);
});
