import { expect, test } from 'bun:test';
import { createSignOutHop } from './sign-out-hop.ts';
import { fakeClock } from '../../../test/support/memory-logger.ts';

const KEY = new Uint8Array(32).fill(5);

test('a token names its session until it expires', () => {
  const clock = fakeClock();
  const hop = createSignOutHop(KEY, { now: clock.seconds });
  const token = hop.issue('sid-123');
  expect(hop.sessionOf(token)).toBe('sid-123');
  clock.advance(60);
  expect(hop.sessionOf(token)).toBe('sid-123');
  clock.advance(1);
  expect(hop.sessionOf(token)).toBeUndefined();
});

test('forged, altered or foreign tokens name nothing', () => {
  const hop = createSignOutHop(KEY);
  const token = hop.issue('sid-123');
  const [sid, exp, mac] = token.split('.');
  expect(hop.sessionOf(`${Buffer.from('other').toString('base64url')}.${exp}.${mac}`)).toBeUndefined();
  expect(hop.sessionOf(`${sid}.${Number(exp) + 1000}.${mac}`)).toBeUndefined();
  expect(hop.sessionOf(createSignOutHop(new Uint8Array(32).fill(6)).issue('sid-123'))).toBeUndefined();
  for (const bad of [null, undefined, '', 'x', `${token}x`, `${sid}..${mac}`]) expect(hop.sessionOf(bad)).toBeUndefined();
});
