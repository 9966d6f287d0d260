import { describe, expect, test } from 'bun:test';
import { compileCidrs } from './cidr.ts';
import { createClientAddress } from './client-address.ts';

const trusting = (cidrs: string[]) => createClientAddress(compileCidrs(cidrs, 'trusted_proxies', []));
const h = (init: Record<string, string>) => new Headers(init);

describe('client address', () => {
  test('without trusted proxies the forwarding headers are ignored', () => {
    const address = createClientAddress(null);
    expect(address('10.0.0.9', h({ 'x-forwarded-for': '1.2.3.4' }))).toBe('10.0.0.9');
  });

  test('an untrusted peer cannot speak for anyone', () => {
    expect(trusting(['10.0.0.0/8'])('192.0.2.7', h({ 'x-forwarded-for': '1.2.3.4' }))).toBe('192.0.2.7');
  });

  test('from a trusted peer, the rightmost address that is not a trusted proxy is the client', () => {
    const address = trusting(['10.0.0.0/8']);
    expect(address('10.0.0.1', h({ 'x-forwarded-for': '1.2.3.4' }))).toBe('1.2.3.4');
    // The client wrote the leftmost entry itself: it must not win.
    expect(address('10.0.0.1', h({ 'x-forwarded-for': '6.6.6.6, 1.2.3.4, 10.0.0.2' }))).toBe('1.2.3.4');
    expect(address('10.0.0.1', h({ 'x-forwarded-for': '10.0.0.3, 10.0.0.2' }))).toBe('10.0.0.3');
    expect(address('10.0.0.1', h({}))).toBe('10.0.0.1');
  });

  test('a garbled entry stops the walk at the last trusted hop', () => {
    expect(trusting(['10.0.0.0/8'])('10.0.0.1', h({ 'x-forwarded-for': '1.2.3.4, garbage, 10.0.0.2' }))).toBe('10.0.0.2');
    expect(trusting(['10.0.0.0/8'])('10.0.0.1', h({ 'x-forwarded-for': 'garbage' }))).toBe('10.0.0.1');
  });

  test('IPv6, ports and the Forwarded header', () => {
    const address = trusting(['10.0.0.0/8', 'fd00::/8']);
    expect(address('fd00::1', h({ 'x-forwarded-for': '[2001:db8::7]:4711' }))).toBe('2001:db8::7');
    expect(address('::ffff:10.0.0.1', h({ 'x-forwarded-for': '192.0.2.1:80' }))).toBe('192.0.2.1');
    expect(address('10.0.0.1', h({ forwarded: 'for=192.0.2.60;proto=https, for="[2001:db8::1]:80"' }))).toBe('2001:db8::1');
    expect(address('10.0.0.1', h({ forwarded: 'for=_hidden' }))).toBe('10.0.0.1');
  });
});
