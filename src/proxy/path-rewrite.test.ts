import { describe, expect, test } from 'bun:test';
import { parseRewriteTemplate, prefixRewrite, regexRewrite, type RewriteTemplate } from './path-rewrite.ts';

describe('prefixRewrite', () => {
  test('replaces the prefix segment-wise and keeps the rest and the query as sent', () => {
    const rw = prefixRewrite('/api', '/v2/');
    expect(rw.upstreamPath('/api/users/a%20b', '?x=%2F&y')).toBe('/v2/users/a%20b?x=%2F&y');
    expect(rw.upstreamPath('/api', '')).toBe('/v2/');
    expect(rw.upstreamPath('/api/', '?q')).toBe('/v2/?q');
    // Routing read `/%61pi` as `/api` and merged `//`: the prefix's one segment goes either way.
    expect(rw.upstreamPath('/%61pi/x', '')).toBe('/v2/x');
    expect(rw.upstreamPath('//api/x', '')).toBe('/v2/x');
  });

  test('prefix / and rewrite / are whole paths, not string prefixes', () => {
    expect(prefixRewrite('/', '/v2').upstreamPath('/x', '')).toBe('/v2/x');
    expect(prefixRewrite('/', '/v2').upstreamPath('/', '')).toBe('/v2/');
    expect(prefixRewrite('/api/', '/').upstreamPath('/api/x', '')).toBe('/x');
    expect(prefixRewrite('/api', '/').upstreamPath('/api', '?a')).toBe('/?a');
    expect(prefixRewrite('/a/b', '/c').upstreamPath('/a/b/d', '')).toBe('/c/d');
  });

  test('maps upstream paths under the rewrite back under the prefix, and nothing else', () => {
    const rw = prefixRewrite('/api', '/v2');
    const back = (path: string, query = '') => rw.publicPath(path, query, '', '', '');
    expect(back('/v2/login', '?next=1')).toBe('/api/login?next=1');
    expect(back('/v2')).toBe('/api');
    expect(back('/v2x')).toBeNull();
    expect(back('/other')).toBeNull();
    expect(prefixRewrite('/api', '/').publicPath('/x', '', '', '', '')).toBe('/api/x');
    // What the bare prefix went up as comes back as the bare prefix.
    expect(prefixRewrite('/api', '/').publicPath('/', '', '', '', '')).toBe('/api');
    expect(prefixRewrite('/', '/v2').publicPath('/v2/x', '', '', '', '')).toBe('/x');
  });
});

const template = (text: string): RewriteTemplate => {
  const t = parseRewriteTemplate(text);
  if (typeof t === 'string') throw new Error(t);
  return t;
};

describe('parseRewriteTemplate', () => {
  test('splits at the first ? into literal text and group numbers', () => {
    expect(template('/item?id=\\1&k=\\2')).toEqual({ path: ['/item'], query: ['id=', 1, '&k=', 2, ''], highestGroup: 2 });
    expect(template('/a/\\0/\\\\')).toEqual({ path: ['/a/', 0, '/\\'], query: undefined, highestGroup: 0 });
  });
  test('any other escape is refused, saying what to write', () => {
    expect(parseRewriteTemplate('/x/$1/\\n')).toContain('"\\n" is not a group reference');
    expect(parseRewriteTemplate('/x\\')).toContain('is not a group reference');
  });
});

describe('regexRewrite', () => {
  const items = regexRewrite(/^(?:^\/items\/([^/]+)$)$/u, template('/item?id=\\1'));

  test('fills in the groups, the template query first, then the request query', () => {
    expect(items.upstreamPath('/items/5', '')).toBe('/item?id=5');
    expect(items.upstreamPath('/items/5', '?x=1&y')).toBe('/item?id=5&x=1&y');
    expect(regexRewrite(/^(?:\/a\/(.*))$/u, template('/b/\\1')).upstreamPath('/a/c/d', '?q')).toBe('/b/c/d?q');
    expect(regexRewrite(/^(?:\/a)$/u, template('/b?')).upstreamPath('/a', '?q')).toBe('/b?q');
  });

  test('groups read from the path in matching form', () => {
    expect(items.upstreamPath('/items/%35', '')).toBe('/item?id=5');
  });

  test('a group placed in the query cannot add parameters', () => {
    expect(items.upstreamPath('/items/5&admin=1', '')).toBe('/item?id=5%26admin%3D1');
    expect(items.upstreamPath('/items/a+b;c', '')).toBe('/item?id=a%2Bb%3Bc');
  });

  test('a group that would make a dot segment is refused (null), not resolved upstream', () => {
    const rw = regexRewrite(/^(?:\/y(.*))$/u, template('/x/\\1'));
    expect(rw.upstreamPath('/y..', '')).toBeNull();
    expect(rw.upstreamPath('/y.', '')).toBeNull();
    expect(rw.upstreamPath('/y%2e%2e', '')).toBeNull();
    expect(rw.upstreamPath('/y..z', '')).toBe('/x/..z');
  });

  test('maps back only the exact path and query the upstream received', () => {
    expect(items.publicPath('/item', '?id=5', '/item?id=5', '/items/5', '?x')).toBe('/items/5?x');
    expect(items.publicPath('/item', '?id=6', '/item?id=5', '/items/5', '')).toBeNull();
    expect(items.publicPath('/item', '', '/item?id=5', '/items/5', '')).toBeNull();
  });
});

describe('regex_rewrite and the client query', () => {
  test('a parameter the template sets cannot be set again by the client; others follow', () => {
    const rewrite = regexRewrite(/^\/items\/(\d+)$/, template('/item?id=\\1&role=user'));
    expect(rewrite.upstreamPath('/items/7', '?role=admin&x=1&id=9&ro%6Ce=admin&role+=ok')).toBe('/item?id=7&role=user&x=1&role+=ok');
    expect(rewrite.upstreamPath('/items/7', '?x=1')).toBe('/item?id=7&role=user&x=1');
    expect(rewrite.upstreamPath('/items/7', '')).toBe('/item?id=7&role=user');
  });
});
