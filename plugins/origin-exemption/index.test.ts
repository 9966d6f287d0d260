import { describe, expect, test } from 'bun:test';
import originExemption from './index.ts';
import { fakeContext, fakeNext, fakeServices, instantiate, type FakeRequest } from '../../src/testing/plugin-fakes.ts';

const APP = 'https://domain-a.foo.example.test';

// Banyan scenario 2: preflights from the app, plus API calls carrying X-Secret-Auth.
const banyan = {
  rules: [
    { name: 'preflight', origins: [APP], methods: ['OPTIONS'] },
    { name: 'api', origins: [APP], methods: ['GET', 'POST'], paths: ['/api/v1/**'], require_headers: ['X-Secret-Auth'] },
  ],
};

async function run(options: Record<string, unknown>, request: FakeRequest) {
  const { handle, services } = await instantiate(originExemption, options);
  const ctx = fakeContext(request);
  const next = fakeNext();
  const response = await handle(ctx, next);
  return { ctx, next, response, services };
}

function req(method: string, path: string, headers: Record<string, string> = {}, clientIp?: string): FakeRequest {
  return { method, url: `https://domain-b.foo.example.test${path}`, headers: { origin: APP, ...headers }, clientIp };
}

const cases: Array<[string, FakeRequest, string | null]> = [
  ['a preflight from the app', req('OPTIONS', '/anything', { 'access-control-request-method': 'POST' }), 'preflight'],
  ['an API GET with the header', req('GET', '/api/v1/items', { 'x-secret-auth': 't' }), 'api'],
  ['an API POST deep below the prefix', req('POST', '/api/v1/a/b/c', { 'x-secret-auth': 't' }), 'api'],
  ['the API prefix itself', req('GET', '/api/v1', { 'x-secret-auth': 't' }), 'api'],
  ['an API GET without the header', req('GET', '/api/v1/items'), null],
  ['an API GET with an empty header', req('GET', '/api/v1/items', { 'x-secret-auth': '' }), null],
  ['a PUT (method not in the rule)', req('PUT', '/api/v1/items', { 'x-secret-auth': 't' }), null],
  ['a path outside the API', req('GET', '/admin', { 'x-secret-auth': 't' }), null],
  ['a look-alike path', req('GET', '/api/v1x/items', { 'x-secret-auth': 't' }), null],
  ['an encoded-slash escape', req('GET', '/api/v1/..%2fadmin', { 'x-secret-auth': 't' }), null],
  ['another origin', { method: 'OPTIONS', url: 'https://domain-b.foo.example.test/', headers: { origin: 'https://evil.test' } }, null],
  ['no Origin', { method: 'OPTIONS', url: 'https://domain-b.foo.example.test/' }, null],
  ['a second Origin that would match', { method: 'OPTIONS', headers: [['origin', 'https://evil.test'], ['origin', APP]] }, null],
];

for (const [what, request, rule] of cases) {
  test(`${what}: ${rule ? `exempted by "${rule}"` : 'not exempted'}`, async () => {
    const { ctx, next } = await run(banyan, request);
    expect(next.calls).toBe(1);
    expect(ctx.exemption).toEqual(rule ? { plugin: 'origin-exemption', rule } : null);
  });
}

test('the first matching rule wins', async () => {
  const { ctx } = await run(
    { rules: [{ name: 'first', origins: [APP], methods: ['OPTIONS'] }, { name: 'second', origins: [APP], methods: ['OPTIONS'] }] },
    req('OPTIONS', '/', { 'access-control-request-method': 'GET' }),
  );
  expect(ctx.exemption?.rule).toBe('first');
});

test('an exemption granted earlier is kept', async () => {
  const { handle } = await instantiate(originExemption, banyan);
  const ctx = fakeContext(req('OPTIONS', '/'));
  ctx.exemption = { plugin: 'preflight', rule: 'preflight' };
  await handle(ctx, fakeNext());
  expect(ctx.exemption).toEqual({ plugin: 'preflight', rule: 'preflight' });
});

test('secret header values are compared with services.timingSafeEqual', async () => {
  const services = fakeServices();
  const calls: string[] = [];
  services.timingSafeEqual = (a, b) => {
    calls.push(`${a}|${b}`);
    return a === b;
  };
  const options = { rules: [{ name: 'key', origins: [APP], require_headers: [{ name: 'X-Api-Key', value: 'k1' }] }] };
  const { handle } = await instantiate(originExemption, options, services);
  const good = fakeContext(req('GET', '/', { 'x-api-key': 'k1' }));
  await handle(good, fakeNext());
  expect(good.exemption?.rule).toBe('key');
  const bad = fakeContext(req('GET', '/', { 'x-api-key': 'k2' }));
  await handle(bad, fakeNext());
  expect(bad.exemption).toBeNull();
  expect(calls).toEqual(['k1|k1', 'k2|k1']);
});

test('source_cidrs check the client address, IPv4 and IPv6', async () => {
  const options = { rules: [{ name: 'office', origins: [APP], source_cidrs: ['10.0.0.0/8', '2001:db8::/32'] }] };
  for (const [ip, ok] of [['10.2.3.4', true], ['::ffff:10.2.3.4', true], ['2001:db8::7', true], ['11.0.0.1', false], ['2001:db9::1', false], ['garbage', false]] as const) {
    const { ctx } = await run(options, req('GET', '/', {}, ip));
    expect(ctx.exemption?.rule ?? null).toBe(ok ? 'office' : null);
  }
});

test('origin patterns are shared with preflight: *. never matches the bare domain', async () => {
  const options = { rules: [{ name: 'subs', origins: ['https://*.foo.example.test'], methods: ['OPTIONS'] }] };
  expect((await run(options, req('OPTIONS', '/', { 'access-control-request-method': 'GET' }))).ctx.exemption?.rule).toBe('subs');
  const bare = await run(options, { method: 'OPTIONS', headers: { origin: 'https://foo.example.test', 'access-control-request-method': 'GET' } });
  expect(bare.ctx.exemption).toBeNull();
});

test('methods follow Fetch normalisation', async () => {
  const options = { rules: [{ name: 'r', origins: [APP], methods: ['PATCH', 'delete'], source_cidrs: ['127.0.0.1'] }] };
  expect((await run(options, req('DELETE', '/'))).ctx.exemption?.rule).toBe('r');
  expect((await run(options, req('PATCH', '/'))).ctx.exemption?.rule).toBe('r');
  // Bun's Request uppercases every method, so give the context a raw lowercase one.
  const { handle } = await instantiate(originExemption, options);
  const ctx = fakeContext(req('PATCH', '/'));
  Object.defineProperty(ctx.request, 'method', { value: 'patch' });
  await handle(ctx, fakeNext());
  expect(ctx.exemption).toBeNull();
});

test('the response is whatever next() returned, untouched', async () => {
  const { response } = await run(banyan, req('OPTIONS', '/'));
  expect(response.status).toBe(200);
  expect(await response.text()).toBe('upstream');
});

test('load-time warning for a rule any client could satisfy', async () => {
  const { services } = await instantiate(originExemption, { rules: [{ name: 'open', origins: [APP], methods: ['GET'] }] });
  expect(services.warnings).toHaveLength(1);
  expect(services.warnings[0]).toContain('rule "open"');
  const quiet = await instantiate(originExemption, { rules: [banyan.rules[0], { ...banyan.rules[1], require_headers: [{ name: 'X-Secret-Auth', value: 's' }] }] });
  expect(quiet.services.warnings).toEqual([]);
});

test('create throws on a bad rule, naming the value', async () => {
  await expect(instantiate(originExemption, { rules: [{ name: 'r', origins: ['https://a.test:443'] }] })).rejects.toThrow('"https://a.test:443"');
});

test('the plugin declares itself as a non-auth plugin named origin-exemption', () => {
  expect(originExemption.name).toBe('origin-exemption');
  expect(originExemption.kind).toBe('other');
});

describe('[OPTIONS] means real preflights only', () => {
  const preflights = { rules: [{ name: 'preflight', origins: [APP], methods: ['OPTIONS'] }] };
  const acrm = { 'access-control-request-method': 'DELETE' };
  const cases: Array<[string, Record<string, string>, boolean]> = [
    ['a real preflight', acrm, true],
    ['a real preflight with Content-Length: 0', { ...acrm, 'content-length': '0' }, true],
    ['no Access-Control-Request-Method, a JSON body and X-HTTP-Method-Override: DELETE', { 'content-type': 'application/json', 'content-length': '2', 'x-http-method-override': 'DELETE' }, false],
    ['no Access-Control-Request-Method', {}, false],
    ['an empty Access-Control-Request-Method', { 'access-control-request-method': '' }, false],
    ['Access-Control-Request-Method with a body', { ...acrm, 'content-length': '17' }, false],
    ['Access-Control-Request-Method with a chunked body', { ...acrm, 'transfer-encoding': 'chunked' }, false],
    ['Access-Control-Request-Method with X-HTTP-Method-Override', { ...acrm, 'x-http-method-override': 'DELETE' }, false],
    ['Access-Control-Request-Method with X-HTTP-Method', { ...acrm, 'x-http-method': 'DELETE' }, false],
    ['Access-Control-Request-Method with X-Method-Override', { ...acrm, 'x-method-override': 'DELETE' }, false],
  ];
  for (const [what, headers, exempted] of cases) {
    test(`${what}: ${exempted ? 'exempted' : 'not exempted'}`, async () => {
      const { ctx, next } = await run(preflights, req('OPTIONS', '/api/items', headers));
      expect(next.calls).toBe(1);
      expect(ctx.exemption).toEqual(exempted ? { plugin: 'origin-exemption', rule: 'preflight' } : null);
    });
  }

  test('a rule for every method does not exempt a fake preflight either', async () => {
    const every = { rules: [{ name: 'office', origins: [APP], source_cidrs: ['127.0.0.1'] }] };
    expect((await run(every, req('OPTIONS', '/', { 'x-http-method-override': 'DELETE' }))).ctx.exemption).toBeNull();
    expect((await run(every, req('OPTIONS', '/', acrm))).ctx.exemption?.rule).toBe('office');
    expect((await run(every, req('DELETE', '/'))).ctx.exemption?.rule).toBe('office');
  });
});

test('secret-valued required headers are stripped from upstream requests, presence-only ones are not', async () => {
  const services = fakeServices();
  await instantiate(
    originExemption,
    { rules: [{ name: 'key', origins: [APP], require_headers: ['X-Requested-With', { name: 'X-Api-Key', value: 'k1' }] }, banyan.rules[0]!] },
    services,
  );
  expect(services.stripped).toEqual({ cookies: [], headers: ['x-api-key'] });
  const none = fakeServices();
  await instantiate(originExemption, banyan, none);
  expect(none.stripped.headers).toEqual([]);
});

test('paths that a lenient upstream reads as another path are never exempted', async () => {
  const options = { rules: [{ name: 'public', origins: [APP], paths: ['/public/**'], source_cidrs: ['127.0.0.1'] }] };
  expect((await run(options, req('GET', '/public/page'))).ctx.exemption?.rule).toBe('public');
  for (const path of ['/public/..;/admin/secret', '/public/%2e%2e/admin', '/public/%252e%252e/admin', '/public/..%3b/admin', '/PUBLIC/page']) {
    const ctx = fakeContext(req('GET', '/'));
    Object.defineProperty(ctx, 'url', { value: { ...ctx.url, pathname: path } });
    const { handle } = await instantiate(originExemption, options);
    await handle(ctx, fakeNext());
    expect({ path, exemption: ctx.exemption }).toEqual({ path, exemption: null });
  }
});
