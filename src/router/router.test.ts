import { describe, expect, test } from 'bun:test';
import { parseHost } from '../http/host-header.ts';
import { compileHostPattern, type HostPattern } from './host-pattern.ts';
import { compileRegexMatch, exactPathMatch, type PathMatch } from './path-matcher.ts';
import { Router } from './router.ts';
import { shadowedRoutes } from './shadowed-routes.ts';

interface R {
  pattern: HostPattern;
  prefix: string;
  pathMatch?: PathMatch;
  name: string;
}
const r = (name: string, from: string, prefix = '/'): R => ({ name, pattern: compileHostPattern(from), prefix });

/** The name of the route chosen for host + path (https unless told), or null. */
function pick(routes: R[], host: string, path = '/', scheme = 'https:'): string | null {
  return new Router(routes).match(host, scheme, path)?.route.name ?? null;
}

describe('host matching', () => {
  test('an exact host beats a wildcard, in either order', () => {
    const exact = r('exact', 'https://api.example.test');
    const wild = r('wild', 'https://*.example.test');
    expect(pick([wild, exact], 'api.example.test')).toBe('exact');
    expect(pick([exact, wild], 'api.example.test')).toBe('exact');
    expect(pick([wild, exact], 'web.example.test')).toBe('wild');
  });

  test('an exact host beats a wildcard even when the wildcard has the longer prefix', () => {
    const exact = r('exact', 'https://api.example.test');
    const wild = r('wild', 'https://*.example.test', '/v1/users');
    expect(pick([wild, exact], 'api.example.test', '/v1/users/7')).toBe('exact');
  });

  test('the more specific wildcard wins', () => {
    const broad = r('broad', 'https://*.example.test');
    const narrow = r('narrow', 'https://*.eu.example.test');
    expect(pick([broad, narrow], 'a.eu.example.test')).toBe('narrow');
    expect(pick([narrow, broad], 'a.us.example.test')).toBe('broad');
  });

  test('a wildcard matches subdomains at any depth but never the bare domain or a look-alike', () => {
    const wild = [r('wild', 'https://*.example.test')];
    expect(pick(wild, 'a.example.test')).toBe('wild');
    expect(pick(wild, 'a.b.example.test')).toBe('wild');
    expect(pick(wild, 'example.test')).toBeNull();
    expect(pick(wild, 'badexample.test')).toBeNull();
    expect(pick(wild, '.example.test')).toBeNull();
    expect(pick(wild, 'example.test.evil')).toBeNull();
  });

  test('an exact host does not match its subdomains or a different host', () => {
    const exact = [r('exact', 'https://api.example.test')];
    expect(pick(exact, 'x.api.example.test')).toBeNull();
    expect(pick(exact, 'api.example.testx')).toBeNull();
    expect(pick(exact, 'other.example.test')).toBeNull();
  });

  test('host matching ignores case (in the request and in the config)', () => {
    expect(pick([r('a', 'https://api.example.test')], 'API.Example.TEST')).toBe('a');
    expect(pick([r('a', 'https://API.Example.Test')], 'api.example.test')).toBe('a');
    expect(pick([r('w', 'https://*.Example.test')], 'WWW.EXAMPLE.TEST')).toBe('w');
  });

  test('host matching ignores a trailing dot', () => {
    expect(pick([r('a', 'https://api.example.test')], 'api.example.test.')).toBe('a');
    expect(pick([r('a', 'https://api.example.test')], 'api.example.test.:443')).toBe('a');
    expect(pick([r('w', 'https://*.example.test')], 'www.example.test.')).toBe('w');
  });

  test('host matching ignores the default port of the scheme', () => {
    const routes = [r('a', 'https://api.example.test:8443'), r('plain', 'https://web.example.test:443')];
    expect(pick(routes, 'web.example.test:443', '/', 'https:')).toBe('plain');
    expect(pick(routes, 'web.example.test', '/', 'https:')).toBe('plain');
    expect(pick([r('h', 'http://web.example.test:80')], 'web.example.test:80', '/', 'http:')).toBe('h');
    expect(pick([r('h', 'http://web.example.test')], 'web.example.test:80', '/', 'http:')).toBe('h');
  });

  test('an explicit non-default port must match; a route without a port takes any', () => {
    const routes = [r('a', 'https://api.example.test:8443')];
    expect(pick(routes, 'api.example.test:8443')).toBe('a');
    expect(pick(routes, 'api.example.test:9443')).toBeNull();
    expect(pick(routes, 'api.example.test')).toBeNull();
    expect(pick([r('any', 'https://api.example.test')], 'api.example.test:8443')).toBe('any');
  });
});

describe('path prefixes', () => {
  const routes = [r('root', 'https://api.example.test'), r('v1', 'https://api.example.test', '/v1'), r('users', 'https://api.example.test', '/v1/users')];

  test('the longest prefix wins, whatever the order in the config', () => {
    for (const order of [routes, [...routes].reverse()]) {
      expect(pick(order, 'api.example.test', '/v1/users/42')).toBe('users');
      expect(pick(order, 'api.example.test', '/v1/users')).toBe('users');
      expect(pick(order, 'api.example.test', '/v1/orders')).toBe('v1');
      expect(pick(order, 'api.example.test', '/health')).toBe('root');
    }
  });

  test('a prefix only matches on a segment boundary: /apix is not under /api', () => {
    const api = [r('api', 'https://app.example.test', '/api')];
    expect(pick(api, 'app.example.test', '/api')).toBe('api');
    expect(pick(api, 'app.example.test', '/api/')).toBe('api');
    expect(pick(api, 'app.example.test', '/api/x?y=1')).toBe('api');
    expect(pick(api, 'app.example.test', '/apix')).toBeNull();
    expect(pick(api, 'app.example.test', '/api-v2/x')).toBeNull();
    expect(pick(api, 'app.example.test', '/')).toBeNull();
    expect(pick([...api, r('root', 'https://app.example.test')], 'app.example.test', '/apix')).toBe('root');
  });

  test('a prefix written with a trailing slash is the same prefix', () => {
    const api = [r('api', 'https://app.example.test', '/api/')];
    expect(pick(api, 'app.example.test', '/api')).toBe('api');
    expect(pick(api, 'app.example.test', '/api/x')).toBe('api');
    expect(pick(api, 'app.example.test', '/apix')).toBeNull();
  });

  test('path matching is case-sensitive', () => {
    expect(pick([r('api', 'https://app.example.test', '/api')], 'app.example.test', '/API/x')).toBeNull();
  });

  test('percent-encoded unreserved characters cannot dodge a prefix: /%61pi is /api', () => {
    const app = [r('root', 'https://app.example.test'), r('api', 'https://app.example.test', '/api')];
    expect(pick(app, 'app.example.test', '/%61pi/secret')).toBe('api');
    expect(pick(app, 'app.example.test', '/%61%70%69/secret')).toBe('api');
    expect(pick(app, 'app.example.test', '/%61%50%49/secret')).toBe('root'); // /aPI: paths are case-sensitive
    expect(pick(app, 'app.example.test', '/a%70i')).toBe('api');
    expect(pick(app, 'app.example.test', '/%2561pi/x')).toBe('root'); // a literal "%61pi", not /api
  });

  test('repeated slashes cannot dodge a prefix: //api is /api', () => {
    const app = [r('root', 'https://app.example.test'), r('api', 'https://app.example.test', '/api')];
    expect(pick(app, 'app.example.test', '//api/secret')).toBe('api');
    expect(pick(app, 'app.example.test', '///api')).toBe('api');
    expect(pick(app, 'app.example.test', '/%2F/api')).toBe('root'); // an encoded slash stays encoded
    expect(pick(app, 'app.example.test', '/x//api')).toBe('root');
  });

  test('the prefix decides among routes of the wildcard host too', () => {
    const routes = [r('wild', 'https://*.example.test'), r('wild-api', 'https://*.example.test', '/api')];
    expect(pick(routes, 'a.example.test', '/api/1')).toBe('wild-api');
    expect(pick(routes, 'a.example.test', '/apix')).toBe('wild');
  });
});

describe('host patterns', () => {
  test('compile into scheme, lower-case host, wildcard flag, non-default port and origin', () => {
    expect(compileHostPattern('https://API.example.test')).toEqual({ scheme: 'https:', host: 'api.example.test', wildcard: false, port: undefined, anyPort: false, origin: 'https://api.example.test' });
    expect(compileHostPattern('http://*.example.test:8080')).toEqual({ scheme: 'http:', host: 'example.test', wildcard: true, port: '8080', anyPort: false, origin: 'http://*.example.test:8080' });
    expect(compileHostPattern('http://app.example.test:*')).toMatchObject({ port: undefined, anyPort: true, origin: 'http://app.example.test' });
    expect(compileHostPattern('https://api.example.test:443').port).toBeUndefined();
  });

  test('Host headers split into host and port, the default port dropped', () => {
    expect(parseHost('Api.Example.Test.:443', 'https:')).toMatchObject({ hostname: 'api.example.test', port: undefined });
    expect(parseHost('api.example.test:8443', 'https:')).toMatchObject({ hostname: 'api.example.test', port: '8443' });
    expect(parseHost('[::1]:8080', 'http:')).toMatchObject({ hostname: '[::1]', port: '8080' });
    expect(parseHost('[::1]', 'http:')).toMatchObject({ hostname: '[::1]', port: undefined });
  });
});

test('for one host and prefix, the route naming the port wins over one that takes any port, in any order', () => {
  const any = r('any', 'http://h.test');
  const fixed = r('fixed', 'http://h.test:8443');
  expect(pick([any, fixed], 'h.test:8443', '/', 'http:')).toBe('fixed');
  expect(pick([fixed, any], 'h.test:8443', '/', 'http:')).toBe('fixed');
  expect(pick([any, fixed], 'h.test', '/', 'http:')).toBe('any');
});

describe('exact paths and regexes', () => {
  const regexMatch = (source: string) => {
    const compiled = compileRegexMatch(source);
    if ('problem' in compiled) throw new Error(compiled.problem);
    return compiled;
  };
  const exact = (name: string, path: string, from = 'https://api.example.test'): R => ({ ...r(name, from, path), pathMatch: exactPathMatch(path) });
  const rx = (name: string, source: string, from = 'https://api.example.test'): R => ({ ...r(name, from), pathMatch: regexMatch(source) });
  const host = 'api.example.test';

  test('an exact path beats a prefix, a prefix beats a regex, whatever their order in the config', () => {
    const routes = [rx('regex', '^/items/(\\d+)$'), r('prefix', 'https://api.example.test', '/items'), exact('exact', '/items/7')];
    for (const order of [routes, [...routes].reverse()]) {
      expect(pick(order, host, '/items/7')).toBe('exact');
      expect(pick(order, host, '/items/8')).toBe('prefix');
      expect(pick(order, host, '/items')).toBe('prefix');
    }
    expect(pick([rx('regex', '^/items/(\\d+)$'), r('root', 'https://api.example.test')], host, '/items/8')).toBe('root');
    expect(pick([rx('regex', '^/items/(\\d+)$'), r('other', 'https://api.example.test', '/other')], host, '/items/8')).toBe('regex');
  });

  test('regexes are tried in config order', () => {
    const a = rx('digits', '^/items/(\\d+)$');
    const b = rx('any', '^/items/([^/]+)$');
    expect(pick([a, b], host, '/items/7')).toBe('digits');
    expect(pick([b, a], host, '/items/7')).toBe('any');
    expect(pick([a, b], host, '/items/x')).toBe('any');
  });

  test('an exact path matches that path only, not below it nor with a trailing slash', () => {
    const routes = [exact('exact', '/health')];
    expect(pick(routes, host, '/health')).toBe('exact');
    expect(pick(routes, host, '/health/')).toBeNull();
    expect(pick(routes, host, '/health/x')).toBeNull();
    expect(pick(routes, host, '/Health')).toBeNull();
  });

  test('regexes see the path in matching form: unreserved escapes decoded, slashes merged', () => {
    const routes = [rx('items', '^/items/(\\d+)$')];
    expect(pick(routes, host, '/items/%31%32')).toBe('items');
    expect(pick(routes, host, '//items//12')).toBe('items');
    expect(pick(routes, host, '/items/1%2F2')).toBeNull();
  });

  test('an exact host still beats a wildcard, and among wildcards the longer suffix wins first', () => {
    expect(pick([exact('wild-exact', '/x', 'https://*.example.test'), r('exact-host', 'https://api.example.test')], host, '/x')).toBe('exact-host');
    expect(pick([rx('narrow', '^/x$', 'https://*.api.example.test'), exact('broad', '/x', 'https://*.example.test')], 'a.api.example.test', '/x')).toBe('narrow');
  });
});

describe('shadowedRoutes', () => {
  const regexMatch = (source: string) => {
    const compiled = compileRegexMatch(source);
    if ('problem' in compiled) throw new Error(compiled.problem);
    return compiled;
  };
  const rx = (from: string, source: string): R => ({ ...r('rx', from), pathMatch: regexMatch(source) });

  test('a regex route behind a catch-all prefix of the same host, and a repeated exact path or regex, are never used', () => {
    const found = shadowedRoutes([
      rx('https://a.test', '^/items/(\\d+)$'),
      r('root', 'https://a.test'),
      rx('https://b.test', '^/x$'),
      rx('https://b.test', '^/x$'),
      { ...r('e1', 'https://b.test', '/h'), pathMatch: exactPathMatch('/h') },
      { ...r('e2', 'https://b.test', '/h'), pathMatch: exactPathMatch('/h') },
    ]);
    expect(found.map((f) => [f.index, f.key, /routes\[\d\]/.exec(f.message)![0]])).toEqual([
      [0, 'regex', 'routes[1]'],
      [3, 'regex', 'routes[2]'],
      [5, 'path', 'routes[4]'],
    ]);
  });

  test('a catch-all on another host or port, or a narrower prefix, shadows nothing', () => {
    expect(shadowedRoutes([rx('https://a.test', '^/x$'), r('other-host', 'https://b.test'), r('other-port', 'https://a.test:8443'), r('narrow', 'https://a.test', '/api')])).toEqual([]);
  });
});
