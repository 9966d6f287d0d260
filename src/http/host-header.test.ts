import { describe, expect, test } from 'bun:test';
import { parseHost } from './host-header.ts';

describe('parseHost', () => {
  test('names, IPv4 and IPv6 literals with optional ports; case, trailing dot and default port normalised', () => {
    expect(parseHost('API.Example.Test.', 'https:')).toEqual({ hostname: 'api.example.test', port: undefined, host: 'api.example.test' });
    expect(parseHost('api.example.test:443', 'https:')).toEqual({ hostname: 'api.example.test', port: undefined, host: 'api.example.test' });
    expect(parseHost('api.example.test:8443', 'https:')).toEqual({ hostname: 'api.example.test', port: '8443', host: 'api.example.test:8443' });
    expect(parseHost('127.0.0.1:080', 'http:')).toEqual({ hostname: '127.0.0.1', port: undefined, host: '127.0.0.1' });
    expect(parseHost('[::1]:9000', 'http:')).toEqual({ hostname: '[::1]', port: '9000', host: '[::1]:9000' });
    expect(parseHost('my_host.internal', 'http:')).toMatchObject({ hostname: 'my_host.internal' });
  });

  const refused: [string | null, string][] = [
    [null, 'no Host header'],
    ['', 'empty Host header'],
    ['   ', 'empty Host header'],
    ['evil.test, a.wild.test', 'invalid Host header'],
    ['app:abc', 'invalid port in Host header'],
    ['app:', 'invalid port in Host header'],
    ['app:0', 'invalid port in Host header'],
    ['app:99999', 'invalid port in Host header'],
    ['a@b', 'invalid Host header'],
    ['a b', 'invalid Host header'],
    ['a..b', 'invalid Host header'],
    ['-a.test', 'invalid Host header'],
    ['a/b', 'invalid Host header'],
    ['a%2eb', 'invalid Host header'],
    ['bü.example', 'invalid Host header'],
    ['[::1', 'invalid Host header'],
    ['[zz::1]', 'invalid Host header'],
    ['[::1]x', 'invalid port in Host header'],
    ['a'.repeat(64) + '.test', 'invalid Host header'],
    [`${'a.'.repeat(130)}test`, 'invalid Host header'],
  ];
  for (const [value, reason] of refused) {
    test(`refuses ${JSON.stringify(value)?.slice(0, 40)}`, () => expect(parseHost(value, 'http:')).toBe(reason));
  }
});
