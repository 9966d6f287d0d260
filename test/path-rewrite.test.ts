/**
 * Path rewrites and the path matchers over real HTTP: `prefix_rewrite`, `path:` (exact),
 * `regex:` with `regex_rewrite`, against one raw upstream that records each request line, so
 * what is asserted is the exact request-target the upstream received. Also the routing order
 * (exact path, longest prefix, regexes in config order), hostile paths against regex routes,
 * `Location` / `Set-Cookie` mapped back, and located config errors from `gatehouse check`.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type TestGateway } from './support/gateway.ts';
import { runCli } from './support/process.ts';
import { rawRequest, startRawUpstream, type RawUpstream } from './support/raw-http.ts';

setDefaultTimeout(60_000);

const HOST = 'app.example.test';
const targetOf = (head: string) => head.split('\r\n')[0]!.split(' ')[1]!;
const routeOf = (head: string) => /\r\nx-route: *([^\r]*)/i.exec(head)?.[1];

/** The upstream's answer: Location and cookies for the paths that test mapping back. */
function reply(head: string, port: number): string {
  const target = targetOf(head);
  const lines = ['HTTP/1.1 302 Found', 'Content-Length: 0', 'Connection: close'];
  if (target === '/v2/login') lines.push('Location: /v2/home?x=1#top', 'Set-Cookie: s=1; Path=/v2; HttpOnly', 'Set-Cookie: t=2; Path=/elsewhere');
  if (target === '/cat/dog/item/5') lines.push(`Location: http://127.0.0.1:${port}/cat/dog/item/5#tab`, 'Set-Cookie: c=1; Path=/cat/dog/item/5', 'Set-Cookie: d=1; Path=/cat');
  if (target.startsWith('/item?id=')) lines.push('Location: /item?id=8', 'Set-Cookie: e=1; Path=/item');
  return lines.join('\r\n') + '\r\n\r\n';
}

let upstream: RawUpstream;
let g: TestGateway;

beforeAll(async () => {
  upstream = startRawUpstream((head) => reply(head, upstream.port));
  const route = (keys: string, name: string) => `  - from: http://${HOST}
${keys.replace(/^/gm, '    ')}
    to: http://127.0.0.1:${upstream.port}
    policy: { public: true }
    set_request_headers: { X-Route: ${name} }
`;
  // Listed against the routing order on purpose: regexes first, the exact path last.
  g = await startGateway(`routes:
${route('regex: ^/items/(\\d+)$\nregex_rewrite: /item?id=\\1', 'regex-digits')}
${route('regex: ^/items/([a-z]+)/(\\d+)$\nregex_rewrite: /cat/\\1/item/\\2', 'regex-two')}
${route('regex: ^/items/([^/]+)$', 'regex-any')}
${route('regex: /search/([^/]+)\nregex_rewrite: /find?q=\\1', 'regex-search')}
${route('prefix: /items/cat', 'prefix-cat')}
${route('prefix: /api\nprefix_rewrite: /v2/', 'prefix-api')}
${route('path: /items/special', 'exact')}
${route('regex: ^/dots(.*)$\nregex_rewrite: /d/\\1', 'regex-dots')}
`);
});
afterAll(async () => {
  await g?.stop();
  upstream?.stop();
});

/** Sends `target` raw (no client normalisation); says which route's request reached the upstream, and as what. */
async function send(target: string) {
  const before = upstream.requests.length;
  const response = await rawRequest(g.port, `GET ${target} HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`);
  const head = upstream.requests.length > before ? upstream.requests.at(-1)! : undefined;
  return { response, reached: head ? `${routeOf(head)} ${targetOf(head)}` : `${response.status} ${JSON.parse(response.body || '{}').reason ?? JSON.parse(response.body || '{}').error}` };
}

describe('what the upstream receives', () => {
  const cases: [string, string][] = [
    // prefix_rewrite: the prefix replaced segment-wise, the rest and the query as sent.
    ['/api/users/a%20b?page=2&q=%2F', 'prefix-api /v2/users/a%20b?page=2&q=%2F'],
    ['/api', 'prefix-api /v2/'],
    ['/%61pi/x', 'prefix-api /v2/x'],
    ['/apix', '404 no_route'],
    // exact path beats prefix beats regex, whatever the order in the config.
    ['/items/special', 'exact /items/special'],
    ['/items/special/x', '404 no_route'],
    ['/items/cat/5', 'prefix-cat /items/cat/5'],
    ['/items/cat', 'prefix-cat /items/cat'],
    // regexes in config order: digits before the catch-any.
    ['/items/7', 'regex-digits /item?id=7'],
    ['/items/7?x=1&y', 'regex-digits /item?id=7&x=1&y'],
    ['/items/abc', 'regex-any /items/abc'],
    ['/items/dog/5', 'regex-two /cat/dog/item/5'],
    // Groups read the path as routing does; in a query they cannot add parameters.
    ['/items/%37', 'regex-digits /item?id=7'],
    ['/search/a&admin=1', 'regex-search /find?q=a%26admin%3D1'],
    ['/search/a+b', 'regex-search /find?q=a%2Bb'],
    // Dot segments are resolved before matching: the upstream gets what the path means.
    ['/items/x/../7', 'regex-digits /item?id=7'],
    ['/items/%2e%2e/items/7', 'regex-digits /item?id=7'],
    ['/items/7/..', '404 no_route'],
    // Hostile paths never reach the upstream with another meaning.
    ['/items/1%2F..', '400 encoded_slash'],
    ['/items/..%2f1', '400 encoded_slash'],
    ['/items/1%2f..%2f..%2fadmin', '400 encoded_slash'],
    ['/items/%252e%252e', '400 double_encoding'],
    ['/ITEMS/1', '400 ambiguous_route'],
    ['/Items/special', '400 ambiguous_route'],
    ['/items/1;x', '400 ambiguous_route'],
    ['/items/special.', '400 ambiguous_route'],
    ['/API/x', '400 ambiguous_route'],
    // A group that would become a dot segment upstream is refused, not resolved there.
    ['/dots..', '400 dot_segment'],
    ['/dots..x', 'regex-dots /d/..x'],
  ];
  for (const [target, expected] of cases) test(`${target} → ${expected}`, async () => expect((await send(target)).reached).toBe(expected));

  test("explain's route lookup follows the same order", () => {
    const lookup = (path: string) => {
      const found = g.server.gateway.lookup(new URL(`http://${HOST}${path}`));
      return found.kind === 'route' ? found.route.id : found.kind === 'ambiguous' ? found.reason : found.kind;
    };
    expect(lookup('/items/special')).toBe('routes[6]');
    expect(lookup('/items/cat/5')).toBe('routes[4]');
    expect(lookup('/items/7')).toBe('routes[0]');
    expect(lookup('/items/abc')).toBe('routes[2]');
    expect(lookup('/ITEMS/1')).toBe('ambiguous_route');
  });
});

describe('Location and Set-Cookie mapped back', () => {
  test('prefix_rewrite: paths under the rewrite go back under the prefix, others are left', async () => {
    const { response } = await send('/api/login');
    expect(response.header('location')).toBe('/api/home?x=1#top');
    expect(response.headers.filter(([n]) => n === 'set-cookie').map(([, v]) => v)).toEqual(['s=1; Path=/api; HttpOnly', 't=2; Path=/elsewhere']);
  });

  test('regex_rewrite: only the exact path the upstream received maps back (to the request path)', async () => {
    const { response } = await send('/items/dog/5');
    // Absolute on the upstream: moved to the client's origin, then its path mapped.
    expect(response.header('location')).toBe(`http://${HOST}/items/dog/5#tab`);
    expect(response.headers.filter(([n]) => n === 'set-cookie').map(([, v]) => v)).toEqual(['c=1; Path=/items/dog/5', 'd=1; Path=/cat']);
  });

  test('regex_rewrite with a query: another item, or a path without the query, is left alone', async () => {
    const { response } = await send('/items/7');
    expect(response.header('location')).toBe('/item?id=8');
    expect(response.header('set-cookie')).toBe('e=1; Path=/item');
  });
});

describe('gatehouse check', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  async function check(yaml: string) {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-path-rewrite-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'gatehouse.yaml'), yaml);
    return runCli(['check'], { cwd: dir });
  }

  test('a regex that does not compile, one that backtracks catastrophically, and a rewrite naming a missing group: located at their keys', async () => {
    const { code, stderr } = await check(`routes:
  - from: https://app.test
    regex: ^/items/(\\d+$
    to: http://127.0.0.1:9
    policy: { public: true }
  - from: https://app.test
    regex: ^/files/([a-z]+)*$
    to: http://127.0.0.1:9
    policy: { public: true }
  - from: https://app.test
    regex: ^/u/(\\d+)$
    regex_rewrite: /user/\\2
    to: http://127.0.0.1:9
    policy: { public: true }
`);
    expect(code).toBe(1);
    expect(stderr).toContain(':3:5: routes[0].regex: route routes[0] (https://app.test): regex "^/items/(\\d+$" does not compile');
    expect(stderr).toContain(':7:5: routes[1].regex: route routes[1] (https://app.test): regex "^/files/([a-z]+)*$" is refused at "([a-z]+)*": it nests the repetition "[a-z]+"');
    expect(stderr).toContain(':12:5: routes[2].regex_rewrite: route routes[2] (https://app.test): "\\2" names a group the regex does not have (it has 1)');
    expect(stderr).toContain('3 errors; the config is not valid');
  });

  test('prefix together with path: located at the second key', async () => {
    const { code, stderr } = await check(`routes:
  - from: https://app.test
    prefix: /api
    path: /api/x
    to: http://127.0.0.1:9
    policy: { public: true }
`);
    expect(code).toBe(1);
    expect(stderr).toContain(':4:5: routes[0].path: a route matches by one of prefix, path or regex; this one sets prefix and path');
  });

  test('a regex route behind a catch-all prefix of its host is a warning naming the route that answers', async () => {
    const { code, stderr } = await check(`routes:
  - from: https://app.test
    to: http://127.0.0.1:9
    policy: { public: true }
  - from: https://app.test
    regex: ^/items/(\\d+)$
    to: http://127.0.0.1:9
    policy: { public: true }
`);
    expect(code).toBe(0);
    expect(stderr).toContain(':6:5: routes[1].regex: route routes[1] (https://app.test): this route is never used: routes[0] covers every path of the host with prefix /');
  });
});
