import { describe, expect, test } from 'bun:test';
import fc from 'fast-check';
import { compileHostPattern, type HostPattern } from './host-pattern.ts';
import type { RouteEntry } from './host-routes.ts';
import { compileRegexMatch, exactPathMatch, pathMatches, type PathMatch } from './path-matcher.ts';
import { Router, type Routable } from './router.ts';

interface R extends Routable {
  name: string;
}

/**
 * The router as it was before the index (issue 14): every route of a host, then every wildcard,
 * scanned in trying order. The index must pick the very same route for every request.
 */
class LinearRouter {
  private readonly exact = new Map<string, ReferenceEntry[]>();
  private readonly wildcards: ReferenceEntry[] = [];

  constructor(routes: readonly R[]) {
    for (const route of routes) {
      const prefix = route.prefix.length > 1 && route.prefix.endsWith('/') ? route.prefix.slice(0, -1) : route.prefix === '/' ? '' : route.prefix;
      const entry = { pattern: route.pattern, prefix, foldedPrefix: prefix.toLowerCase(), pathMatch: route.pathMatch, rank: { exact: 0, prefix: 1, regex: 2 }[route.pathMatch?.kind ?? 'prefix'], route };
      if (entry.pattern.wildcard) this.wildcards.push(entry);
      else this.exact.set(entry.pattern.host, [...(this.exact.get(entry.pattern.host) ?? []), entry]);
    }
    const byPrefix = (a: ReferenceEntry, b: ReferenceEntry) =>
      a.rank - b.rank || (a.rank === 2 ? 0 : b.prefix.length - a.prefix.length || Number(b.pattern.port !== undefined) - Number(a.pattern.port !== undefined));
    for (const list of this.exact.values()) list.sort(byPrefix);
    this.wildcards.sort((a, b) => b.pattern.host.length - a.pattern.host.length || byPrefix(a, b));
  }

  find(host: string, port: string | undefined, matchPath: string, foldCase: boolean): R | undefined {
    const fits = (e: ReferenceEntry) =>
      (e.pattern.port === undefined || e.pattern.port === port) &&
      (e.pathMatch ? pathMatches(e.pathMatch, matchPath, foldCase) : under(matchPath, foldCase ? e.foldedPrefix : e.prefix));
    for (const entry of this.exact.get(host) ?? []) if (fits(entry)) return entry.route;
    for (const entry of this.wildcards) {
      if (host.length > entry.pattern.host.length + 1 && host.endsWith(`.${entry.pattern.host}`) && fits(entry)) return entry.route;
    }
    return undefined;
  }
}

type ReferenceEntry = RouteEntry<R>;

function under(path: string, prefix: string): boolean {
  return prefix === '' || (path.startsWith(prefix) && (path.length === prefix.length || path.charCodeAt(prefix.length) === 47));
}

function regex(source: string): PathMatch {
  const compiled = compileRegexMatch(source);
  if ('problem' in compiled) throw new Error(compiled.problem);
  return compiled;
}

const pattern = (host: string, wildcard: boolean, port: string | undefined): HostPattern => ({
  scheme: 'http:',
  host,
  wildcard,
  port,
  anyPort: false,
  origin: `http://${wildcard ? '*.' : ''}${host}`,
});

// Few hosts and segments, so routes pile up on one host (past the scanned-list size) and share
// prefixes; upper case and `İ` (`i̇`, two characters, once lower-cased) exercise the folded
// reading, an empty segment a cut one character long.
const HOSTS = ['test', 'a.test', 'b.a.test', 'c.b.a.test', 'x.test'];
const REQUEST_HOSTS = [...HOSTS, 'd.c.b.a.test', 'ba.test', '.a.test', 'a.test.', 'xa.test'];
const PORTS = [undefined, '8080', '8443'];
const SEGMENTS = ['a', 'b', 'ab', 'A', 'B', 'x1', ''];
const REGEXES = ['^/a/(\\d+)$', '^/[ab]+(/.*)?$', '^/A/[^/]*$', '^/x1/.*$'].map(regex);

const segments = (extra: string[]) => fc.array(fc.constantFrom(...SEGMENTS, ...extra), { maxLength: 4 });
const pathArb = (extra: string[] = []) => fc.tuple(segments(extra), fc.boolean()).map(([parts, slash]) => `/${parts.join('/')}${slash && parts.length > 0 ? '/' : ''}`);

const routeArb = (foldChangesLength: boolean, hosts: string[]): fc.Arbitrary<R> =>
  fc
    .record({
      host: fc.constantFrom(...hosts),
      wildcard: fc.boolean(),
      port: fc.constantFrom(...PORTS),
      kind: fc.constantFrom('prefix', 'prefix', 'prefix', 'exact', 'regex'),
      path: pathArb(foldChangesLength ? ['İ', 'İİ', 'i̇i̇'] : []),
      regex: fc.constantFrom(...REGEXES),
    })
    .map(({ host, wildcard, port, kind, path, regex: match }) => ({
      name: '',
      pattern: pattern(host, wildcard, port),
      prefix: kind === 'prefix' ? path : '/',
      pathMatch: kind === 'exact' ? exactPathMatch(path) : kind === 'regex' ? match : undefined,
    }));

const requestArb = fc.record({
  host: fc.constantFrom(...REQUEST_HOSTS),
  port: fc.constantFrom(...PORTS),
  path: pathArb(['c', 'İ', 'i̇', 'i̇i̇', '1']),
});

function expectSameAnswers(routes: R[], requests: { host: string; port: string | undefined; path: string }[]): void {
  routes.forEach((route, i) => (route.name = `routes[${i}]`));
  const router = new Router(routes);
  const reference = new LinearRouter(routes);
  for (const { host, port, path } of requests) {
    for (const [matchPath, foldCase] of [[path, false], [path, true], [path.toLowerCase(), true]] as const) {
      const got = router.find(host, port, matchPath, foldCase)?.route;
      const want = reference.find(host, port, matchPath, foldCase);
      if (got !== want) {
        throw new Error(`${host}:${port ?? ''} ${matchPath} foldCase=${foldCase}: index picked ${got?.name ?? 'none'}, the scan ${want?.name ?? 'none'}`);
      }
    }
  }
}

describe('the route index picks exactly the route the linear scan picks', () => {
  for (const foldChangesLength of [false, true]) {
    test(`random routes and requests${foldChangesLength ? ', with a prefix that lower-casing lengthens' : ''}`, () => {
      fc.assert(
        fc.property(
          // Sometimes all on one or two hosts, so one host's list often outgrows the scanned size.
          fc.integer({ min: 1, max: HOSTS.length }).chain((hosts) => fc.array(routeArb(foldChangesLength, HOSTS.slice(0, hosts)), { maxLength: 60, size: 'max' })),
          fc.array(requestArb, { minLength: 1, maxLength: 30, size: 'max' }),
          expectSameAnswers,
        ),
        { numRuns: 250, interruptAfterTimeLimit: 8_000 },
      );
    });
  }

  test('many routes on one host: each port, path and prefix decides as the scan does', () => {
    const host = 'api.test';
    const routes: R[] = [];
    for (const port of PORTS) {
      for (const prefix of ['/', '/a', '/a/b', '/A', '/a/b/c/', '/b']) routes.push({ name: '', pattern: pattern(host, false, port), prefix });
      routes.push({ name: '', pattern: pattern(host, false, port), prefix: '/', pathMatch: exactPathMatch('/a/B') });
    }
    const requests = PORTS.flatMap((port) => ['/', '/a', '/a/b/c/d', '/A/b', '/a/B', '/a/b/', '/bb', ''].map((path) => ({ host, port, path })));
    expectSameAnswers(routes, requests);
    expectSameAnswers([...routes].reverse(), requests);
  });

  test('a prefix that lower-casing lengthens: the folded reading still tries prefixes in the scan\'s order', () => {
    // `/i̇i̇` and `/İİ/a` are both 5 characters, so the scan tries them in config order; folded,
    // `/İİ/a` is `/i̇i̇/a`, 7 characters, and a longest-cut-first walk would try it first.
    const host = 'api.test';
    const routes: R[] = ['/i̇i̇', '/İİ/a', ...Array.from({ length: 8 }, (_, i) => `/other${i}`)].map((prefix) => ({ name: '', pattern: pattern(host, false, undefined), prefix }));
    expectSameAnswers(routes, [{ host, port: undefined, path: '/i̇i̇/a' }]);
    expect(new Router(routes).find(host, undefined, '/i̇i̇/a', true)?.route.prefix).toBe('/i̇i̇');
  });
});

describe('10,000 routes (the bench mix of bench/gen-routes.ts)', () => {
  const routes: R[] = [{ name: 'readiness', pattern: compileHostPattern('http://127.0.0.1'), prefix: '/' }];
  for (let i = 1; i < 10_000; i++) {
    if (i % 3 === 1) routes.push({ name: `h${i}`, pattern: compileHostPattern(`http://h${i}.bench.test`), prefix: '/' });
    else if (i % 3 === 2) routes.push({ name: `w${i}`, pattern: compileHostPattern(`http://*.w${i}.bench.test`), prefix: '/' });
    else routes.push({ name: `p${i}`, pattern: compileHostPattern('http://p.bench.test'), prefix: `/p${i}` });
  }
  routes.push(
    { name: 'p-exact', pattern: compileHostPattern('http://p.bench.test'), prefix: '/', pathMatch: exactPathMatch('/p9999/x') },
    { name: 'p-port', pattern: compileHostPattern('http://p.bench.test:8443'), prefix: '/p9999' },
    { name: 'p-regex', pattern: compileHostPattern('http://p.bench.test'), prefix: '/', pathMatch: regex('^/q/(\\d+)$') },
    { name: 'p-upper', pattern: compileHostPattern('http://p.bench.test'), prefix: '/P9996/Sub' },
    { name: 'wide', pattern: compileHostPattern('http://*.bench.test'), prefix: '/' },
  );
  const router = new Router(routes);
  const pick = (host: string, path: string, port?: string, foldCase = false) => router.find(host, port, path, foldCase)?.route.name ?? null;

  test('the last route of each kind, and the more specific one beside it', () => {
    expect(pick('h9997.bench.test', '/')).toBe('h9997');
    expect(pick('app.w9998.bench.test', '/')).toBe('w9998');
    expect(pick('a.b.w2.bench.test', '/x')).toBe('w2');
    expect(pick('w9998.bench.test', '/')).toBe('wide');
    expect(pick('h9998.bench.test', '/')).toBe('wide');
    expect(pick('p.bench.test', '/p9999/y')).toBe('p9999');
    expect(pick('p.bench.test', '/p9999/x')).toBe('p-exact');
    expect(pick('p.bench.test', '/p9999/y', '8443')).toBe('p-port');
    expect(pick('p.bench.test', '/p9999x')).toBe('wide'); // no prefix of p.bench.test: the wildcards are next
    expect(pick('p.bench.test', '/q/12')).toBe('p-regex');
    expect(pick('p.bench.test', '/p9996/sub/x')).toBe('p9996');
    expect(pick('p.bench.test', '/p9996/sub/x', undefined, true)).toBe('p-upper');
    expect(pick('bench.test', '/')).toBeNull();
  });

  test('agree with the linear scan', () => {
    const reference = new LinearRouter(routes);
    for (const [host, path] of [['p.bench.test', '/p3/a/b'], ['p.bench.test', '/P3'], ['x.w5.bench.test', '/'], ['nope.test', '/'], ['p.bench.test', '/']]) {
      for (const foldCase of [false, true]) expect(router.find(host!, undefined, path!, foldCase)?.route).toBe(reference.find(host!, undefined, path!, foldCase));
    }
  });
});
