import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { fileURLToPath } from 'node:url';
import { builtinPlugins } from '../src/plugin-loader/builtins.ts';
import { startGateway, startUpstream, type TestGateway, type TestUpstream } from './support/gateway.ts';
import { rawRequest, startRawUpstream, type RawUpstream } from './support/raw-http.ts';

// The built-in by name once the engine registers it; until then the same module by path.
const USE = builtinPlugins.has('path-prefix') ? 'path-prefix' : fileURLToPath(new URL('../plugins/path-prefix/index.ts', import.meta.url));

/** The request-target of a raw request head: `GET /v2/x HTTP/1.1` → `/v2/x`. */
const targetOf = (head: string) => head.split('\r\n')[0]!.split(' ')[1]!;
const headerOf = (head: string, name: string) =>
  head
    .split('\r\n')
    .slice(1)
    .find((l) => l.toLowerCase().startsWith(name.toLowerCase() + ':'))
    ?.slice(name.length + 1)
    .trim();

const ok = (body: string) => `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;

/** A raw GET (no client-side normalisation) to the gateway as app.example.test. */
const rawGet = (g: TestGateway, target: string, extra = '') =>
  rawRequest(g.port, `GET ${target} HTTP/1.1\r\nHost: app.example.test\r\n${extra}Connection: close\r\n\r\n`);

describe('path-prefix over real HTTP: traversal', () => {
  let app: RawUpstream;
  let api: RawUpstream;
  let g: TestGateway;

  beforeAll(async () => {
    app = startRawUpstream(() => ok('app'));
    api = startRawUpstream(() => ok('api'));
    g = await startGateway(`routes:
  - from: http://app.example.test
    to: http://127.0.0.1:${app.port}
    policy: { public: true }
    plugins:
      - use: ${USE}
        prefix: /api
        to: http://127.0.0.1:${api.port}/v2
        set_request_headers: { X-Api-Key: secret }
`);
  });
  afterAll(async () => {
    await g?.stop();
    app?.stop();
    api?.stop();
  });

  // [raw request-target, expected]: `api <target>` / `app <target>` is the exact request-target
  // that upstream received; `400 <reason>` is a bad_path answer that reached no upstream.
  // Bun resolves dot segments (also %2e ones) and turns `\` into `/` before any plugin runs,
  // so `/api/../x` arrives as `/x`: the app's, never the API's.
  const cases: [string, string][] = [
    ['/api/x', 'api /v2/x'],
    ['/api', 'api /v2/'],
    ['/api/', 'api /v2/'],
    ['/apix', 'app /apix'],
    ['/api..', '400 ambiguous_prefix'],
    ['/API/x', 'app /API/x'],
    ['/api/../x', 'app /x'],
    ['/api/../../../etc/passwd', 'app /etc/passwd'],
    ['/api/%2e%2e/x', 'app /x'],
    ['/api/.%2E/x', 'app /x'],
    ['/api/a/../../x', 'app /x'],
    ['http://app.example.test/api/../x', 'app /x'],
    ['/api\\..\\x', 'app /x'],
    ['/api/a/../b', 'api /v2/b'],
    ['/api/a/%2e%2e/b', 'api /v2/b'],
    ['/api/./x', 'api /v2/x'],
    ['/api/%2e/x', 'api /v2/x'],
    ['/api\\x', 'api /v2/x'],
    ['/ap%69/x', 'api /v2/x'],
    ['/api/a%20b/%7e/caf%C3%A9?q=%2F..%2F&x=/../y', 'api /v2/a%20b/%7e/caf%C3%A9?q=%2F..%2F&x=/../y'],
    ['/api/x?', 'api /v2/x?'],
    ['/api/ä', 'api /v2/%C3%A4'],
    ['/api/..%2fx', '400 encoded_slash'],
    ['/api/%2F..%2F..%2Fx', '400 encoded_slash'],
    ['/api%2Fx', '400 encoded_slash'],
    ['/api/%2e%2e%2fsecret', '400 encoded_slash'],
    ['/x/..%2F..%2Fapi/y', '400 encoded_slash'],
    ['/api/..%5cx', '400 encoded_backslash'],
    ['/api//x', '400 empty_segment'],
    ['//api/x', '400 empty_segment'],
    ['/api//..//x', '400 empty_segment'],
    ['/api/%252e%252e/x', '400 double_encoding'],
    ['/api/%25%32%65%25%32%65/x', '400 double_encoding'],
    ['/api/%252f', '400 double_encoding'],
    ['/api/a%00b', '400 encoded_control_character'],
    ['/api/a%0d%0aX-Injected:%201', '400 encoded_control_character'],
    ['/api/%c0%ae%c0%ae/x', '400 invalid_utf8'],
    ['/api/..;/x', '400 dot_segment_variant'],
    ['/api/..;jsessionid=1/admin', '400 dot_segment_variant'],
    ['/api/.../x', '400 dot_segment_variant'],
    ['/api/..%20/x', '400 dot_segment_variant'],
    ['/api/%zz', '400 malformed_escape'],
    ['/api/%EF%BC%8E%EF%BC%8E/x', '400 unicode_lookalike'],
    ['/api/..%EF%BC%8Fx', '400 unicode_lookalike'],
    ['/%EF%BD%81pi/x', '400 ambiguous_prefix'],
    ['/api;v=1/x', '400 ambiguous_prefix'],
    ['/api/x#frag', '400 fragment'],
  ];

  test('the table has at least 25 hostile paths', () => expect(cases.length).toBeGreaterThanOrEqual(25));

  for (const [target, expected] of cases) {
    test(`${JSON.stringify(target)} → ${expected}`, async () => {
      const before = { app: app.requests.length, api: api.requests.length };
      const res = await rawGet(g, target);
      const reachedApp = app.requests.slice(before.app).map(targetOf);
      const reachedApi = api.requests.slice(before.api).map(targetOf);
      if (expected.startsWith('400 ')) {
        expect(res.status).toBe(400);
        // The engine's request gate refuses most of these before the plugin runs (same readings,
        // same reasons); what it lets through, path-prefix refuses itself.
        const body = JSON.parse(res.body);
        expect(['bad_path', 'ambiguous_path', 'bad_request']).toContain(body.error);
        expect(body.reason).toBe(expected.slice(4));
        expect(reachedApp).toEqual([]);
        expect(reachedApi).toEqual([]);
        return;
      }
      const [which, path] = expected.split(' ') as ['app' | 'api', string];
      expect(res.status).toBe(200);
      expect(res.body).toBe(which);
      expect(which === 'api' ? reachedApi : reachedApp).toEqual([path]);
      expect(which === 'api' ? reachedApp : reachedApi).toEqual([]);
      // Whatever reached the API stayed under its base path and carried no dot segment.
      for (const p of reachedApi) {
        expect(p === '/v2' || p.startsWith('/v2/')).toBe(true);
        expect(p.split('?')[0]!.split('/')).not.toContain('..');
      }
    });
  }

  test('the injected key reaches the API only, replacing a client-sent one', async () => {
    const before = { app: app.requests.length, api: api.requests.length };
    await rawGet(g, '/api/x', 'X-Api-Key: attacker\r\n');
    await rawGet(g, '/other', 'X-Api-Key: attacker\r\n');
    const apiHead = api.requests.slice(before.api)[0]!;
    const appHead = app.requests.slice(before.app)[0]!;
    expect(headerOf(apiHead, 'x-api-key')).toBe('secret');
    expect(apiHead.toLowerCase().split('x-api-key').length).toBe(2);
    expect(apiHead).not.toContain('attacker');
    expect(headerOf(appHead, 'x-api-key')).toBe('attacker');
  });
});

describe('path-prefix over real HTTP: responses', () => {
  const token = 'svc-token-7f3a9c21e';
  let api: TestUpstream;
  let app: TestUpstream;
  let g: TestGateway;

  beforeAll(async () => {
    app = startUpstream();
    api = startUpstream((request) => {
      const url = new URL(request.url);
      const self = `http://127.0.0.1:${url.port}`;
      const redirect = (location: string) => new Response(null, { status: 302, headers: { location } });
      switch (url.pathname) {
        case '/v2/redirect-absolute':
          return redirect(`${self}/v2/home?x=1#top`);
        case '/v2/redirect-root-relative':
          return redirect('/v2/login?next=%2Fv2%2Fhome');
        case '/v2/redirect-outside-base':
          return redirect('/elsewhere');
        case '/v2/redirect-external':
          return redirect('https://idp.example.test/authorize?client_id=x');
        case '/v2/redirect-relative':
          return redirect('next-page');
        case '/v2/deep/cookies': {
          const headers = new Headers();
          headers.append('set-cookie', `a=1; Path=/v2; Domain=127.0.0.1; HttpOnly`);
          headers.append('set-cookie', 'b=2; Path=/v2/deep; SameSite=Lax');
          headers.append('set-cookie', 'c=3');
          headers.append('set-cookie', 'd=4; Path=/; Domain=.internal.test');
          headers.append('set-cookie', '__Host-e=5; Path=/; Secure');
          return new Response('cookies', { headers });
        }
        case '/v2/echo':
          return new Response('echo', {
            headers: {
              'x-api-key': request.headers.get('x-api-key') ?? '',
              'x-debug': `saw key ${request.headers.get('x-api-key')}`,
              'set-cookie': `debug=${request.headers.get('x-api-key')}; Path=/v2`,
              'x-fine': 'kept',
            },
          });
        default:
          return new Response('api');
      }
    });
    g = await startGateway(`routes:
  - from: http://app.example.test
    to: ${app.url}
    policy: { public: true }
    plugins:
      - use: ${USE}
        prefix: /api
        to: ${api.url}/v2
        set_request_headers: { X-Api-Key: "\${API_TOKEN}" }
`, { env: { API_TOKEN: token } });
  });
  afterAll(async () => {
    await g?.stop();
    await app?.stop();
    await api?.stop();
  });

  test('an absolute Location on the upstream comes back on the gateway origin under the prefix', async () => {
    const res = await g.request('/api/redirect-absolute');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('http://app.example.test/api/home?x=1#top');
  });

  test('a root-relative Location is mapped from the base path to the prefix', async () => {
    const res = await g.request('/api/redirect-root-relative');
    expect(res.headers.get('location')).toBe('/api/login?next=%2Fv2%2Fhome');
  });

  test('locations the mount cannot reach, other origins and relative ones are left alone', async () => {
    expect((await g.request('/api/redirect-outside-base')).headers.get('location')).toBe('/elsewhere');
    expect((await g.request('/api/redirect-external')).headers.get('location')).toBe('https://idp.example.test/authorize?client_id=x');
    expect((await g.request('/api/redirect-relative')).headers.get('location')).toBe('next-page');
  });

  test('every Set-Cookie gets its Path under the prefix and loses the upstream Domain', async () => {
    const res = await g.request('/api/deep/cookies');
    expect(await res.text()).toBe('cookies');
    expect(res.headers.getSetCookie()).toEqual([
      'a=1; HttpOnly; Path=/api',
      'b=2; SameSite=Lax; Path=/api/deep',
      'c=3; Path=/api/deep',
      'd=4; Path=/api',
      '__Host-e=5; Path=/; Secure',
    ]);
  });

  test('the injected token reaches the API and never comes back in any header or log line', async () => {
    const before = api.received.length;
    const res = await g.request('/api/echo');
    expect(await res.text()).toBe('echo');
    expect(api.received[before]!.headers.get('x-api-key')).toBe(token);
    const everyHeader = JSON.stringify([...res.headers]) + JSON.stringify(res.headers.getSetCookie());
    expect(everyHeader).not.toContain(token);
    expect(res.headers.get('x-api-key')).toBeNull();
    expect(res.headers.get('x-debug')).toBeNull();
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get('x-fine')).toBe('kept');
    await Bun.sleep(20);
    const logs = g.logs.lines.join('\n') + g.accessLogs.lines.join('\n');
    expect(logs).toContain('x-debug');
    expect(logs).not.toContain(token);
  });

  test('the app route never sees the token', async () => {
    const before = app.received.length;
    const res = await g.request('/dashboard');
    const echo = (await res.json()) as { path: string; headers: Record<string, string> };
    expect(echo.path).toBe('/dashboard');
    expect(app.received.length).toBe(before + 1);
    expect(JSON.stringify(echo.headers)).not.toContain(token);
  });
});
