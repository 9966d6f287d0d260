import { describe, expect, test } from 'bun:test';
import { joinSegments, lenientSegments, mayReadDifferently, strictSegments } from './readings.ts';

const lenient = (path: string) => joinSegments(lenientSegments(path, { foldCase: true }));

describe('lenientSegments', () => {
  test('decodes every escape, drops ;params, reads \\ as /, resolves dots (Windows style too), folds case', () => {
    expect(lenient('/Public/Page')).toBe('/public/page');
    expect(lenient('/public/..;/admin/secret')).toBe('/admin/secret');
    expect(lenient('/public/x;jsessionid=1/y')).toBe('/public/x/y');
    expect(lenient('/public/%2e%2e/admin')).toBe('/admin');
    expect(lenient('/public/..%2fadmin')).toBe('/admin');
    expect(lenient('/public/..%2Fadmin')).toBe('/admin');
    expect(lenient('/public/..%5cadmin')).toBe('/admin');
    expect(lenient('/public\\..\\admin')).toBe('/admin');
    expect(lenient('/public/..%3b/admin')).toBe('/admin');
    expect(lenient('/public/%252e%252e/admin')).toBe('/admin');
    expect(lenient('/public/.. /admin')).toBe('/admin');
    expect(lenient('/public/.../admin')).toBe('/admin');
    expect(lenient('/%EF%BD%81dmin/x')).toBe('/admin/x');
    expect(lenient('/a/./b/')).toBe('/a/b/');
    expect(lenient('/a/b/..')).toBe('/a/');
    expect(lenient('/../../etc')).toBe('/etc');
    expect(lenient('/')).toBe('/');
    expect(lenient('/admin./secret')).toBe('/admin/secret');
    expect(lenient('/admin%20/secret')).toBe('/admin/secret');
    expect(lenient('/admin%C2%A0/secret')).toBe('/admin/secret');
    expect(lenient('/adm%C4%B1n/x')).toBe('/admin/x');
    expect(lenient('/%C5%BFecret')).toBe('/secret');
  });

  test('keeps case unless asked to fold it', () => {
    expect(joinSegments(lenientSegments('/Admin/X'))).toBe('/Admin/X');
  });
});

describe('strictSegments', () => {
  test('decodes only unreserved escapes and resolves dots once, keeping raw text', () => {
    expect(strictSegments('/a/%2e%2e/b%2Fc')).toEqual([{ raw: 'b%2Fc', decoded: 'b%2Fc' }]);
    expect(strictSegments('/%61pi/x').map((s) => s.decoded)).toEqual(['api', 'x']);
    expect(strictSegments('/public/..;/admin').map((s) => s.decoded)).toEqual(['public', '..;', 'admin']);
  });
});

describe('mayReadDifferently', () => {
  test('plain lower-case paths read the same either way', () => {
    expect(mayReadDifferently('/api/v1/items', { foldCase: true })).toBe(false);
    for (const path of ['/a%2fb', '/a;b', '/a\\b', '/a//b', '/ü', '/admin./x', '/admin.']) expect(mayReadDifferently(path)).toBe(true);
    expect(mayReadDifferently('/Api')).toBe(false);
    expect(mayReadDifferently('/Api', { foldCase: true })).toBe(true);
  });
});
