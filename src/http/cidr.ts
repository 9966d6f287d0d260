/**
 * IPv4 and IPv6 CIDR ranges for exemption rules and trusted proxies. Addresses are compared as bytes; an
 * IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, as dual-stack sockets report IPv4 peers) is
 * treated as the IPv4 address it carries.
 */

interface Range {
  bytes: Uint8Array;
  prefix: number;
}

import type { IpRanges, IpServices } from '../plugin-api/index.ts';

/** A compiled list of ranges. */
export type CidrSet = IpRanges;

/** Compiles CIDRs (a bare address means one host); problems go onto `problems`, prefixed `what`. */
export function compileCidrs(cidrs: readonly string[], what: string, problems: string[]): CidrSet {
  const ranges: Range[] = [];
  if (cidrs.length === 0) problems.push(`${what} is empty (leave it out to allow every address)`);
  for (const cidr of cidrs) {
    const range = parseCidr(cidr);
    if (typeof range === 'string') problems.push(`${what}: ${JSON.stringify(cidr)} ${range}`);
    else ranges.push(range);
  }
  return {
    contains(ip) {
      if (ip === null) return false;
      return ranges.some((r) => r.bytes.length === ip.length && inPrefix(ip, r.bytes, r.prefix));
    },
  };
}

function parseCidr(cidr: string): Range | string {
  const slash = cidr.indexOf('/');
  const address = slash < 0 ? cidr : cidr.slice(0, slash);
  const bytes = parseIp(address);
  if (bytes === null) return 'is not an IPv4 or IPv6 address or CIDR';
  const max = address.includes(':') ? 128 : 32;
  let prefix = max;
  if (slash >= 0) {
    const digits = cidr.slice(slash + 1);
    if (!/^\d{1,3}$/.test(digits) || Number(digits) > max) return `has an invalid prefix length (0 to ${max})`;
    prefix = Number(digits);
  }
  // `parseIp` turned a mapped address into IPv4; its prefix counts the 96 bits dropped.
  if (max === 128 && bytes.length === 4) {
    if (prefix < 96) return 'mixes IPv4-mapped and plain IPv6 addresses; write the IPv4 range instead';
    prefix -= 96;
  }
  if (!hostBitsClear(bytes, prefix)) return `has address bits set after /${slash < 0 ? max : prefix}; write the network address`;
  return { bytes, prefix };
}

function inPrefix(ip: Uint8Array, net: Uint8Array, prefix: number): boolean {
  const whole = prefix >> 3;
  for (let i = 0; i < whole; i++) if (ip[i] !== net[i]) return false;
  const rest = prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((ip[whole]! ^ net[whole]!) & mask) === 0;
}

function hostBitsClear(bytes: Uint8Array, prefix: number): boolean {
  for (let bit = prefix; bit < bytes.length * 8; bit++) {
    if ((bytes[bit >> 3]! >> (7 - (bit & 7))) & 1) return false;
  }
  return true;
}

/** Parses an IPv4 or IPv6 address to bytes (mapped IPv6 → 4 bytes), or null. */
export function parseIp(ip: string): Uint8Array | null {
  if (ip.includes(':')) return parseIpv6(ip);
  return parseIpv4(ip);
}

function parseIpv4(ip: string): Uint8Array | null {
  const parts = ip.split('.');
  if (parts.length !== 4) return null;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!/^(?:0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return null;
    bytes[i] = Number(part);
  }
  return bytes;
}

function parseIpv6(input: string): Uint8Array | null {
  let ip = input;
  const zone = ip.indexOf('%');
  if (zone >= 0) ip = ip.slice(0, zone);
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  const lastColon = ip.lastIndexOf(':');
  const tail = ip.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = parseIpv4(tail);
    if (v4 === null) return null;
    ip = `${ip.slice(0, lastColon + 1)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const halves = ip.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const groups = halves.length === 2 ? 8 - head.length - rest.length : 0;
  if (halves.length === 2 ? groups < 1 : head.length !== 8) return null;
  const all = [...head, ...Array<string>(groups).fill('0'), ...rest];
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const group = all[i]!;
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
    const value = parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  }
  const mapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.slice(12) : bytes;
}

/** What plugins receive as `services.ip`. */
export const ipServices: IpServices = { parse: parseIp, ranges: compileCidrs };
