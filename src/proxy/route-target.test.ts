import { describe, expect, test } from 'bun:test';
import { RouteTarget } from './route-target.ts';

const upstream = { urls: ['http://127.0.0.1:1'], timeoutMs: 1000 };
const preset = [['x-route', 'a']] as const;

describe('RouteTarget', () => {
  test('untouched, it hands the route pairs over as they are', () => {
    const target = new RouteTarget(upstream, '/x', preset, false);
    expect([...target.entries()]).toEqual([['x-route', 'a']]);
  });

  test("a plugin's edits to headers are what is sent", () => {
    const target = new RouteTarget(upstream, '/x', preset, false);
    target.headers.set('x-plugin', 'b');
    target.headers.delete('x-route');
    expect([...target.entries()]).toEqual([['x-plugin', 'b']]);
  });

  test('replaced headers are what is sent, and the preset is never changed', () => {
    const target = new RouteTarget(upstream, '/x', preset, false);
    target.headers = new Headers({ 'x-other': 'c' });
    expect([...target.entries()]).toEqual([['x-other', 'c']]);
    expect([...new RouteTarget(upstream, '/x', preset, false).entries()]).toEqual([['x-route', 'a']]);
  });
});
