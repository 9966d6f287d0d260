import { afterAll, setDefaultTimeout, beforeAll, describe, expect, test } from 'bun:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { startGateway } from './support/gateway.ts';
import { scoped } from './support/scoped.ts';
import { closedPort, rawRequest, startRawUpstream } from './support/raw-http.ts';
import { publicRoute } from './support/public-route.ts';

type Echo = { method: string; path: string; headers: Record<string, string>; body: string | null };

setDefaultTimeout(30_000);

const { cleanup, upstream, gateway } = scoped();

const route = publicRoute;

/** A promise with its resolve function, for making servers wait on the test. */
function latch<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** `promise`, or a rejection naming `what` after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: Timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms))),
  ]);
}

const text = new TextDecoder();
const bytes = new TextEncoder();

describe('streaming', () => {
  test('the response streams: the client gets the first chunk while the upstream still holds the rest', async () => {
    const release = latch();
    const up = upstream(
      () =>
        new Response(
          new ReadableStream({
            async start(controller) {
              controller.enqueue(bytes.encode('first chunk;'));
              await within(release.promise, 20_000, 'the test to release the upstream').catch(() => {});
              controller.enqueue(bytes.encode('the rest'));
              controller.close();
            },
          }),
          { headers: { 'content-type': 'text/plain' } },
        ),
    );
    const g = await gateway(route(up.url));
    try {
      const response = await within(g.request('/stream'), 5000, 'response headers');
      const reader = response.body!.getReader();
      const first = await within(reader.read(), 5000, 'the first chunk (is the proxy buffering?)');
      expect(text.decode(first.value)).toBe('first chunk;');
      release.resolve();
      let rest = '';
      for (let i = 0; i < 100; i++) {
        const { done, value } = await within(reader.read(), 5000, 'the rest');
        if (done) break;
        rest += text.decode(value);
      }
      expect(rest).toBe('the rest');
    } finally {
      release.resolve();
    }
  });

  test('the request body streams: the upstream gets the first chunk while the client still holds the rest', async () => {
    const firstArrived = latch<string>();
    const up = upstream(async (request) => {
      const reader = request.body!.getReader();
      const first = await reader.read();
      firstArrived.resolve(text.decode(first.value));
      let rest = '';
      for (let i = 0; i < 1000; i++) {
        const { done, value } = await reader.read();
        if (done) break;
        rest += text.decode(value);
      }
      return Response.json({ first: text.decode(first.value), rest });
    });
    const g = await gateway(route(up.url));
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
    controller.enqueue(bytes.encode('part one;'));
    const pending = g.request('/upload', { method: 'POST', body, duplex: 'half' } as RequestInit);
    try {
      expect(await within(firstArrived.promise, 5000, 'the upstream to see the first chunk (is the proxy buffering?)')).toBe('part one;');
    } finally {
      controller.enqueue(bytes.encode('part two'));
      controller.close();
    }
    const response = await within(pending, 10_000, 'the response');
    expect(await response.json()).toEqual({ first: 'part one;', rest: 'part two' });
  });

  test('a gzip body passes through still compressed, with its Content-Encoding, both ways', async () => {
    const payload = JSON.stringify({ hello: 'world'.repeat(200) });
    const gz = gzipSync(payload);
    let receivedBody: Uint8Array | undefined;
    let receivedEncoding = null as string | null;
    const up = upstream(async (request) => {
      receivedBody = new Uint8Array(await request.arrayBuffer());
      receivedEncoding = request.headers.get('content-encoding');
      return new Response(gz, { headers: { 'content-encoding': 'gzip', 'content-type': 'application/json' } });
    });
    const g = await gateway(route(up.url));
    const response = await fetch(`${g.origin}/gz`, {
      method: 'POST',
      headers: { host: 'api.example.test', 'content-encoding': 'gzip', 'accept-encoding': 'gzip' },
      body: gz,
      decompress: false,
    } as RequestInit);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-encoding')).toBe('gzip');
    const got = new Uint8Array(await response.arrayBuffer());
    expect(Buffer.from(got).equals(gz)).toBe(true);
    expect(gunzipSync(got).toString()).toBe(payload);
    expect(receivedEncoding).toBe('gzip');
    expect(Buffer.from(receivedBody!).equals(gz)).toBe(true);
  });
});

describe('headers to the upstream', () => {
  test('hop-by-hop request headers are stripped: the fixed set, Proxy-*, and names Connection lists', async () => {
    const up = upstream();
    const g = await gateway(route(up.url));
    const res = await rawRequest(
      g.port,
      [
        'GET /hop HTTP/1.1',
        'Host: api.example.test',
        'Connection: close, X-Secret-Hop, x-other-hop',
        'X-Secret-Hop: must-not-pass',
        'X-Other-Hop: must-not-pass',
        'Keep-Alive: timeout=99',
        'TE: trailers',
        'Trailer: X-Checksum',
        'Proxy-Authorization: Basic c2VjcmV0',
        'Proxy-Connection: keep-alive',
        'Proxy-Anything: x',
        'X-End-To-End: kept',
        '',
        '',
      ].join('\r\n'),
    );
    expect(res.status).toBe(200);
    const seen = (JSON.parse(res.body) as Echo).headers;
    expect(seen['x-end-to-end']).toBe('kept');
    for (const name of ['x-secret-hop', 'x-other-hop', 'te', 'trailer', 'proxy-authorization', 'proxy-connection', 'proxy-anything']) {
      expect(seen[name]).toBeUndefined();
    }
    expect(seen['keep-alive']).not.toBe('timeout=99');
  });

  test('hop-by-hop response headers are stripped on the way back', async () => {
    const body = '{"ok":true}';
    const raw = startRawUpstream(() =>
      [
        'HTTP/1.1 200 OK',
        'Content-Type: application/json',
        `Content-Length: ${body.length}`,
        'Connection: close, X-Up-Hop',
        'X-Up-Hop: must-not-pass',
        'Keep-Alive: timeout=77',
        'Proxy-Authenticate: Basic realm="up"',
        'Proxy-Status: up',
        'Trailer: X-Checksum',
        'Upgrade: h2c',
        'X-Up-End-To-End: kept',
        '',
        body,
      ].join('\r\n'),
    );
    cleanup.push(() => raw.stop());
    const g = await gateway(route(`http://127.0.0.1:${raw.port}`));
    const res = await rawRequest(g.port, 'GET / HTTP/1.1\r\nHost: api.example.test\r\nConnection: close\r\n\r\n');
    expect(res.status).toBe(200);
    expect(res.body).toBe(body);
    expect(res.header('x-up-end-to-end')).toBe('kept');
    for (const name of ['x-up-hop', 'proxy-authenticate', 'proxy-status', 'trailer', 'upgrade']) expect(res.header(name)).toBeUndefined();
    expect(res.header('keep-alive')).not.toBe('timeout=77');
  });

  test('X-Forwarded-For/-Proto/-Host and X-Request-Id are set (client-sent values replaced)', async () => {
    const up = upstream();
    const g = await gateway(route(up.url));
    const response = await g.request('/fwd?q=1', {
      host: `api.example.test:${g.port}`,
      headers: { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-host': 'evil.test', 'x-forwarded-proto': 'https', 'x-request-id': 'client-chosen' },
    });
    const echo = (await response.json()) as Echo;
    const requestId = response.headers.get('x-request-id')!;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(echo.path).toBe('/fwd?q=1');
    expect(echo.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(echo.headers['x-forwarded-proto']).toBe('http');
    expect(echo.headers['x-forwarded-host']).toBe(`api.example.test:${g.port}`);
    expect(echo.headers['x-request-id']).toBe(requestId);
  });

  test('by default the upstream gets its own host in Host', async () => {
    const up = upstream();
    const g = await gateway(route(up.url));
    const echo = (await (await g.request('/')).json()) as Echo;
    expect(echo.headers.host).toBe(`127.0.0.1:${up.port}`);
  });

  test('preserve_host_header: true passes the client Host through', async () => {
    const up = upstream();
    const g = await gateway(route(up.url, 'preserve_host_header: true'));
    const echo = (await (await g.request('/')).json()) as Echo;
    expect(echo.headers.host).toBe('api.example.test');
    expect(echo.headers['x-forwarded-host']).toBe('api.example.test');
  });

  test('set_request_headers and remove_request_headers (any case), with ${VAR} values', async () => {
    const up = upstream();
    const g = await gateway(
      route(
        up.url,
        `set_request_headers:
  X-Api-Key: \${UPSTREAM_KEY}
  X-Tenant: fixed
remove_request_headers: [X-Debug, x-internal]`,
      ),
      { env: { UPSTREAM_KEY: 'k-123' } },
    );
    const response = await g.request('/', { headers: { 'X-Tenant': 'client-value', 'x-debug': '1', 'X-Internal': 'yes', 'X-Kept': 'yes' } });
    const seen = ((await response.json()) as Echo).headers;
    expect(seen['x-api-key']).toBe('k-123');
    expect(seen['x-tenant']).toBe('fixed');
    expect(seen['x-debug']).toBeUndefined();
    expect(seen['x-internal']).toBeUndefined();
    expect(seen['x-kept']).toBe('yes');
  });

  test('client X-Gatehouse-* headers and the _gatehouse cookie never reach the upstream; other cookies do', async () => {
    const up = upstream();
    const g = await gateway(route(up.url));
    const response = await g.request('/', {
      headers: {
        'X-Gatehouse-Jwt-Assertion': 'forged',
        'x-gatehouse-authorization': 'Bearer forged',
        'X-Gatehouse-User': 'admin@example.test',
        cookie: 'theme=dark; _gatehouse=session-token; _gatehouse_csrf=c1; lang=fr',
      },
    });
    const seen = ((await response.json()) as Echo).headers;
    expect(Object.keys(seen).filter((n) => n.startsWith('x-gatehouse-'))).toEqual([]);
    expect(seen.cookie).toBe('theme=dark; _gatehouse_csrf=c1; lang=fr');
    expect(seen.cookie).not.toContain('session-token');
  });

  test('a request whose only cookie is the trust cookie reaches the upstream without a Cookie header', async () => {
    const up = upstream();
    const g = await gateway(route(up.url));
    const seen = ((await (await g.request('/', { headers: { cookie: '_gatehouse=session-token' } })).json()) as Echo).headers;
    expect(seen.cookie).toBeUndefined();
  });

  test('the trust cookie is removed from repeated Cookie headers too', async () => {
    const up = upstream();
    const g = await gateway(route(up.url));
    const res = await rawRequest(g.port, 'GET / HTTP/1.1\r\nHost: api.example.test\r\nCookie: a=1\r\nCookie: _gatehouse=session-token\r\nCookie: b=2\r\nConnection: close\r\n\r\n');
    const seen = (JSON.parse(res.body) as Echo).headers;
    expect(seen.cookie).not.toContain('session-token');
    expect(seen.cookie).toContain('a=1');
    expect(seen.cookie).toContain('b=2');
  });
});

describe('headers to the client', () => {
  test('set_response_headers adds and overrides response headers; X-Request-Id is on every answer', async () => {
    const up = upstream(() => new Response('ok', { headers: { 'x-frame-options': 'ALLOWALL', 'x-upstream': 'yes' } }));
    const g = await gateway(route(up.url, 'set_response_headers: { X-Frame-Options: SAMEORIGIN, X-Added: "1" }'));
    const response = await g.request('/');
    expect(await response.text()).toBe('ok');
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('x-added')).toBe('1');
    expect(response.headers.get('x-upstream')).toBe('yes');
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('upstream status, redirects and Set-Cookie pass through untouched', async () => {
    const up = upstream(() => {
      const headers = new Headers({ location: '/elsewhere' });
      headers.append('set-cookie', 'a=1; Path=/');
      headers.append('set-cookie', 'b=2; Path=/');
      return new Response(null, { status: 302, headers });
    });
    const g = await gateway(route(up.url));
    const response = await g.request('/');
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/elsewhere');
    expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
  });
});

describe('Location from the upstream', () => {
  test("a Location on the upstream's own origin reaches the browser on the client's origin (base path mapped back)", async () => {
    const up = upstream((request) => {
      const path = new URL(request.url).pathname;
      const own = `http://127.0.0.1:${new URL(request.url).port}`;
      const location =
        path === '/base/abs' ? `${own}/base/next?x=1` : path === '/base/outside' ? `${own}/elsewhere` : path === '/base/foreign' ? 'https://idp.example.test/login' : '/base/relative';
      return new Response(null, { status: 302, headers: { location } });
    });
    const g = await gateway(route(`${up.url}/base`));
    const at = async (path: string) => (await g.request(path, { redirect: 'manual' })).headers.get('location');
    expect(await at('/abs')).toBe('http://api.example.test/next?x=1');
    // Not under the base path: no mapping is exact, so it is left alone.
    expect(await at('/outside')).toBe(`${up.url}/elsewhere`);
    expect(await at('/foreign')).toBe('https://idp.example.test/login');
    expect(await at('/relative')).toBe('/base/relative');
  });
});

describe('trusted proxies', () => {
  test('a bad CIDR in trusted_proxies is refused at load, naming the key and the value', async () => {
    const error = await startGateway(`trusted_proxies: [10.0.0.0/8, 10.0.0.1/8, nonsense]\n${route('http://127.0.0.1:1')}`).then(
      (g) => (cleanup.push(() => g.stop()), undefined),
      (e: Error) => e,
    );
    expect(error?.message).toContain('trusted_proxies');
    expect(error?.message).toContain('"10.0.0.1/8" has address bits set');
    expect(error?.message).toContain('"nonsense" is not an IPv4 or IPv6 address');
  });
});

describe('upstream selection and failures', () => {
  test('several `to` URLs take turns (round robin)', async () => {
    const a = upstream(() => new Response('a'));
    const b = upstream(() => new Response('b'));
    const g = await gateway(route([a.url, b.url]));
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) seen.push(await (await g.request('/')).text());
    expect(seen.filter((s) => s === 'a')).toHaveLength(3);
    expect(seen.filter((s) => s === 'b')).toHaveLength(3);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).not.toBe(seen[i - 1]);
  });

  test('an upstream that refuses connections is skipped', async () => {
    const good = upstream(() => new Response('good'));
    const g = await gateway(route([`http://127.0.0.1:${closedPort()}`, good.url]));
    for (let i = 0; i < 6; i++) {
      const response = await g.request(`/r${i}`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('good');
    }
    expect(good.received).toHaveLength(6);
  });

  test('the upstream URL base path is kept in front of the request path and query', async () => {
    const up = upstream();
    const g = await gateway(route(`${up.url}/base/`, 'allow_encoded_slashes: true'));
    const echo = (await (await g.request('/a/b%2Fc?x=1&y=%20')).json()) as Echo;
    expect(echo.path).toBe('/base/a/b%2Fc?x=1&y=%20');
  });

  test('a route timeout gives 504 JSON with the request id', async () => {
    const up = upstream(async () => {
      await Bun.sleep(3000);
      return new Response('too late');
    });
    const g = await gateway(route(up.url, 'timeout: 200ms'));
    const response = await g.request('/slow');
    expect(response.status).toBe(504);
    expect(response.headers.get('content-type')).toContain('application/json');
    const body = (await response.json()) as { error: string; request_id: string };
    expect(body).toEqual({ error: 'upstream_timeout', request_id: response.headers.get('x-request-id')! });
  });

  test('a refused upstream gives 502 JSON with the request id', async () => {
    const g = await gateway(route(`http://127.0.0.1:${closedPort()}`));
    const response = await g.request('/');
    expect(response.status).toBe(502);
    const body = (await response.json()) as { error: string; request_id: string };
    expect(body).toEqual({ error: 'upstream_unavailable', request_id: response.headers.get('x-request-id')! });
    expect(g.logs.json().some((l) => l.msg === 'upstream failed' && l.level === 'warn')).toBe(true);
  });

  test('an upstream that resets the connection gives 502 JSON with the request id', async () => {
    const raw = startRawUpstream(() => 'reset');
    cleanup.push(() => raw.stop());
    const g = await gateway(route(`http://127.0.0.1:${raw.port}`));
    const response = await g.request('/');
    expect(response.status).toBe(502);
    const body = (await response.json()) as { error: string; request_id: string };
    expect(body).toEqual({ error: 'upstream_unavailable', request_id: response.headers.get('x-request-id')! });
    expect(raw.requests.length).toBeGreaterThan(0);
  });

  test('after an error the gateway keeps serving', async () => {
    const up = upstream(() => new Response('fine'));
    const g = await gateway(`routes:
  - from: http://down.example.test
    to: http://127.0.0.1:${closedPort()}
    policy: { public: true }
  - from: http://api.example.test
    to: ${up.url}
    policy: { public: true }
`);
    expect((await g.request('/', { host: 'down.example.test' })).status).toBe(502);
    expect(await (await g.request('/', { host: 'api.example.test' })).text()).toBe('fine');
  });
});

describe('routing over HTTP', () => {
  test('no matching route: 404 JSON {"error":"no_route","request_id":…}', async () => {
    const up = upstream();
    const g = await gateway(route(up.url));
    const response = await g.request('/', { host: 'unknown.example.test' });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toEqual({ error: 'no_route', request_id: response.headers.get('x-request-id')! });
    expect(up.received).toHaveLength(0);
  });

  test('host (any case, trailing dot, default port) and longest prefix pick the upstream', async () => {
    const root = upstream(() => new Response('root'));
    const api = upstream(() => new Response('api'));
    const wild = upstream(() => new Response('wild'));
    const g = await gateway(`routes:
  - from: http://*.example.test
    to: ${wild.url}
    policy: { public: true }
  - from: http://app.example.test
    to: ${root.url}
    policy: { public: true }
  - from: http://app.example.test
    prefix: /api
    to: ${api.url}
    policy: { public: true }
`);
    const via = async (host: string, path: string) => (await g.request(path, { host })).text();
    expect(await via('app.example.test', '/api/x')).toBe('api');
    expect(await via('APP.Example.Test.:80', '/api')).toBe('api');
    expect(await via('app.example.test', '/apix')).toBe('root');
    expect(await via('app.example.test', '/%61pi/x')).toBe('api');
    expect(await via('other.example.test', '/api/x')).toBe('wild');
  });

  test('/.gatehouse/ is reserved and never proxied, on any route host', async () => {
    const up = upstream();
    const g = await gateway(route(up.url));
    for (const path of ['/.gatehouse/', '/.gatehouse/anything', '/.gatehouse']) {
      const response = await g.request(path);
      expect(response.status).toBe(404);
      expect(((await response.json()) as { request_id: string }).request_id).toBe(response.headers.get('x-request-id')!);
    }
    // Gatehouse's own endpoints answer here; none of them reaches the upstream either.
    for (const path of ['/.gatehouse/sign_in?redirect_uri=/x', '/.well-known/gatehouse/jwks.json']) await g.request(path);
    expect(up.received).toHaveLength(0);
    expect((await g.request('/.gatehousex')).status).toBe(200);
  });

  test('/.gatehouse/ cannot be reached on the upstream through //, %2e or dot segments', async () => {
    const up = upstream();
    const g = await gateway(route(up.url));
    // Raw requests: fetch would rewrite these targets before they left the test.
    for (const target of ['//.gatehouse/sign_in', '/%2egatehouse/sign_in', '/%2Egatehouse/x', '/x/../.gatehouse/x', '/x/%2e%2e/.gatehouse/x', '//.well-known/gatehouse/jwks.json']) {
      const res = await rawRequest(g.port, `GET ${target} HTTP/1.1\r\nHost: api.example.test\r\nConnection: close\r\n\r\n`);
      expect({ target, status: res.status }).toEqual({ target, status: 404 });
    }
    expect(up.received).toHaveLength(0);
  });

  test('a leading // cannot move a request from a prefix route to another route (and its policy)', async () => {
    const root = upstream(() => new Response('root'));
    const admin = upstream(() => new Response('admin'));
    const g = await gateway(`routes:
  - from: http://app.example.test
    to: ${root.url}
    policy: { public: true }
  - from: http://app.example.test
    prefix: /admin
    to: ${admin.url}
    policy: { public: true }
`);
    for (const target of ['/admin/users', '//admin/users', '///admin/users', '/%61dmin/users']) {
      const res = await rawRequest(g.port, `GET ${target} HTTP/1.1\r\nHost: app.example.test\r\nConnection: close\r\n\r\n`);
      expect({ target, body: res.body }).toEqual({ target, body: 'admin' });
    }
    expect(root.received).toHaveLength(0);
    expect(await (await g.request('/other', { host: 'app.example.test' })).text()).toBe('root');
  });
});

describe('access log', () => {
  test('one JSON line per request: time, request id, method, host, path, status, duration, route, upstream', async () => {
    const up = upstream();
    const g = await gateway(route(up.url));
    const response = await g.request('/logged?secret=1', { method: 'POST', body: 'x' });
    expect(response.status).toBe(200);
    await g.request('/', { host: 'nowhere.example.test' });
    const lines = g.accessLogs.json();
    expect(lines).toHaveLength(2);
    const [hit, miss] = lines as Record<string, unknown>[];
    expect(hit).toMatchObject({
      type: 'access',
      request_id: response.headers.get('x-request-id')!,
      method: 'POST',
      host: 'api.example.test',
      path: '/logged',
      status: 200,
      route: 'routes[0]',
      upstream: up.url,
    });
    expect(Date.parse(hit!.time as string)).not.toBeNaN();
    expect(typeof hit!.duration_ms).toBe('number');
    expect(miss).toMatchObject({ status: 404, host: 'nowhere.example.test' });
    expect(typeof miss!.request_id).toBe('string');
  });
});

describe('stripHopByHop', () => {
  let strip: typeof import('../src/proxy/hop-by-hop.ts').stripHopByHop;
  beforeAll(async () => {
    strip = (await import('../src/proxy/hop-by-hop.ts')).stripHopByHop;
  });
  afterAll(() => {});

  test('removes the fixed set, Proxy-* and listed names, keeps the rest', () => {
    const h = new Headers({
      connection: 'keep-alive, X-A ,x-b',
      'keep-alive': 'timeout=5',
      te: 'trailers',
      trailer: 'x',
      'transfer-encoding': 'chunked',
      upgrade: 'websocket',
      'proxy-authorization': 'x',
      'proxy-foo': 'x',
      'x-a': '1',
      'x-b': '1',
      'x-c': '1',
      'content-type': 'text/plain',
    });
    strip(h);
    expect([...h.keys()].sort()).toEqual(['content-type', 'x-c']);
  });
});

describe('request framing', () => {
  test('two identical Content-Length headers are one length to the upstream, not a 502', async () => {
    const up = startRawUpstream(() => 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok');
    cleanup.push(() => up.stop());
    const g = await gateway(route(`http://127.0.0.1:${up.port}`));
    const res = await rawRequest(g.port, 'POST /a HTTP/1.1\r\nHost: api.example.test\r\nContent-Length: 5\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello');
    expect(res.status).toBe(200);
    expect(up.requests[0]).toMatch(/\r\ncontent-length: 5(\r\n|$)/i);
  });
});

describe('ports in Host', () => {
  test('a route without a port answers on the default port and its own, not on any port a client names', async () => {
    const up = upstream();
    const g = await gateway(route(up.url));
    expect((await g.request('/', { host: 'api.example.test' })).status).toBe(200);
    expect((await g.request('/', { host: `api.example.test:${g.port}` })).status).toBe(200);
    const other = await g.request('/', { host: 'api.example.test:6666' });
    expect(other.status).toBe(421);
    expect(((await other.json()) as { error: string }).error).toBe('misdirected_request');
    expect(up.received).toHaveLength(2);
  });

  test('from: host:* answers on any port; an explicit port only on that one', async () => {
    const up = upstream();
    const g = await gateway(`routes:
  - from: http://any.example.test:*
    to: ${up.url}
    policy: { public: true }
  - from: http://fixed.example.test:7777
    to: ${up.url}
    policy: { public: true }
`);
    expect((await g.request('/', { host: 'any.example.test:6666' })).status).toBe(200);
    expect((await g.request('/', { host: 'fixed.example.test:7777' })).status).toBe(200);
    expect((await g.request('/', { host: 'fixed.example.test:7778' })).status).toBe(404);
  });
});
