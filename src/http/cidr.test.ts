import { expect, test } from 'bun:test';
import { compileCidrs, parseIp } from './cidr.ts';

function cidrs(list: string[]) {
  const problems: string[] = [];
  const set = compileCidrs(list, 'source_cidrs', problems);
  expect(problems).toEqual([]);
  return (ip: string) => set.contains(parseIp(ip));
}

test('IPv4 ranges', () => {
  const has = cidrs(['10.0.0.0/8', '192.168.1.0/24', '203.0.113.7', '172.16.0.0/12']);
  expect(has('10.1.2.3')).toBe(true);
  expect(has('11.0.0.1')).toBe(false);
  expect(has('192.168.1.255')).toBe(true);
  expect(has('192.168.2.1')).toBe(false);
  expect(has('203.0.113.7')).toBe(true);
  expect(has('203.0.113.8')).toBe(false);
  expect(has('172.31.255.255')).toBe(true);
  expect(has('172.32.0.0')).toBe(false);
});

test('IPv6 ranges, with compression and zones', () => {
  const has = cidrs(['2001:db8::/32', '::1', 'fe80::/10']);
  expect(has('2001:db8::1')).toBe(true);
  expect(has('2001:db8:ffff:1:2:3:4:5')).toBe(true);
  expect(has('2001:db9::1')).toBe(false);
  expect(has('::1')).toBe(true);
  expect(has('::2')).toBe(false);
  expect(has('fe80::1%eth0')).toBe(true);
  expect(has('fec0::1')).toBe(false);
});

test('families never cross, but IPv4-mapped IPv6 is IPv4', () => {
  const v4 = cidrs(['127.0.0.0/8']);
  expect(v4('::ffff:127.0.0.1')).toBe(true);
  expect(v4('::ffff:7f00:1')).toBe(true);
  expect(v4('::1')).toBe(false);
  const v6 = cidrs(['::/0']);
  expect(v6('10.0.0.1')).toBe(false);
  expect(v6('2001:db8::1')).toBe(true);
  expect(cidrs(['0.0.0.0/0'])('10.0.0.1')).toBe(true);
  expect(cidrs(['::ffff:10.0.0.0/104'])('10.9.9.9')).toBe(true);
});

test('unparseable client addresses never match', () => {
  const has = cidrs(['0.0.0.0/0', '::/0']);
  for (const bad of ['', 'localhost', '1.2.3', '1.2.3.4.5', '256.0.0.1', '01.2.3.4', '1::2::3', '12345::', 'g::1']) {
    expect(has(bad)).toBe(false);
  }
});

test('parseIp handles the usual forms', () => {
  expect([...parseIp('1.2.3.4')!]).toEqual([1, 2, 3, 4]);
  expect(parseIp('::')!.length).toBe(16);
  expect(parseIp('1:2:3:4:5:6:7:8')![15]).toBe(8);
  expect(parseIp('1:2:3:4:5:6:7:8:9')).toBeNull();
  expect(parseIp('1:2:3:4:5:6:7::8')).toBeNull();
  expect(parseIp('[::1]')![15]).toBe(1);
});

test('bad CIDRs are refused, naming each', () => {
  const problems: string[] = [];
  compileCidrs(['10.0.0.1/8', '10.0.0.0/33', 'example.test', '2001:db8::1/32', '::ffff:10.0.0.0/64', '10.0.0.0/x'], 'rule "r" source_cidrs', problems);
  expect(problems).toHaveLength(6);
  expect(problems[0]).toContain('"10.0.0.1/8"');
  expect(problems[0]).toContain('network address');
  expect(problems[1]).toContain('prefix length');
  expect(problems[2]).toContain('not an IPv4 or IPv6');
  expect(problems[3]).toContain('network address');
  expect(problems[4]).toContain('IPv4-mapped');
  const empty: string[] = [];
  compileCidrs([], 'source_cidrs', empty);
  expect(empty[0]).toContain('empty');
});
