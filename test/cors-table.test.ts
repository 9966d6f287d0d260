/**
 * The CORS plugins over real HTTP: each case names a gateway (its config is below), sends one
 * request, and states the exact status, every Access-Control-* header, Vary, and whether the
 * upstream was reached. Load-time refusals and warnings are in cors-load.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { resolve } from 'node:path';
import { builtinPlugins } from '../src/plugin-loader/builtins.ts';
import { startGateway, startUpstream, type TestGateway, type TestUpstream } from './support/gateway.ts';
import { rawRequest } from './support/raw-http.ts';

// Built-ins by name once registered; until then the same modules by path.
const use = (name: string) => (builtinPlugins.has(name) ? name : resolve(import.meta.dir, `../plugins/${name}/index.ts`));
const PREFLIGHT = use('preflight');
const EXEMPTION = use('origin-exemption');

const APP = 'https://app.example.test';
const EVIL = 'https://evil.test';
const SECRET = 'correct horse battery staple';

// An auth plugin for tests: `X-Test-User` sets an identity; the route's policy then refuses it
// (403), and no header leaves the request unauthenticated (401), both from Gatehouse itself.
const TEST_AUTH_FILE = `export default {
  name: 'test-auth',
  kind: 'auth',
  create: () => (ctx, next) => {
    const user = ctx.request.headers.get('x-test-user');
    if (user) ctx.identity = { subject: user, kind: 'user', email: user, groups: [], claims: {}, via: 'test-auth' };
    return next();
  },
};`;
const BOOM_FILE = `export default { name: 'boom', create: () => () => { throw new Error('boom'); } };`;
const files = { 'test-auth.ts': TEST_AUTH_FILE, 'boom.ts': BOOM_FILE };
const testAuth = { use: './test-auth.ts' };

const strict = {
  use: PREFLIGHT,
  allow_origins: [APP, 'https://*.example.test', 'http://localhost:*'],
  allow_methods: ['GET', 'POST', 'PUT', 'PATCH'],
  allow_headers: ['Content-Type', 'X-Gatehouse-Authorization'],
  expose_headers: ['X-Request-Id'],
  allow_credentials: true,
  max_age: 600,
};
const banyanRules = {
  use: EXEMPTION,
  rules: [
    { name: 'preflight', origins: [APP], methods: ['OPTIONS'] },
    { name: 'api', origins: [APP], methods: ['GET', 'POST'], paths: ['/api/v1/**'], require_headers: ['X-Secret-Auth'] },
  ],
};
const closed = { allow: { emails: ['nobody@example.test'] } };

let upstream: TestUpstream;

function route(host: string, plugins: object[], extra: Record<string, unknown> = {}) {
  return { from: `http://${host}`, to: upstream.url, policy: closed, plugins, ...extra };
}

// JSON is YAML; every gateway gets the test plugin files.
const gatewayConfigs: Record<string, () => object[]> = {
  strict: () => [
    route('api.example.test', [strict, testAuth]),
    route('public.example.test', [strict], { policy: { public: true } }),
    route('down.example.test', [strict], { policy: { public: true }, to: 'http://127.0.0.1:1' }),
    route('slow.example.test', [strict], { policy: { public: true }, timeout: '300ms' }),
    route('boom.example.test', [strict, { use: './boom.ts' }], { policy: { public: true } }),
  ],
  open: () => [
    route('open.example.test', [{ use: PREFLIGHT, allow_origins: ['*'], allow_headers: ['*'], expose_headers: ['*'] }], { policy: { public: true } }),
    route('auth.open.example.test', [{ use: PREFLIGHT, allow_origins: ['*'], allow_headers: ['*', 'Authorization'] }], { policy: { public: true } }),
  ],
  wild: () => [
    route('wild.example.test', [{ use: PREFLIGHT, allow_origins: [APP], allow_methods: ['*'], allow_headers: ['*'], allow_credentials: true }], { policy: { public: true } }),
    route('wild-auth.example.test', [{ use: PREFLIGHT, allow_origins: [APP], allow_methods: ['*'], allow_headers: ['*', 'Authorization'], allow_credentials: true }], { policy: { public: true } }),
    route('wild.open.example.test', [{ use: PREFLIGHT, allow_origins: ['*'], allow_methods: ['*'], allow_headers: ['*'] }], { policy: { public: true } }),
  ],
  pna: () => [
    route('pna.example.test', [{ use: PREFLIGHT, allow_origins: [APP], allow_private_network: true }], { policy: { public: true } }),
  ],
  forward: () => [route('fwd.example.test', [{ use: PREFLIGHT, mode: 'forward', allow_origins: [APP] }, testAuth])],
  exempt: () => [
    route('banyan.example.test', [banyanRules, testAuth]),
    route('secret.example.test', [{ use: EXEMPTION, rules: [{ name: 'key', origins: [APP], require_headers: [{ name: 'X-Api-Key', value: '${CORS_TEST_SECRET}' }] }] }, testAuth]),
    route('cidr-in.example.test', [{ use: EXEMPTION, rules: [{ name: 'loopback', origins: [APP], source_cidrs: ['127.0.0.0/8', '::1/128'] }] }, testAuth]),
    route('cidr-out.example.test', [{ use: EXEMPTION, rules: [{ name: 'office', origins: [APP], source_cidrs: ['10.0.0.0/8'] }] }, testAuth]),
  ],
  combined: () => [route('both.example.test', [{ ...strict, allow_headers: ['X-Secret-Auth'] }, banyanRules, testAuth])],
};

const gateways = new Map<string, TestGateway>();

beforeAll(async () => {
  upstream = startUpstream(async (request) => {
    const url = new URL(request.url);
    if (url.pathname === '/slow') await Bun.sleep(2000);
    if (url.pathname === '/upstream-cors') {
      return new Response('cors from upstream', {
        headers: { 'access-control-allow-origin': '*', 'access-control-allow-credentials': 'true', vary: 'Accept-Encoding' },
      });
    }
    if (url.pathname === '/vary') return new Response('varies', { headers: { vary: 'Accept-Encoding' } });
    return Response.json({ method: request.method, path: url.pathname, headers: Object.fromEntries(request.headers) });
  });
  for (const [name, routes] of Object.entries(gatewayConfigs)) {
    gateways.set(name, await startGateway(`routes: ${JSON.stringify(routes())}\n`, { files, env: { CORS_TEST_SECRET: SECRET } }));
  }
});

afterAll(async () => {
  for (const gateway of gateways.values()) await gateway.stop();
  await upstream.stop();
});

interface Case {
  name: string;
  gateway: string;
  host: string;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  /** Sent as is over TCP instead of with fetch (repeated headers). */
  raw?: string;
  status: number;
  /** Every Access-Control-* header of the response, exactly. */
  cors: Record<string, string>;
  vary: string | null;
  /** Whether the request reached the upstream. */
  reached: boolean;
  /** `plugin:rule` in the access log, when an exemption is expected. */
  exemption?: string;
}

const preflight = (origin: string, method = 'PUT', headers: Record<string, string> = {}) => ({
  method: 'OPTIONS',
  headers: { origin, 'access-control-request-method': method, ...headers },
});

const STRICT_OK = {
  'access-control-allow-origin': APP,
  'access-control-allow-credentials': 'true',
  'access-control-allow-methods': 'GET, POST, PUT, PATCH',
  'access-control-max-age': '600',
};
const STRICT_ACTUAL = {
  'access-control-allow-origin': APP,
  'access-control-allow-credentials': 'true',
  'access-control-expose-headers': 'X-Request-Id',
};
const PREFLIGHT_VARY = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';
const ANY_PREFLIGHT_VARY = 'Access-Control-Request-Method, Access-Control-Request-Headers';
const API = 'api.example.test';
const PUBLIC = 'public.example.test';
const denied = (name: string, origin: string, method = 'PUT', headers: Record<string, string> = {}): Case => ({
  name, gateway: 'strict', host: API, ...preflight(origin, method, headers), status: 403, cors: {}, vary: PREFLIGHT_VARY, reached: false,
});
const allowed = (name: string, origin: string, method = 'PUT', extra: Record<string, string> = {}): Case => ({
  name, gateway: 'strict', host: API, ...preflight(origin, method), status: 204,
  cors: { ...STRICT_OK, 'access-control-allow-origin': origin, ...extra }, vary: PREFLIGHT_VARY, reached: false,
});

const cases: Case[] = [
  // respond mode: preflights
  { name: 'allowed preflight with headers', gateway: 'strict', host: API, ...preflight(APP, 'PUT', { 'access-control-request-headers': 'content-type,x-gatehouse-authorization' }),
    status: 204, cors: { ...STRICT_OK, 'access-control-allow-headers': 'Content-Type, X-Gatehouse-Authorization' }, vary: PREFLIGHT_VARY, reached: false },
  allowed('allowed preflight without requested headers', APP),
  allowed('subdomain pattern, one label', 'https://b.example.test'),
  allowed('subdomain pattern, several labels', 'https://a.b.example.test'),
  allowed('any port pattern, explicit port', 'http://localhost:5173'),
  allowed('any port pattern, no port', 'http://localhost'),
  allowed('safelisted method not listed explicitly is fine (HEAD)', APP, 'HEAD'),
  allowed('the six methods are normalised (put)', APP, 'put'),
  { name: 'ACRH with spaces, empty items and uppercase', gateway: 'strict', host: API,
    ...preflight(APP, 'POST', { 'access-control-request-headers': ' CONTENT-TYPE , ,\tx-gatehouse-authorization,' }),
    status: 204, cors: { ...STRICT_OK, 'access-control-allow-headers': 'Content-Type, X-Gatehouse-Authorization' }, vary: PREFLIGHT_VARY, reached: false },
  denied('bare domain never matches *.example.test', 'https://example.test'),
  denied('look-alike domain', 'https://evil-example.test'),
  denied('suffix attack', 'https://example.test.evil.test'),
  denied('unknown origin', EVIL),
  denied('scheme mismatch', 'http://app.example.test'),
  denied('port mismatch', 'https://app.example.test:8443'),
  denied('explicit default port is not the same bytes', 'https://app.example.test:443'),
  denied('null origin', 'null'),
  denied('uppercase origin is not byte-for-byte', 'https://APP.example.test'),
  denied('origin with a trailing slash', 'https://app.example.test/'),
  denied('method not allowed', APP, 'DELETE'),
  denied('non-normalised method is case-sensitive (patch)', APP, 'patch'),
  denied('one header not allowed', APP, 'PUT', { 'access-control-request-headers': 'content-type,x-evil' }),
  denied('12 KB header list', APP, 'PUT', { 'access-control-request-headers': 'content-type,'.repeat(1000) }),
  denied('private network access not enabled', APP, 'GET', { 'access-control-request-private-network': 'true' }),
  { name: 'only the first of two Origin lines is judged (allowed first)', gateway: 'strict', host: API,
    raw: `OPTIONS /x HTTP/1.1\r\nHost: ${API}\r\nOrigin: ${APP}\r\nOrigin: ${EVIL}\r\nAccess-Control-Request-Method: PUT\r\nConnection: close\r\n\r\n`,
    status: 204, cors: STRICT_OK, vary: PREFLIGHT_VARY, reached: false },
  { name: 'only the first of two Origin lines is judged (refused first)', gateway: 'strict', host: API,
    raw: `OPTIONS /x HTTP/1.1\r\nHost: ${API}\r\nOrigin: ${EVIL}\r\nOrigin: ${APP}\r\nAccess-Control-Request-Method: PUT\r\nConnection: close\r\n\r\n`,
    status: 403, cors: {}, vary: PREFLIGHT_VARY, reached: false },
  { name: 'OPTIONS without ACRM is not a preflight: authenticated, with CORS on the 401', gateway: 'strict', host: API,
    method: 'OPTIONS', headers: { origin: APP }, status: 401, cors: STRICT_ACTUAL, vary: PREFLIGHT_VARY, reached: false },
  { name: 'OPTIONS with ACRM but no Origin is not a preflight', gateway: 'strict', host: API,
    method: 'OPTIONS', headers: { 'access-control-request-method': 'PUT' }, status: 401, cors: {}, vary: PREFLIGHT_VARY, reached: false },
  { name: 'non-preflight OPTIONS on a public route reaches the upstream', gateway: 'strict', host: PUBLIC,
    method: 'OPTIONS', headers: { origin: APP }, status: 200, cors: STRICT_ACTUAL, vary: PREFLIGHT_VARY, reached: true },

  // respond mode: actual responses
  { name: 'actual GET from an allowed origin', gateway: 'strict', host: PUBLIC, headers: { origin: APP }, status: 200, cors: STRICT_ACTUAL, vary: 'Origin', reached: true },
  { name: 'actual POST from a subdomain', gateway: 'strict', host: PUBLIC, method: 'POST', headers: { origin: 'https://x.example.test' },
    status: 200, cors: { ...STRICT_ACTUAL, 'access-control-allow-origin': 'https://x.example.test' }, vary: 'Origin', reached: true },
  { name: 'actual GET from a refused origin', gateway: 'strict', host: PUBLIC, headers: { origin: EVIL }, status: 200, cors: {}, vary: 'Origin', reached: true },
  { name: 'actual GET without Origin still varies on Origin', gateway: 'strict', host: PUBLIC, status: 200, cors: {}, vary: 'Origin', reached: true },
  { name: "upstream's own CORS headers are dropped for a refused origin", gateway: 'strict', host: PUBLIC, path: '/upstream-cors',
    headers: { origin: EVIL }, status: 200, cors: {}, vary: 'Accept-Encoding, Origin', reached: true },
  { name: "upstream's own CORS headers are replaced for an allowed origin", gateway: 'strict', host: PUBLIC, path: '/upstream-cors',
    headers: { origin: APP }, status: 200, cors: STRICT_ACTUAL, vary: 'Accept-Encoding, Origin', reached: true },
  { name: "upstream's Vary is kept and Origin appended", gateway: 'strict', host: PUBLIC, path: '/vary', headers: { origin: APP },
    status: 200, cors: STRICT_ACTUAL, vary: 'Accept-Encoding, Origin', reached: true },
  { name: "Gatehouse's 401 is readable by the allowed origin", gateway: 'strict', host: API, headers: { origin: APP }, status: 401, cors: STRICT_ACTUAL, vary: 'Origin', reached: false },
  { name: "Gatehouse's 401 carries nothing for a refused origin", gateway: 'strict', host: API, headers: { origin: EVIL }, status: 401, cors: {}, vary: 'Origin', reached: false },
  { name: "Gatehouse's 403 is readable by the allowed origin", gateway: 'strict', host: API, headers: { origin: APP, 'x-test-user': 'someone@example.test' },
    status: 403, cors: STRICT_ACTUAL, vary: 'Origin', reached: false },
  { name: "Gatehouse's 500 (a failing plugin) is readable", gateway: 'strict', host: 'boom.example.test', headers: { origin: APP }, status: 500, cors: STRICT_ACTUAL, vary: 'Origin', reached: false },
  { name: "Gatehouse's 502 is readable", gateway: 'strict', host: 'down.example.test', headers: { origin: APP }, status: 502, cors: STRICT_ACTUAL, vary: 'Origin', reached: false },
  { name: "Gatehouse's 504 is readable", gateway: 'strict', host: 'slow.example.test', path: '/slow', headers: { origin: APP }, status: 504, cors: STRICT_ACTUAL, vary: 'Origin', reached: true },

  // any origin, no credentials
  { name: '* answers * to a preflight, any header allowed', gateway: 'open', host: 'open.example.test', ...preflight('https://anywhere.test', 'POST', { 'access-control-request-headers': 'x-anything,content-type' }),
    status: 204, cors: { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, HEAD, POST', 'access-control-allow-headers': '*' }, vary: ANY_PREFLIGHT_VARY, reached: false },
  { name: '* does not cover Authorization', gateway: 'open', host: 'open.example.test', ...preflight('https://anywhere.test', 'GET', { 'access-control-request-headers': 'authorization' }),
    status: 403, cors: {}, vary: ANY_PREFLIGHT_VARY, reached: false },
  { name: '* plus Authorization allows it and names it', gateway: 'open', host: 'auth.open.example.test', ...preflight('https://anywhere.test', 'GET', { 'access-control-request-headers': 'authorization' }),
    status: 204, cors: { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, HEAD, POST', 'access-control-allow-headers': '*, Authorization' }, vary: ANY_PREFLIGHT_VARY, reached: false },
  { name: 'default methods refuse PUT', gateway: 'open', host: 'open.example.test', ...preflight('https://anywhere.test', 'PUT'), status: 403, cors: {}, vary: ANY_PREFLIGHT_VARY, reached: false },
  { name: '* on an actual response, no Vary: Origin', gateway: 'open', host: 'open.example.test', headers: { origin: 'https://anywhere.test' },
    status: 200, cors: { 'access-control-allow-origin': '*', 'access-control-expose-headers': '*' }, vary: null, reached: true },
  { name: '* even without Origin, so cached copies work cross-origin', gateway: 'open', host: 'open.example.test',
    status: 200, cors: { 'access-control-allow-origin': '*', 'access-control-expose-headers': '*' }, vary: null, reached: true },

  // allow_methods / allow_headers "*": the literal without credentials, the request named back with them
  { name: 'methods and headers * without credentials answer the literal *', gateway: 'wild', host: 'wild.open.example.test',
    ...preflight('https://anywhere.test', 'PURGE', { 'access-control-request-headers': 'x-custom' }),
    status: 204, cors: { 'access-control-allow-origin': '*', 'access-control-allow-methods': '*', 'access-control-allow-headers': '*' }, vary: ANY_PREFLIGHT_VARY, reached: false },
  { name: 'methods * with credentials names the requested method back', gateway: 'wild', host: 'wild.example.test', ...preflight(APP, 'DELETE'),
    status: 204, cors: { 'access-control-allow-origin': APP, 'access-control-allow-credentials': 'true', 'access-control-allow-methods': 'DELETE' }, vary: PREFLIGHT_VARY, reached: false },
  { name: 'headers * with credentials names the requested headers back', gateway: 'wild', host: 'wild.example.test',
    ...preflight(APP, 'PUT', { 'access-control-request-headers': 'content-type,x-custom' }),
    status: 204, cors: { 'access-control-allow-origin': APP, 'access-control-allow-credentials': 'true', 'access-control-allow-methods': 'PUT', 'access-control-allow-headers': 'content-type,x-custom' },
    vary: PREFLIGHT_VARY, reached: false },
  { name: 'headers * with credentials still does not cover Authorization', gateway: 'wild', host: 'wild.example.test',
    ...preflight(APP, 'PUT', { 'access-control-request-headers': 'authorization,x-custom' }), status: 403, cors: {}, vary: PREFLIGHT_VARY, reached: false },
  { name: 'headers * plus Authorization with credentials allows it', gateway: 'wild', host: 'wild-auth.example.test',
    ...preflight(APP, 'PATCH', { 'access-control-request-headers': 'authorization,x-custom' }),
    status: 204, cors: { 'access-control-allow-origin': APP, 'access-control-allow-credentials': 'true', 'access-control-allow-methods': 'PATCH', 'access-control-allow-headers': 'authorization,x-custom' },
    vary: PREFLIGHT_VARY, reached: false },
  { name: 'methods * still refuses a refused origin', gateway: 'wild', host: 'wild.example.test', ...preflight(EVIL, 'DELETE'), status: 403, cors: {}, vary: PREFLIGHT_VARY, reached: false },
  { name: 'methods * with credentials on an actual PUT: origin and credentials, no methods', gateway: 'wild', host: 'wild.example.test', method: 'PUT', headers: { origin: APP, 'x-custom': '1' },
    status: 200, cors: { 'access-control-allow-origin': APP, 'access-control-allow-credentials': 'true' }, vary: 'Origin', reached: true },

  // private network, and no credentials / max age when not configured
  { name: 'allow_private_network answers ACRPN', gateway: 'pna', host: 'pna.example.test', ...preflight(APP, 'GET', { 'access-control-request-private-network': 'true' }),
    status: 204, cors: { 'access-control-allow-origin': APP, 'access-control-allow-methods': 'GET, HEAD, POST', 'access-control-allow-private-network': 'true' },
    vary: `${PREFLIGHT_VARY}, Access-Control-Request-Private-Network`, reached: false },
  { name: 'no ACRPN, no ACAPN; no credentials or max age unless configured', gateway: 'pna', host: 'pna.example.test', ...preflight(APP, 'POST'),
    status: 204, cors: { 'access-control-allow-origin': APP, 'access-control-allow-methods': 'GET, HEAD, POST' },
    vary: `${PREFLIGHT_VARY}, Access-Control-Request-Private-Network`, reached: false },

  // forward mode
  { name: 'forward: allowed preflight skips auth and reaches the upstream', gateway: 'forward', host: 'fwd.example.test',
    ...preflight(APP, 'DELETE', { 'access-control-request-headers': 'x-anything' }), status: 200, cors: {}, vary: null, reached: true, exemption: 'preflight:preflight' },
  { name: 'forward: preflight from another origin is authenticated', gateway: 'forward', host: 'fwd.example.test', ...preflight(EVIL), status: 401, cors: {}, vary: null, reached: false },
  { name: 'forward: OPTIONS without ACRM is authenticated', gateway: 'forward', host: 'fwd.example.test', method: 'OPTIONS', headers: { origin: APP }, status: 401, cors: {}, vary: null, reached: false },
  { name: 'forward: actual requests are authenticated and get no CORS headers from Gatehouse', gateway: 'forward', host: 'fwd.example.test', headers: { origin: APP }, status: 401, cors: {}, vary: null, reached: false },

  // origin-exemption (Banyan scenario 2)
  { name: 'exemption: preflight from the app', gateway: 'exempt', host: 'banyan.example.test', ...preflight(APP, 'POST'), status: 200, cors: {}, vary: null, reached: true, exemption: 'origin-exemption:preflight' },
  { name: 'exemption: API call with the mandatory header', gateway: 'exempt', host: 'banyan.example.test', path: '/api/v1/items', headers: { origin: APP, 'x-secret-auth': 'token' },
    status: 200, cors: {}, vary: null, reached: true, exemption: 'origin-exemption:api' },
  { name: 'exemption: API prefix itself', gateway: 'exempt', host: 'banyan.example.test', method: 'POST', path: '/api/v1', headers: { origin: APP, 'x-secret-auth': 'token' },
    status: 200, cors: {}, vary: null, reached: true, exemption: 'origin-exemption:api' },
  { name: 'exemption: API call without the header', gateway: 'exempt', host: 'banyan.example.test', path: '/api/v1/items', headers: { origin: APP }, status: 401, cors: {}, vary: null, reached: false },
  { name: 'exemption: API call with an empty header', gateway: 'exempt', host: 'banyan.example.test', path: '/api/v1/items', headers: { origin: APP, 'x-secret-auth': '' }, status: 401, cors: {}, vary: null, reached: false },
  { name: 'exemption: method outside the rule', gateway: 'exempt', host: 'banyan.example.test', method: 'PUT', path: '/api/v1/items', headers: { origin: APP, 'x-secret-auth': 'token' }, status: 401, cors: {}, vary: null, reached: false },
  { name: 'exemption: /api/v1x is not under /api/v1', gateway: 'exempt', host: 'banyan.example.test', path: '/api/v1x', headers: { origin: APP, 'x-secret-auth': 'token' }, status: 401, cors: {}, vary: null, reached: false },
  { name: 'exemption: encoded slash escape', gateway: 'exempt', host: 'banyan.example.test', path: '/api/v1/..%2fadmin', headers: { origin: APP, 'x-secret-auth': 'token' }, status: 400, cors: {}, vary: null, reached: false },
  { name: 'exemption: another origin', gateway: 'exempt', host: 'banyan.example.test', ...preflight(EVIL, 'POST'), status: 401, cors: {}, vary: null, reached: false },
  { name: 'exemption: no Origin at all', gateway: 'exempt', host: 'banyan.example.test', path: '/api/v1/items', headers: { 'x-secret-auth': 'token' }, status: 401, cors: {}, vary: null, reached: false },
  { name: 'exemption: secret header with the right value', gateway: 'exempt', host: 'secret.example.test', headers: { origin: APP, 'x-api-key': SECRET }, status: 200, cors: {}, vary: null, reached: true, exemption: 'origin-exemption:key' },
  { name: 'exemption: secret header with a wrong value', gateway: 'exempt', host: 'secret.example.test', headers: { origin: APP, 'x-api-key': 'guess' }, status: 401, cors: {}, vary: null, reached: false },
  { name: 'exemption: client inside source_cidrs', gateway: 'exempt', host: 'cidr-in.example.test', headers: { origin: APP }, status: 200, cors: {}, vary: null, reached: true, exemption: 'origin-exemption:loopback' },
  { name: 'exemption: client outside source_cidrs', gateway: 'exempt', host: 'cidr-out.example.test', headers: { origin: APP }, status: 401, cors: {}, vary: null, reached: false },

  // preflight (respond) in front of origin-exemption: Gatehouse answers preflights, the API call is exempted and readable
  { name: 'combined: preflight answered by Gatehouse', gateway: 'combined', host: 'both.example.test', ...preflight(APP, 'POST', { 'access-control-request-headers': 'x-secret-auth' }),
    status: 204, cors: { ...STRICT_OK, 'access-control-allow-headers': 'X-Secret-Auth' }, vary: PREFLIGHT_VARY, reached: false },
  { name: 'combined: exempted API call gets CORS headers', gateway: 'combined', host: 'both.example.test', path: '/api/v1/items', headers: { origin: APP, 'x-secret-auth': 't' },
    status: 200, cors: STRICT_ACTUAL, vary: 'Origin', reached: true, exemption: 'origin-exemption:api' },
  { name: 'combined: unexempted call gets a readable 401', gateway: 'combined', host: 'both.example.test', path: '/api/v1/items', headers: { origin: APP },
    status: 401, cors: STRICT_ACTUAL, vary: 'Origin', reached: false },
];

function corsOf(headers: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of headers) if (name.toLowerCase().startsWith('access-control-')) out[name.toLowerCase()] = value;
  return out;
}

async function send(c: Case): Promise<{ status: number; headers: [string, string][]; requestId?: string }> {
  const gateway = gateways.get(c.gateway)!;
  if (c.raw) {
    const raw = await rawRequest(gateway.port, c.raw);
    return { status: raw.status, headers: raw.headers, requestId: raw.header('x-request-id') };
  }
  const response = await gateway.request(c.path ?? '/x', { method: c.method ?? 'GET', headers: c.headers, host: c.host });
  await response.arrayBuffer();
  return { status: response.status, headers: [...response.headers], requestId: response.headers.get('x-request-id') ?? undefined };
}

async function accessLine(gateway: TestGateway, requestId: string): Promise<Record<string, unknown> | undefined> {
  for (let i = 0; i < 50; i++) {
    const line = gateway.accessLogs.json().find((l) => l.request_id === requestId);
    if (line) return line;
    await Bun.sleep(10);
  }
  return undefined;
}

describe('CORS table', () => {
  test('has at least 50 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(50);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  for (const c of cases) {
    test(c.name, async () => {
      const before = upstream.received.length;
      const { status, headers, requestId } = await send(c);
      expect({ status, cors: corsOf(headers), vary: headers.find(([n]) => n.toLowerCase() === 'vary')?.[1] ?? null }).toEqual({
        status: c.status,
        cors: c.cors,
        vary: c.vary,
      });
      expect(upstream.received.length - before).toBe(c.reached ? 1 : 0);
      if (c.exemption || c.reached) {
        const line = await accessLine(gateways.get(c.gateway)!, requestId!);
        expect(line?.exemption).toBe(c.exemption);
      }
    });
  }
});

test('forward mode passes the preflight to the upstream untouched', async () => {
  const gateway = gateways.get('forward')!;
  const response = await gateway.request('/things?x=1', {
    host: 'fwd.example.test',
    ...preflight(APP, 'DELETE', { 'access-control-request-headers': 'x-a,x-b' }),
  });
  const echoed = (await response.json()) as { method: string; path: string; headers: Record<string, string> };
  expect(echoed.method).toBe('OPTIONS');
  expect(echoed.path).toBe('/things');
  expect(echoed.headers.origin).toBe(APP);
  expect(echoed.headers['access-control-request-method']).toBe('DELETE');
  expect(echoed.headers['access-control-request-headers']).toBe('x-a,x-b');
});

test('forward mode leaves the upstream its own CORS headers', async () => {
  const response = await gateways.get('forward')!.request('/upstream-cors', { host: 'fwd.example.test', ...preflight(APP) });
  expect(response.status).toBe(200);
  expect(corsOf(response.headers)).toEqual({ 'access-control-allow-origin': '*', 'access-control-allow-credentials': 'true' });
});

test('a 200 KB Access-Control-Request-Headers neither slows nor crashes anything', async () => {
  const gateway = gateways.get('strict')!;
  const started = performance.now();
  const response = await gateway.request('/x', {
    host: API,
    ...preflight(APP, 'PUT', { 'access-control-request-headers': 'content-type,'.repeat(16_000) }),
  });
  await response.arrayBuffer();
  // Bun refuses header blocks this large (431) before Gatehouse sees them; either way, no CORS.
  expect([403, 431]).toContain(response.status);
  expect(corsOf(response.headers)).toEqual({});
  expect(performance.now() - started).toBeLessThan(1000);
  const after = await gateway.request('/x', { host: API, ...preflight(APP) });
  expect(after.status).toBe(204);
});
