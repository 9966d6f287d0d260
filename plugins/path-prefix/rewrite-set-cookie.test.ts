import { describe, expect, test } from 'bun:test';
import { createReverseMapper } from './path-map.ts';
import { defaultPath, rewriteSetCookie, type SetCookieRewrite } from './rewrite-set-cookie.ts';

const options = (over: Partial<SetCookieRewrite> = {}): SetCookieRewrite => ({
  prefix: '/api',
  mapper: createReverseMapper('/api', '', ['http://127.0.0.1:9002']),
  rewritePath: true,
  dropDomain: true,
  ...over,
});
const rw = (value: string, requestPath = '/api/x', over?: Partial<SetCookieRewrite>) => rewriteSetCookie(value, requestPath, options(over));

describe('rewriteSetCookie path', () => {
  test('maps the upstream path under the prefix', () => {
    expect(rw('sid=1; Path=/')).toBe('sid=1; Path=/api');
    expect(rw('sid=1; Path=/users')).toBe('sid=1; Path=/api/users');
    expect(rw('sid=1; path=/users/')).toBe('sid=1; Path=/api/users/');
  });
  test('adds a path when missing, never above the prefix', () => {
    expect(rw('sid=1', '/api/users/1')).toBe('sid=1; Path=/api/users');
    expect(rw('sid=1', '/api/x')).toBe('sid=1; Path=/api');
    expect(rw('sid=1', '/api')).toBe('sid=1; Path=/api');
    expect(rw('sid=1; Path=relative', '/api')).toBe('sid=1; Path=/api');
    expect(rw('sid=1; Path', '/api')).toBe('sid=1; Path=/api');
  });
  test('the last Path wins and only one remains', () => {
    expect(rw('sid=1; Path=/a; Secure; Path=/b')).toBe('sid=1; Secure; Path=/api/b');
  });
  test('paths the mount cannot reach become the prefix', () => {
    const o = { mapper: createReverseMapper('/api', '', ['http://h/v2']) };
    expect(rw('sid=1; Path=/', '/api/x', o)).toBe('sid=1; Path=/api');
    expect(rw('sid=1; Path=/other', '/api/x', o)).toBe('sid=1; Path=/api');
    expect(rw('sid=1; Path=/v2', '/api/x', o)).toBe('sid=1; Path=/api');
    expect(rw('sid=1; Path=/v2/x', '/api/x', o)).toBe('sid=1; Path=/api/x');
  });
  test('__Host- cookies keep Path=/', () => {
    expect(rw('__Host-sid=1; Path=/; Secure')).toBe('__Host-sid=1; Path=/; Secure');
  });
  test('switched off', () => {
    expect(rw('sid=1; Path=/; Domain=up.internal', '/api/x', { rewritePath: false, dropDomain: false })).toBe('sid=1; Path=/; Domain=up.internal');
    expect(rw('sid=1; Path=/; Domain=up.internal', '/api/x', { rewritePath: false })).toBe('sid=1; Path=/');
  });
});

describe('rewriteSetCookie domain and attributes', () => {
  test('drops every Domain, keeps everything else as sent', () => {
    expect(rw('sid=a=b; Domain=.up.internal; Path=/; Expires=Wed, 21 Oct 2037 07:28:00 GMT; HttpOnly; SameSite=Lax; domain=x'))
      .toBe('sid=a=b; Expires=Wed, 21 Oct 2037 07:28:00 GMT; HttpOnly; SameSite=Lax; Path=/api');
  });
  test('keeps Domain when asked', () => {
    expect(rw('sid=1; Domain=app.example.test', '/api/x', { dropDomain: false })).toBe('sid=1; Domain=app.example.test; Path=/api');
  });
  test('name and value are never touched', () => {
    expect(rw('tok=a=b==/Path; Path=/')).toBe('tok=a=b==/Path; Path=/api');
    expect(rw(' tok="q w"; Path=/')).toBe(' tok="q w"; Path=/api');
  });
});

describe('defaultPath (RFC 6265 5.1.4)', () => {
  test('directory of the request path', () => {
    expect(defaultPath('/api/users/1')).toBe('/api/users');
    expect(defaultPath('/api/')).toBe('/api');
    expect(defaultPath('/api')).toBe('/');
    expect(defaultPath('/')).toBe('/');
    expect(defaultPath('x')).toBe('/');
  });
});
