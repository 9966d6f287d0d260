import { describe, expect, test } from 'bun:test';
import { createReverseMapper } from './path-map.ts';

describe('createReverseMapper', () => {
  test('strip, no base path: every upstream path is under /api', () => {
    const m = createReverseMapper('/api', '', ['http://10.0.0.5:9002']);
    expect(m.fromPath('/')).toBe('/api/');
    expect(m.fromPath('/login')).toBe('/api/login');
    expect(m.fromPath('/a/b/')).toBe('/api/a/b/');
    expect(m.fromUrl(new URL('http://10.0.0.5:9002/x'))).toBe('/api/x');
    expect(m.fromUrl(new URL('http://10.0.0.5:9003/x'))).toBeNull();
    expect(m.fromUrl(new URL('https://10.0.0.5:9002/x'))).toBeNull();
  });

  test('base path maps back, paths outside it do not', () => {
    const m = createReverseMapper('/api', '', ['http://h:1/v2/']);
    expect(m.fromPath('/v2')).toBe('/api');
    expect(m.fromPath('/v2/')).toBe('/api/');
    expect(m.fromPath('/v2/users')).toBe('/api/users');
    expect(m.fromPath('/v2x')).toBeNull();
    expect(m.fromPath('/login')).toBeNull();
    expect(m.fromUrl(new URL('http://H:1/v2/a?b'))).toBe('/api/a');
  });

  test('strip_prefix: false and rewrite', () => {
    const keep = createReverseMapper('/api', '/api', ['http://h/v2']);
    expect(keep.fromPath('/v2/api/x')).toBe('/api/x');
    expect(keep.fromPath('/v2/x')).toBeNull();
    const rewrite = createReverseMapper('/api', '/internal', ['http://h']);
    expect(rewrite.fromPath('/internal')).toBe('/api');
    expect(rewrite.fromPath('/internal/x')).toBe('/api/x');
    expect(rewrite.fromPath('/x')).toBeNull();
    const slash = createReverseMapper('/api', '/', ['http://h']);
    expect(slash.fromPath('/x')).toBe('/api/x');
  });

  test('root mount', () => {
    const m = createReverseMapper('/', '', ['http://h/v2']);
    expect(m.fromPath('/v2/x')).toBe('/x');
    expect(m.fromPath('/v2')).toBe('/');
  });

  test('several upstreams', () => {
    const m = createReverseMapper('/api', '', ['http://a/v1', 'http://b/v2']);
    expect(m.fromPath('/v2/x')).toBe('/api/x');
    expect(m.fromUrl(new URL('http://a/v1/x'))).toBe('/api/x');
    expect(m.fromUrl(new URL('http://a/v2/x'))).toBeNull();
  });
});
