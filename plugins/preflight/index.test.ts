import { expect, test } from 'bun:test';
import preflight from './index.ts';
import { corsHeaders, fakeContext, fakeNext, instantiate, type FakeRequest } from '../../src/testing/plugin-fakes.ts';

const APP = 'https://app.example.test';
const base = {
  allow_origins: [APP, 'https://*.example.test'],
  allow_methods: ['GET', 'POST', 'PUT', 'PATCH'],
  allow_headers: ['Content-Type', 'X-Gatehouse-Authorization'],
};

async function run(options: Record<string, unknown>, request: FakeRequest, upstream?: () => Response) {
  const { handle } = await instantiate(preflight, options);
  const ctx = fakeContext(request);
  const next = fakeNext(upstream);
  const response = await handle(ctx, next);
  return { response, ctx, next, cors: corsHeaders(response) };
}

function preflightFrom(origin: string, method = 'PUT', headers: Record<string, string> = {}): FakeRequest {
  return {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, ...headers },
  };
}

test('an allowed preflight gets 204 with the origin, methods, headers and Vary', async () => {
  const { response, next, cors } = await run(
    base,
    preflightFrom(APP, 'PUT', { 'access-control-request-headers': 'content-type,x-gatehouse-authorization' }),
  );
  expect(response.status).toBe(204);
  expect(next.calls).toBe(0);
  expect(cors).toEqual({
    'access-control-allow-origin': APP,
    'access-control-allow-methods': 'GET, POST, PUT, PATCH',
    'access-control-allow-headers': 'Content-Type, X-Gatehouse-Authorization',
  });
  expect(response.headers.get('vary')).toBe('Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
  expect(await response.text()).toBe('');
});

test('credentials and max age are sent when configured', async () => {
  const { cors } = await run({ ...base, allow_credentials: true, max_age: 600 }, preflightFrom(APP));
  expect(cors['access-control-allow-credentials']).toBe('true');
  expect(cors['access-control-max-age']).toBe('600');
  const plain = await run(base, preflightFrom(APP));
  expect(plain.cors['access-control-allow-credentials']).toBeUndefined();
  expect(plain.cors['access-control-max-age']).toBeUndefined();
});

test('no Allow-Headers when no header was requested', async () => {
  const { cors } = await run(base, preflightFrom(APP, 'PUT', { 'access-control-request-headers': ' , ' }));
  expect(cors['access-control-allow-headers']).toBeUndefined();
});

test('* without credentials answers *', async () => {
  const { response, cors } = await run({ allow_origins: ['*'] }, preflightFrom('https://anywhere.test', 'GET'));
  expect(response.status).toBe(204);
  expect(cors['access-control-allow-origin']).toBe('*');
  expect(response.headers.get('vary')).toBe('Access-Control-Request-Method, Access-Control-Request-Headers');
});

test('allow_methods/allow_headers * without credentials answer the literal *', async () => {
  const options = { allow_origins: ['*'], allow_methods: ['*'], allow_headers: ['*'] };
  const { response, cors } = await run(options, preflightFrom('https://anywhere.test', 'PURGE', { 'access-control-request-headers': 'x-custom' }));
  expect(response.status).toBe(204);
  expect(cors).toEqual({ 'access-control-allow-origin': '*', 'access-control-allow-methods': '*', 'access-control-allow-headers': '*' });
});

test('* with credentials names back the requested method and headers (a literal * means nothing to browsers then)', async () => {
  const options = { allow_origins: [APP], allow_methods: ['*'], allow_headers: ['*'], allow_credentials: true };
  const { response, cors } = await run(options, preflightFrom(APP, 'put', { 'access-control-request-headers': 'content-type,x-custom' }));
  expect(response.status).toBe(204);
  expect(cors).toEqual({
    'access-control-allow-origin': APP,
    'access-control-allow-credentials': 'true',
    'access-control-allow-methods': 'PUT',
    'access-control-allow-headers': 'content-type,x-custom',
  });
  expect(response.headers.get('vary')).toBe('Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
  const purge = await run(options, preflightFrom(APP, 'PURGE'));
  expect(purge.cors['access-control-allow-methods']).toBe('PURGE');
  expect(purge.cors['access-control-allow-headers']).toBeUndefined();
});

test('* never covers Authorization, with credentials too; listing it allows it', async () => {
  const options = { allow_origins: [APP], allow_methods: ['*'], allow_headers: ['*'], allow_credentials: true };
  const refused = await run(options, preflightFrom(APP, 'PUT', { 'access-control-request-headers': 'x-custom,authorization' }));
  expect(refused.response.status).toBe(403);
  expect(refused.cors).toEqual({});
  const listed = await run({ ...options, allow_headers: ['*', 'Authorization'] }, preflightFrom(APP, 'PUT', { 'access-control-request-headers': 'x-custom,authorization' }));
  expect(listed.response.status).toBe(204);
  expect(listed.cors['access-control-allow-headers']).toBe('x-custom,authorization');
});

test('allow_methods * still refuses what no page can send', async () => {
  for (const method of ['CONNECT', 'trace', 'bad method']) {
    const { response } = await run({ allow_origins: [APP], allow_methods: ['*'] }, preflightFrom(APP, method));
    expect(response.status).toBe(403);
  }
});

test('a wildcard pattern echoes the request origin, never *', async () => {
  const { cors } = await run(base, preflightFrom('https://x.y.example.test'));
  expect(cors['access-control-allow-origin']).toBe('https://x.y.example.test');
});

const denied: Array<[string, FakeRequest, string]> = [
  ['an unknown origin', preflightFrom('https://evil.test'), 'origin'],
  ['the bare domain of a *. pattern', preflightFrom('https://example.test'), 'origin'],
  ['a look-alike domain', preflightFrom('https://evil-example.test'), 'origin'],
  ['a suffix attack', preflightFrom('https://example.test.evil.test'), 'origin'],
  ['another scheme', preflightFrom('http://app.example.test'), 'origin'],
  ['another port', preflightFrom('https://app.example.test:8443'), 'origin'],
  ['null', preflightFrom('null'), 'origin'],
  ['a method not allowed', preflightFrom(APP, 'DELETE'), 'method'],
  ['a method in the wrong case (not one of the six)', preflightFrom(APP, 'patch'), 'method'],
  ['a header not allowed', preflightFrom(APP, 'PUT', { 'access-control-request-headers': 'content-type,x-evil' }), 'headers'],
  ['a 200 KB header list', preflightFrom(APP, 'PUT', { 'access-control-request-headers': 'content-type,'.repeat(16_000) }), 'headers'],
  ['private network access not enabled', preflightFrom(APP, 'GET', { 'access-control-request-private-network': 'true' }), 'private_network'],
];

for (const [what, request, reason] of denied) {
  test(`403 with no Access-Control-* header for ${what}`, async () => {
    const { response, next, cors } = await run(base, request);
    expect(response.status).toBe(403);
    expect(next.calls).toBe(0);
    expect(cors).toEqual({});
    expect(await response.json()).toEqual({ error: 'cors_preflight_denied', request_id: 'req-test', reason });
    expect(response.headers.get('vary')).toContain('Origin');
  });
}

test('the six normalised methods are accepted in any case', async () => {
  const { response } = await run(base, preflightFrom(APP, 'put'));
  expect(response.status).toBe(204);
});

test('safelisted methods pass a preflight even when not listed', async () => {
  const { response } = await run({ ...base, allow_methods: ['PUT'] }, preflightFrom(APP, 'GET'));
  expect(response.status).toBe(204);
});

test('only the first Origin is judged', async () => {
  const ok = await run(base, {
    method: 'OPTIONS',
    headers: [['origin', APP], ['origin', 'https://evil.test'], ['access-control-request-method', 'PUT']],
  });
  expect(ok.response.status).toBe(204);
  expect(ok.cors['access-control-allow-origin']).toBe(APP);
  const bad = await run(base, {
    method: 'OPTIONS',
    headers: [['origin', 'https://evil.test'], ['origin', APP], ['access-control-request-method', 'PUT']],
  });
  expect(bad.response.status).toBe(403);
});

test('allow_private_network answers the private-network request', async () => {
  const { response, cors } = await run(
    { ...base, allow_private_network: true },
    preflightFrom(APP, 'GET', { 'access-control-request-private-network': 'true' }),
  );
  expect(response.status).toBe(204);
  expect(cors['access-control-allow-private-network']).toBe('true');
  expect(response.headers.get('vary')).toContain('Access-Control-Request-Private-Network');
  const notAsked = await run({ ...base, allow_private_network: true }, preflightFrom(APP, 'GET'));
  expect(notAsked.cors['access-control-allow-private-network']).toBeUndefined();
});

test('OPTIONS without Access-Control-Request-Method is not a preflight', async () => {
  const { response, next, cors } = await run(base, { method: 'OPTIONS', headers: { origin: APP } });
  expect(next.calls).toBe(1);
  expect(response.status).toBe(200);
  expect(cors['access-control-allow-origin']).toBe(APP);
  expect(response.headers.get('vary')).toBe('Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
});

test('OPTIONS with Access-Control-Request-Method but no Origin is not a preflight', async () => {
  const { next } = await run(base, { method: 'OPTIONS', headers: { 'access-control-request-method': 'PUT' } });
  expect(next.calls).toBe(1);
});

test('respond mode never grants an exemption', async () => {
  const { ctx } = await run(base, preflightFrom(APP));
  expect(ctx.exemption).toBeNull();
});

test('actual responses for an allowed origin get ACAO, ACAC, expose headers and Vary', async () => {
  const { response, next, cors } = await run(
    { ...base, allow_credentials: true, expose_headers: ['X-Request-Id'] },
    { method: 'POST', headers: { origin: APP } },
  );
  expect(next.calls).toBe(1);
  expect(cors).toEqual({
    'access-control-allow-origin': APP,
    'access-control-allow-credentials': 'true',
    'access-control-expose-headers': 'X-Request-Id',
  });
  expect(response.headers.get('vary')).toBe('Origin');
  expect(await response.text()).toBe('upstream');
});

test('actual responses for a refused origin get Vary: Origin and no Access-Control-* header', async () => {
  const upstream = () =>
    new Response('x', { headers: { 'access-control-allow-origin': '*', 'access-control-allow-credentials': 'true', vary: 'Accept-Encoding' } });
  const { response, cors } = await run({ ...base, expose_headers: ['X-A'] }, { headers: { origin: 'https://evil.test' } }, upstream);
  expect(cors).toEqual({});
  expect(response.headers.get('vary')).toBe('Accept-Encoding, Origin');
});

test('requests without Origin still get Vary: Origin when the answer depends on it', async () => {
  const { response, cors } = await run(base, {});
  expect(cors).toEqual({});
  expect(response.headers.get('vary')).toBe('Origin');
});

test('with * every response gets ACAO * (and expose headers), no Vary: Origin', async () => {
  const { response, cors } = await run({ allow_origins: ['*'], expose_headers: ['X-A'] }, {});
  expect(cors).toEqual({ 'access-control-allow-origin': '*', 'access-control-expose-headers': 'X-A' });
  expect(response.headers.get('vary')).toBeNull();
});

test("an upstream's own CORS headers are replaced, not duplicated", async () => {
  const upstream = () => new Response('x', { headers: { 'access-control-allow-origin': 'https://other.test', 'access-control-max-age': '9' } });
  const { cors } = await run(base, { headers: { origin: APP } }, upstream);
  expect(cors).toEqual({ 'access-control-allow-origin': APP });
});

for (const status of [401, 403, 500, 502, 504]) {
  test(`Gatehouse's own ${status} gets CORS headers so the page can read it`, async () => {
    const { response, cors } = await run(
      { ...base, allow_credentials: true },
      { headers: { origin: APP } },
      () => new Response(JSON.stringify({ error: 'x', login_url: 'https://auth.example.test/' }), { status, headers: { vary: 'Cookie' } }),
    );
    expect(response.status).toBe(status);
    expect(cors).toEqual({ 'access-control-allow-origin': APP, 'access-control-allow-credentials': 'true' });
    expect(response.headers.get('vary')).toBe('Cookie, Origin');
  });
}

test('a redirect response (immutable headers in some runtimes) is decorated too', async () => {
  const { response, cors } = await run(base, { headers: { origin: APP } }, () => Response.redirect('https://auth.example.test/', 302));
  expect(response.status).toBe(302);
  expect(cors['access-control-allow-origin']).toBe(APP);
});

test('forward mode: a preflight from an allowed origin is exempted and passed on untouched', async () => {
  const upstream = () => new Response(null, { status: 204, headers: { 'access-control-allow-origin': APP, 'access-control-allow-methods': 'DELETE' } });
  const { response, ctx, next, cors } = await run(
    { mode: 'forward', allow_origins: [APP] },
    preflightFrom(APP, 'DELETE', { 'access-control-request-headers': 'x-anything' }),
    upstream,
  );
  expect(next.calls).toBe(1);
  expect(ctx.exemption).toEqual({ plugin: 'preflight', rule: 'preflight' });
  expect(ctx.request.headers.get('access-control-request-headers')).toBe('x-anything');
  expect(response.status).toBe(204);
  expect(cors).toEqual({ 'access-control-allow-origin': APP, 'access-control-allow-methods': 'DELETE' });
  expect(response.headers.get('vary')).toBeNull();
});

test('forward mode: a preflight from another origin is not exempted', async () => {
  const { ctx, next } = await run({ mode: 'forward', allow_origins: [APP] }, preflightFrom('https://evil.test'));
  expect(next.calls).toBe(1);
  expect(ctx.exemption).toBeNull();
});

test('forward mode: OPTIONS without Access-Control-Request-Method is not exempted', async () => {
  const { ctx } = await run({ mode: 'forward', allow_origins: [APP] }, { method: 'OPTIONS', headers: { origin: APP } });
  expect(ctx.exemption).toBeNull();
});

test('forward mode: non-OPTIONS requests from the allowed origin are not exempted and get no CORS headers', async () => {
  const { ctx, cors, response } = await run({ mode: 'forward', allow_origins: [APP] }, { method: 'GET', headers: { origin: APP, 'access-control-request-method': 'GET' } });
  expect(ctx.exemption).toBeNull();
  expect(cors).toEqual({});
  expect(response.headers.get('vary')).toBeNull();
});

test('forward mode with * exempts every preflight', async () => {
  const { ctx } = await run({ mode: 'forward', allow_origins: ['*'] }, preflightFrom('https://anywhere.test'));
  expect(ctx.exemption).toEqual({ plugin: 'preflight', rule: 'preflight' });
});

test('the plugin declares itself as a non-auth plugin named preflight', () => {
  expect(preflight.name).toBe('preflight');
  expect(preflight.kind).toBe('other');
});

test('forward mode: only OPTIONS with both Origin and Access-Control-Request-Method, no body, no override is exempted', async () => {
  const forward = { mode: 'forward', allow_origins: [APP] };
  const cases: Array<[FakeRequest, boolean]> = [
    [preflightFrom(APP, 'DELETE'), true],
    [{ method: 'OPTIONS', headers: { 'access-control-request-method': 'DELETE' } }, false],
    [{ method: 'OPTIONS', headers: { origin: APP } }, false],
    [{ method: 'OPTIONS', headers: { origin: APP, 'content-type': 'application/json', 'content-length': '2', 'x-http-method-override': 'DELETE' } }, false],
    [preflightFrom(APP, 'DELETE', { 'content-length': '2' }), false],
    [preflightFrom(APP, 'DELETE', { 'x-http-method-override': 'DELETE' }), false],
  ];
  for (const [request, exempted] of cases) {
    const { ctx, next } = await run(forward, request);
    expect(next.calls).toBe(1);
    expect({ request, exemption: ctx.exemption }).toEqual({ request, exemption: exempted ? { plugin: 'preflight', rule: 'preflight' } : null });
  }
});

for (const mode of ['respond', 'forward'] as const) {
  const options = mode === 'respond' ? base : { mode, allow_origins: base.allow_origins };

  test(`${mode} mode: a listed Origin is set as ctx.allowedOrigin before next(), actual requests and preflights`, async () => {
    const seen: Array<string | null> = [];
    const { handle } = await instantiate(preflight, options);
    for (const [origin, request] of [[APP, { method: 'GET', headers: { origin: APP } }], ['https://sub.example.test', { method: 'GET', headers: { origin: 'https://sub.example.test' } }], [APP, preflightFrom(APP)]] as const) {
      const ctx = fakeContext(request);
      await handle(ctx, fakeNext(() => (seen.push(ctx.allowedOrigin), new Response(null))));
      expect(ctx.allowedOrigin).toBe(origin);
    }
    // Respond mode answers preflights itself; forward mode passes them on.
    expect(seen).toEqual(mode === 'respond' ? [APP, 'https://sub.example.test'] : [APP, 'https://sub.example.test', APP]);
  });

  test(`${mode} mode: an unlisted or missing Origin leaves ctx.allowedOrigin null`, async () => {
    for (const request of [{ method: 'GET', headers: { origin: 'https://evil.test' } }, { method: 'GET' }, { method: 'GET', headers: { origin: 'https://example.test' } }]) {
      const { ctx } = await run(options, request);
      expect(ctx.allowedOrigin).toBeNull();
    }
  });

  test(`${mode} mode: allow_origins [*] never sets ctx.allowedOrigin (WebSockets carry cookies from any site)`, async () => {
    const { ctx } = await run({ ...(mode === 'forward' ? { mode } : {}), allow_origins: ['*'] }, { method: 'GET', headers: { origin: 'https://anywhere.test' } });
    expect(ctx.allowedOrigin).toBeNull();
  });
}

test('an allowedOrigin set by an earlier plugin is kept', async () => {
  const { handle } = await instantiate(preflight, base);
  const ctx = fakeContext({ method: 'GET', headers: { origin: APP } });
  ctx.allowedOrigin = 'https://other.example.test';
  await handle(ctx, fakeNext());
  expect(ctx.allowedOrigin).toBe('https://other.example.test');
});
