import { expect, test } from 'bun:test';
import { parseListen } from './listen-address.ts';

test('host:port, :port, a bare port and bracketed IPv6 parse; anything else is refused', () => {
  expect(parseListen(':8080')).toEqual({ hostname: '0.0.0.0', port: 8080 });
  expect(parseListen('8080')).toEqual({ hostname: '0.0.0.0', port: 8080 });
  expect(parseListen('127.0.0.1:0')).toEqual({ hostname: '127.0.0.1', port: 0 });
  expect(parseListen('[::1]:9901')).toEqual({ hostname: '::1', port: 9901 });
  for (const bad of ['', 'host', 'host:port', ':99999', 'a b:80', '::1:80']) expect(parseListen(bad)).toBeNull();
});
