import { describe, expect, test } from 'bun:test';
import { fakeServices } from '../../src/testing/plugin-fakes.ts';
import { compileMount } from './mount.ts';
import { classifyPath, upstreamPath } from './normalize-path.ts';

const api = compileMount('/api');
const pathServices = fakeServices().paths;

/** What the upstream gets (strip_prefix, no base path), `outside`, or `400 <reason>`. */
function outcome(path: string, mount = api, replacement = ''): string {
  const v = classifyPath(path, mount, pathServices);
  if (v.kind === 'outside') return 'outside';
  if (v.kind === 'bad') return `400 ${v.reason}`;
  return upstreamPath(replacement, v.rest);
}

// Hostile and tricky raw paths for mount /api with strip_prefix. "outside" means the plugin
// does not touch the request: it resolves to a path that is not under /api, so the mounted
// upstream never sees it.
const traversal: [string, string][] = [
  ['/api/../x', 'outside'],
  ['/api/../../../etc/passwd', 'outside'],
  ['/api/%2e%2e/x', 'outside'],
  ['/api/%2E%2e/x', 'outside'],
  ['/api/.%2e/x', 'outside'],
  ['/api/..', 'outside'],
  ['/api/a/../../x', 'outside'],
  ['/api/a/../b', '/b'],
  ['/api/a/%2e%2e/b', '/b'],
  ['/api/a/b/../../c', '/c'],
  ['/api/./x', '/x'],
  ['/api/%2e/x', '/x'],
  ['/api/a/..', '/'],
  ['/x/../api/y', '/y'],
  ['/api/..%2fx', '400 encoded_slash'],
  ['/api/%2F..%2Fx', '400 encoded_slash'],
  ['/api%2F..%2Fsecret', 'outside'],
  ['/api%2fx', '400 encoded_slash'],
  ['/api/%2e%2e%2fx', '400 encoded_slash'],
  ['/x/..%2F..%2Fapi/y', '400 encoded_slash'],
  ['/api/..%5cx', '400 encoded_backslash'],
  ['/api/%5C..%5C..%5Cx', '400 encoded_backslash'],
  ['/api/..\\x', '400 backslash'],
  ['/api\\x', '400 backslash'],
  ['/api//x', '400 empty_segment'],
  ['/api//..//x', '400 empty_segment'],
  ['//api/x', '400 empty_segment'],
  ['/api/%252e%252e/x', '400 double_encoding'],
  ['/api/%252F/x', '400 double_encoding'],
  ['/api/%255c', '400 double_encoding'],
  ['/api/%25%32%65%25%32%65/x', '400 double_encoding'],
  ['/api/%2525', '400 double_encoding'],
  ['/api/%2500', '400 double_encoding'],
  ['/api/%25c0%25ae', '400 double_encoding'],
  ['/api/a%00b', '400 encoded_control_character'],
  ['/api/a%0d%0aX-Injected:1', '400 encoded_control_character'],
  ['/api/a\u0000b', '400 control_character'],
  ['/api/a\tb', '400 control_character'],
  ['/api/%c0%ae%c0%ae/x', '400 invalid_utf8'],
  ['/api/%e0%80%ae', '400 invalid_utf8'],
  ['/api/%ff', '400 invalid_utf8'],
  ['/api/..;/x', '400 dot_segment_variant'],
  ['/api/.;/x', '400 dot_segment_variant'],
  ['/api/..;jsessionid=1/admin', '400 dot_segment_variant'],
  ['/api/.../x', '400 dot_segment_variant'],
  ['/api/..%20/x', '400 dot_segment_variant'],
  ['/api/%zz', '400 malformed_escape'],
  ['/api/100%', '400 malformed_escape'],
  ['/api/%2', '400 malformed_escape'],
  ['/api/%EF%BC%8E%EF%BC%8E/x', '400 unicode_lookalike'],
  ['/api/..%EF%BC%8Fx', '400 unicode_lookalike'],
  ['/%EF%BD%81pi/x', '400 ambiguous_prefix'],
  ['/x/%EF%BC%8E%EF%BC%8E/api/y', '400 unicode_lookalike'],
  ['/api;v=1/x', '400 ambiguous_prefix'],
  ['/api;/x', '400 ambiguous_prefix'],
];

describe('traversal table (mount /api, strip_prefix)', () => {
  test('has at least 25 hostile paths', () => expect(traversal.length).toBeGreaterThanOrEqual(25));
  for (const [path, expected] of traversal) {
    test(`${JSON.stringify(path)} → ${expected}`, () => expect(outcome(path)).toBe(expected));
  }
});

describe('prefix boundary', () => {
  const cases: [string, string][] = [
    ['/api', '/'],
    ['/api/', '/'],
    ['/api/x', '/x'],
    ['/api/x/', '/x/'],
    ['/apix', 'outside'],
    // Windows and IIS read `api.` and `api..` as `api`: under the mount by the lenient reading.
    ['/api..', '400 ambiguous_prefix'],
    ['/api.', '400 ambiguous_prefix'],
    ['/api-v2/x', 'outside'],
    ['/API/x', 'outside'],
    ['/ap', 'outside'],
    ['/', 'outside'],
    ['/ap%69/x', '/x'],
    ['/%61%70%69/x', '/x'],
    ['/api%2e/x', '400 ambiguous_prefix'],
  ];
  for (const [path, expected] of cases) test(`${path} → ${expected}`, () => expect(outcome(path)).toBe(expected));
});

describe('encoding of the rest is kept exactly', () => {
  const cases: [string, string][] = [
    ['/api/a%20b/%7e', '/a%20b/%7e'],
    ['/api/%7E%7e', '/%7E%7e'],
    ['/api/caf%C3%A9', '/caf%C3%A9'],
    ['/api/a%2bb', '/a%2bb'],
    ['/api/a+b', '/a+b'],
    ['/api/a;b/c', '/a;b/c'],
    ['/api/file%2ejson', '/file%2ejson'],
    ['/api/x%2e%2e', '/x%2e%2e'],
    ['/api/100%25', '/100%25'],
    ['/api/%2561', '/%2561'],
    ['/api/%41', '/%41'],
    ['/api/a:b@c', '/a:b@c'],
    ['/api/.hidden', '/.hidden'],
    ['/api/a..b', '/a..b'],
    ['/api/ä', '/ä'],
  ];
  for (const [path, expected] of cases) test(`${path} → ${expected}`, () => expect(outcome(path)).toBe(expected));
});

describe('paths that are not the mount pass untouched, however odd', () => {
  for (const path of ['/static/a%2Fb', '/files//x', '/x/%00', '/x\\y', '/%zz', '/app;jsessionid=1', '/x/..;/y']) {
    test(path, () => expect(outcome(path)).toBe('outside'));
  }
});

describe('replacement prefixes', () => {
  test('strip_prefix: false keeps the path', () => {
    expect(outcome('/api/x', api, '/api')).toBe('/api/x');
    expect(outcome('/api', api, '/api')).toBe('/api');
    expect(outcome('/api/', api, '/api')).toBe('/api/');
    expect(outcome('/api/a/../b', api, '/api')).toBe('/api/b');
  });
  test('rewrite replaces it', () => {
    expect(outcome('/api/x', api, '/internal/v1')).toBe('/internal/v1/x');
    expect(outcome('/api', api, '/internal/v1')).toBe('/internal/v1');
    expect(outcome('/api/', api, '/internal/v1')).toBe('/internal/v1/');
  });
  test('rewrite / equals strip', () => expect(outcome('/api/x', api, '/')).toBe('/x'));
});

describe('deeper and root mounts', () => {
  const deep = compileMount('/svc/api');
  test('all segments must match', () => {
    expect(outcome('/svc/api/x', deep)).toBe('/x');
    expect(outcome('/svc/apix', deep)).toBe('outside');
    expect(outcome('/svc/x/../api/y', deep)).toBe('/y');
    expect(outcome('/svc%2Fapi/x', deep)).toBe('400 encoded_slash');
    expect(outcome('/svc//api/x', deep)).toBe('400 empty_segment');
    expect(outcome('/svc/api/../../x', deep)).toBe('outside');
  });
  const root = compileMount('/');
  test('/ mounts everything and still refuses hazards', () => {
    expect(outcome('/', root)).toBe('/');
    expect(outcome('/x/y?', root)).toBe('/x/y?');
    expect(outcome('/../x', root)).toBe('/x');
    expect(outcome('/a/%2F', root)).toBe('400 encoded_slash');
    expect(outcome('//evil.example/x', root)).toBe('400 empty_segment');
  });
});

describe('upstreamPath', () => {
  test('is never empty', () => {
    expect(upstreamPath('', '')).toBe('/');
    expect(upstreamPath('/', '')).toBe('/');
    expect(upstreamPath('', '/x')).toBe('/x');
    expect(upstreamPath('/v1', '')).toBe('/v1');
  });
});
