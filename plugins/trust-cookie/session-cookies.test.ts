import { expect, test } from 'bun:test';
import fc from 'fast-check';
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

test('the same values as splitting the whole header on ";", for any header', () => {
  // The plain reading the scan must agree with: every item split off, name and value trimmed.
  const reference = (header: string, name: string, max: number) => {
    const named = header.split(';').filter((item) => item.includes('=') && item.slice(0, item.indexOf('=')).trim() === name);
    const values = named.map((item) => item.slice(item.indexOf('=') + 1).trim()).map((v) => (v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v));
    return [...new Set(values.filter((v) => v !== ''))].slice(0, max);
  };
  const piece = fc.constantFrom('_g', '_g=', '=', ';', '; ', ' ', '"', 'a', 'x_g', '_gx', '\t', 'v.1');
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 24 }), fc.integer({ min: 1, max: 3 }), (pieces, max) => {
      const header = pieces.join('');
      const request = new Request('https://app.example.test/', { headers: { cookie: header } });
      // Headers trims the value as it is stored; compare against what the plugin can see.
      expect(sessionCookieValues(request, '_g', max)).toEqual(reference(request.headers.get('cookie') ?? '', '_g', max));
    }),
    { numRuns: 2000 },
  );
});
