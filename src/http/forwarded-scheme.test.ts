import { describe, expect, test } from 'bun:test';
import { compileCidrs } from './cidr.ts';
import { createForwardedScheme } from './forwarded-scheme.ts';

const trusting = (cidrs: string[]) => createForwardedScheme(compileCidrs(cidrs, 'trusted_proxies', []));
const h = (init: Record<string, string> | [string, string][]) => new Headers(init);

describe('forwarded scheme', () => {
  test('without trusted proxies nothing is read', () => {
    expect(createForwardedScheme(null)('10.0.0.1', h({ 'x-forwarded-proto': 'https' }))).toBeUndefined();
  });

  test('an untrusted peer cannot say the connection was https', () => {
    expect(trusting(['10.0.0.0/8'])('192.0.2.7', h({ 'x-forwarded-proto': 'https' }))).toBeUndefined();
    expect(trusting(['10.0.0.0/8'])('192.0.2.7', h({ forwarded: 'proto=https' }))).toBeUndefined();
  });

  test('a trusted peer says http or https, in any case; anything else says nothing', () => {
    const scheme = trusting(['10.0.0.0/8']);
    expect(scheme('10.0.0.1', h({ 'x-forwarded-proto': 'https' }))).toBe('https:');
    expect(scheme('10.0.0.1', h({ 'x-forwarded-proto': ' HTTPS ' }))).toBe('https:');
    expect(scheme('10.0.0.1', h({ 'x-forwarded-proto': 'http' }))).toBe('http:');
    for (const value of ['wss', 'javascript', 'https:', 'https://evil.example', '']) {
      expect(scheme('10.0.0.1', h({ 'x-forwarded-proto': value }))).toBeUndefined();
    }
    expect(scheme('10.0.0.1', h({}))).toBeUndefined();
  });

  test('of several entries the nearest proxy\'s (the last) counts, not what the client wrote first', () => {
    const scheme = trusting(['10.0.0.0/8']);
    expect(scheme('10.0.0.1', h({ 'x-forwarded-proto': 'https, http' }))).toBe('http:');
    expect(scheme('10.0.0.1', h([['x-forwarded-proto', 'http'], ['x-forwarded-proto', 'https']]))).toBe('https:');
  });

  test('Forwarded proto= when there is no X-Forwarded-Proto; X-Forwarded-Proto wins when both come', () => {
    const scheme = trusting(['10.0.0.0/8']);
    expect(scheme('10.0.0.1', h({ forwarded: 'for=1.2.3.4;proto=https' }))).toBe('https:');
    expect(scheme('10.0.0.1', h({ forwarded: 'proto=http;for=6.6.6.6, for=1.2.3.4;proto="https"' }))).toBe('https:');
    expect(scheme('10.0.0.1', h({ forwarded: 'proto=https, for=1.2.3.4' }))).toBeUndefined();
    expect(scheme('10.0.0.1', h({ forwarded: 'proto=https', 'x-forwarded-proto': 'http' }))).toBe('http:');
  });
});
