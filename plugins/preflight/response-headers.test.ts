import { expect, test } from 'bun:test';
import { appendVary, editHeaders, stripCorsHeaders } from './response-headers.ts';

test('appendVary sets, appends, dedupes case-insensitively and respects *', () => {
  const h = new Headers();
  appendVary(h, 'Origin');
  expect(h.get('vary')).toBe('Origin');
  appendVary(h, 'origin');
  expect(h.get('vary')).toBe('Origin');
  const existing = new Headers({ vary: 'Accept-Encoding' });
  appendVary(existing, 'Origin, Access-Control-Request-Method');
  expect(existing.get('vary')).toBe('Accept-Encoding, Origin, Access-Control-Request-Method');
  const partial = new Headers({ vary: 'origin' });
  appendVary(partial, 'Origin, Access-Control-Request-Method');
  expect(partial.get('vary')).toBe('origin, Access-Control-Request-Method');
  const star = new Headers({ vary: '*' });
  appendVary(star, 'Origin');
  expect(star.get('vary')).toBe('*');
});

test('stripCorsHeaders removes every Access-Control-* response header and nothing else', () => {
  const h = new Headers({
    'access-control-allow-origin': '*',
    'access-control-allow-credentials': 'true',
    'access-control-allow-methods': 'GET',
    'access-control-allow-headers': 'x',
    'access-control-expose-headers': 'x',
    'access-control-max-age': '5',
    'access-control-allow-private-network': 'true',
    'content-type': 'text/plain',
  });
  stripCorsHeaders(h);
  expect([...h.keys()]).toEqual(['content-type']);
});

test('editHeaders edits in place, or copies a response whose headers are immutable', async () => {
  const plain = new Response('x');
  expect(editHeaders(plain, (h) => h.set('x-a', '1'))).toBe(plain);
  expect(plain.headers.get('x-a')).toBe('1');

  const frozen = new Response('body', { status: 418, statusText: 'Teapot', headers: { 'x-b': '2' } });
  Object.defineProperty(frozen, 'headers', {
    value: new Proxy(frozen.headers, {
      get(target, prop) {
        if (prop === 'set' || prop === 'append' || prop === 'delete') {
          return () => {
            throw new TypeError('immutable');
          };
        }
        const value = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }),
  });
  const edited = editHeaders(frozen, (h) => h.set('x-a', '1'));
  expect(edited).not.toBe(frozen);
  expect(edited.status).toBe(418);
  expect(edited.statusText).toBe('Teapot');
  expect(edited.headers.get('x-a')).toBe('1');
  expect(edited.headers.get('x-b')).toBe('2');
  expect(await edited.text()).toBe('body');
});

test('editHeaders rethrows errors that are not about immutability', () => {
  expect(() =>
    editHeaders(new Response('x'), () => {
      throw new RangeError('boom');
    }),
  ).toThrow('boom');
});
