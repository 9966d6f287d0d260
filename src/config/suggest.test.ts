import { describe, expect, test } from 'bun:test';
import { suggest } from './suggest.ts';

const ROUTE_KEYS = ['from', 'prefix', 'to', 'policy', 'timeout', 'plugins', 'set_request_headers', 'set_response_headers', 'remove_request_headers', 'preserve_host_header'];

describe('suggest', () => {
  test('finds the nearest key for a typo', () => {
    expect(suggest('timout', ROUTE_KEYS)).toBe('timeout');
    expect(suggest('plugin', ROUTE_KEYS)).toBe('plugins');
    expect(suggest('polcy', ROUTE_KEYS)).toBe('policy');
    expect(suggest('set_reponse_headers', ROUTE_KEYS)).toBe('set_response_headers');
    expect(suggest('preserve_host_headers', ROUTE_KEYS)).toBe('preserve_host_header');
  });

  test('ignores case when comparing', () => {
    expect(suggest('TIMEOUT', ROUTE_KEYS)).toBe('timeout');
  });

  test('suggests nothing when no key is close', () => {
    expect(suggest('colour_scheme', ROUTE_KEYS)).toBeUndefined();
    expect(suggest('zzz', [])).toBeUndefined();
  });

  test('a short word must be very close: "foo" is not a typo of "to"', () => {
    expect(suggest('foo', ROUTE_KEYS)).toBeUndefined();
    expect(suggest('tp', ROUTE_KEYS)).toBe('to');
  });

  test('two swapped letters count as one typo', () => {
    expect(suggest('form', ROUTE_KEYS)).toBe('from');
    expect(suggest('prefxi', ROUTE_KEYS)).toBe('prefix');
  });

  test("other gateways' names map to Gatehouse's, only where that key exists", () => {
    expect(suggest('path', ROUTE_KEYS)).toBe('prefix');
    expect(suggest('upstream', ROUTE_KEYS)).toBe('to');
    expect(suggest('Host', ROUTE_KEYS)).toBe('from');
    expect(suggest('path', ['listen', 'routes'])).toBeUndefined();
    expect(suggest('constructor', ROUTE_KEYS)).toBeUndefined();
  });
});
