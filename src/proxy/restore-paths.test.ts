import { describe, expect, test } from 'bun:test';
import { restorePaths, type PathMap } from './restore-paths.ts';

// `/v2/…` upstream is `/api/…` in public.
const map: PathMap = (path, query) => (path === '/v2' || path.startsWith('/v2/') ? '/api' + path.slice(3) + query : null);
const origin = 'https://app.example.test';
const all = { publicOrigin: origin, location: true, cookies: true };

function restored(init: [string, string][], o = all): Headers {
  const headers = new Headers(init);
  restorePaths(headers, map, o);
  return headers;
}

describe('Location', () => {
  test('root-relative and absolute on the public origin are mapped, query and fragment kept', () => {
    expect(restored([['location', '/v2/login?next=/v2/x#top']]).get('location')).toBe('/api/login?next=/v2/x#top');
    expect(restored([['location', `${origin}/v2/a?b`]]).get('location')).toBe(`${origin}/api/a?b`);
  });

  test('anything the map cannot invert is left as sent', () => {
    for (const value of ['/other', '//evil.test/v2/x', '/\\evil.test/v2', 'http://10.0.0.5/v2/x', 'relative/v2', `${origin}.evil.test/v2/x`]) {
      expect(restored([['location', value]]).get('location')).toBe(value);
    }
  });

  test('left alone when the route sets Location itself', () => {
    expect(restored([['location', '/v2/x']], { ...all, location: false }).get('location')).toBe('/v2/x');
  });
});

describe('Set-Cookie', () => {
  test('the last Path is mapped; name, value and other attributes kept', () => {
    const headers = restored([
      ['set-cookie', 'a=1; Path=/v2; HttpOnly'],
      ['set-cookie', 'b=2; path=/v2/x; Path=/v2/y; Secure'],
      ['set-cookie', 'c=3; Path=/'],
      ['set-cookie', 'd=4'],
    ]);
    expect(headers.getSetCookie()).toEqual(['a=1; Path=/api; HttpOnly', 'b=2; path=/v2/x; Path=/api/y; Secure', 'c=3; Path=/', 'd=4']);
  });

  test('__Host- cookies keep Path=/ (browsers refuse them otherwise), and a route-set cookie is left', () => {
    expect(restored([['set-cookie', '__Host-s=1; Path=/v2; Secure']]).getSetCookie()).toEqual(['__Host-s=1; Path=/v2; Secure']);
    expect(restored([['set-cookie', 'a=1; Path=/v2']], { ...all, cookies: false }).getSetCookie()).toEqual(['a=1; Path=/v2']);
  });
});
