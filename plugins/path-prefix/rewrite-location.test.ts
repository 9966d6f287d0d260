import { describe, expect, test } from 'bun:test';
import { createReverseMapper } from './path-map.ts';
import { rewriteLocation } from './rewrite-location.ts';

const ext = 'https://app.example.test';
const rewrite = (value: string, mapper = createReverseMapper('/api', '', ['http://10.0.0.5:9002/v2'])) =>
  rewriteLocation(value, mapper, ext, 'http:');

describe('rewriteLocation', () => {
  test('root-relative under the base path', () => {
    expect(rewrite('/v2/login')).toBe('/api/login');
    expect(rewrite('/v2/login?next=%2Fv2%2Fx#top')).toBe('/api/login?next=%2Fv2%2Fx#top');
    expect(rewrite('/v2')).toBe('/api');
    expect(rewrite('/v2/')).toBe('/api/');
    expect(rewrite('/v2?x')).toBe('/api?x');
  });
  test('absolute on the upstream origin', () => {
    expect(rewrite('http://10.0.0.5:9002/v2/users/1?x=1#f')).toBe('https://app.example.test/api/users/1?x=1#f');
    expect(rewrite('HTTP://10.0.0.5:9002/v2/a')).toBe('https://app.example.test/api/a');
  });
  test('scheme-relative on the upstream origin', () => {
    expect(rewrite('//10.0.0.5:9002/v2/a')).toBe('https://app.example.test/api/a');
  });
  test('left alone', () => {
    for (const value of [
      '/login',
      '/v2x/a',
      'http://10.0.0.5:9003/v2/a',
      'https://10.0.0.5:9002/v2/a',
      'https://idp.example.test/authorize?x',
      '//evil.example/v2/a',
      '/\\evil.example/v2',
      'next',
      '../x',
      '?page=2',
      'mailto:a@b',
      'javascript:alert(1)',
      'http://[bad',
      '',
    ]) {
      expect(rewrite(value)).toBe(value);
    }
  });
  test('no base path: every root-relative location', () => {
    const m = createReverseMapper('/api', '', ['http://127.0.0.1:9002']);
    expect(rewrite('/', m)).toBe('/api/');
    expect(rewrite('/login', m)).toBe('/api/login');
    expect(rewrite('http://127.0.0.1:9002/', m)).toBe('https://app.example.test/api/');
  });
  test('keeps the encoding of root-relative values', () => {
    const m = createReverseMapper('/api', '', ['http://h']);
    expect(rewrite('/a%20b/%7e?q=%2F', m)).toBe('/api/a%20b/%7e?q=%2F');
  });
});
