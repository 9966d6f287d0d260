import { describe, expect, test } from 'bun:test';
import { splitRequestUrl } from './request-target.ts';

describe('splitRequestUrl', () => {
  const cases: [string, string, string, boolean][] = [
    ['http://h/api/x?a=1', '/api/x', '?a=1', false],
    ['http://h/api/%2e%2e/x?q=%2F..%2F', '/api/%2e%2e/x', '?q=%2F..%2F', false],
    ['http://h:8080/api//x', '/api//x', '', false],
    ['http://h', '/', '', false],
    ['http://h?x=/y', '/', '?x=/y', false],
    ['http://h/api?', '/api', '?', false],
    ['http://h/api#x?y', '/api', '', true],
    ['http://h/api?a#b', '/api', '?a', true],
    ['http://h/api/..\\x', '/api/..\\x', '', false],
    ['https://user@h/a?b?c', '/a', '?b?c', false],
    ['/api/x?y', '/api/x', '?y', false],
  ];
  for (const [url, path, query, fragment] of cases) {
    test(url, () => expect(splitRequestUrl(url)).toEqual({ path, query, hasFragment: fragment }));
  }
});
