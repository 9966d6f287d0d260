import { expect, test } from 'bun:test';
import { isLoopbackHost } from './loopback.ts';

test('localhost, names under .localhost, 127.0.0.0/8 and ::1 are loopback', () => {
  for (const host of ['localhost', 'LOCALHOST', 'idp.localhost', 'a.b.localhost', '127.0.0.1', '127.1.2.3', '127.255.255.255', '::1', '[::1]', '[0:0:0:0:0:0:0:1]', '[::ffff:7f00:1]']) {
    expect([host, isLoopbackHost(host)]).toEqual([host, true]);
  }
});

test('anything else is not', () => {
  for (const host of ['', 'example.test', 'localhost.example.test', 'evillocalhost', 'localhost.', '128.0.0.1', '10.0.0.1', '0.0.0.0', '[::]', '[::2]', '[2001:db8::1]', '127.0.0.1.nip.io', '127.1']) {
    expect([host, isLoopbackHost(host)]).toEqual([host, false]);
  }
});

test('what URL.hostname gives for loopback URLs', () => {
  for (const url of ['http://idp.localhost:8080/', 'http://127.1/', 'http://[::1]:3000/', 'http://0x7f000001/']) {
    expect([url, isLoopbackHost(new URL(url).hostname)]).toEqual([url, true]);
  }
});
