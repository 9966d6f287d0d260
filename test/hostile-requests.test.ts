/**
 * Hostile requests over a raw socket, table-driven: each row is the exact bytes a client sends,
 * the answer it must get (status, and the JSON `error`/`reason` where Gatehouse answers), and
 * what the upstream must have received: nothing, or exactly one request with a given request
 * line and given headers present or absent. Upstreams are raw TCP listeners that record request
 * heads, so nothing a client library normalises hides what crossed the wire.
 *
 * Also: trusted_proxies (who the client is), `underscores_in_headers: true`, pipelining, and a
 * real lenient upstream (nginx: decodes %2F, resolves `..` after decoding, merges slashes, here
 * also case-insensitive) behind `/public` and `/admin` routes.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { generateSigningKeyPem, loadKeySet } from '../src/auth/tokens/keys.ts';
import { createOwnTokens, TokenType } from '../src/auth/tokens/own-tokens.ts';
import { startGateway, type TestGateway } from './support/gateway.ts';
import { nginxOrSkip, startNginx, type NginxServer } from './support/nginx.ts';
import { rawRequest, startRawUpstream, type RawUpstream } from './support/raw-http.ts';

setDefaultTimeout(30_000);

const AUTH = 'http://auth.example.test';
const HOST = 'app.example.test';
const API_KEY = 'route-injected-secret-0123456789';

// ---------------------------------------------------------------------------------------------
// Raw wire helpers

interface Answer {
  /** 0 when the connection closed (or timed out) without a response head. */
  status: number;
  body: string;
  header(name: string): string | undefined;
  json(): Record<string, unknown> | undefined;
}

/** Sends `text` as is; a connection closed without an answer is status 0, not an exception. */
async function send(port: number, text: string, timeoutMs = 5000): Promise<Answer> {
  try {
    const r = await rawRequest(port, text, timeoutMs);
    return {
      status: r.status,
      body: r.body,
      header: r.header,
      json() {
        try {
          return JSON.parse(r.body) as Record<string, unknown>;
        } catch {
          return undefined;
        }
      },
    };
  } catch (error) {
    if (!/no complete response head/.test((error as Error).message)) throw error;
    return { status: 0, body: '', header: () => undefined, json: () => undefined };
  }
}

interface Head {
  /** The request line, e.g. `GET /public/x HTTP/1.1`. */
  line: string;
  /** Every value of the header (name case-insensitive), in order. */
  all(name: string): string[];
  names: string[];
}

function parseHead(head: string): Head {
  const [line, ...rest] = head.split('\r\n');
  const fields = rest.map((l) => {
    const colon = l.indexOf(':');
    return [l.slice(0, colon).trim().toLowerCase(), l.slice(colon + 1).trim()] as const;
  });
  return {
    line: line!,
    names: fields.map(([n]) => n),
    all: (name) => fields.filter(([n]) => n === name.toLowerCase()).map(([, v]) => v),
  };
}

/** How CGI, WSGI and PHP name a header: `X_Real_IP` and `x-real-ip` are both HTTP_X_REAL_IP. */
const cgiName = (name: string) => name.toLowerCase().replaceAll('_', '-');

const ok = (body: string) => `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;

/** Lines joined with CRLF, then the blank line, then `body`. */
const wire = (lines: string[], body = '') => lines.join('\r\n') + '\r\n\r\n' + body;

// ---------------------------------------------------------------------------------------------
// The gateway under test: one host, a public /public route (with an injected secret header) and
// a signed-in /admin route on the same upstream, a wildcard host on another, and a listener that
// no route names (a CONNECT or absolute-form target could try to reach it).

let app: RawUpstream;
let wild: RawUpstream;
let other: RawUpstream;
let gw: TestGateway;
let session: string;

async function signingSetup() {
  const keyPem = generateSigningKeyPem();
  const own = createOwnTokens(await loadKeySet(keyPem), AUTH);
  const token = await own.sign(
    TokenType.access,
    { sub: 'alice@example.test', email: 'alice@example.test', groups: [], sid: 's1' },
    { audience: 'gatehouse', ttlSeconds: 3600 },
  );
  return { keyPem, token };
}

const authBlock = `authenticate:
  url: ${AUTH}
  provider: static
  static: { users: [] }
session: { cookie_secure: false, signing_key_file: key.pem }
`;

/** /public (public, X-Api-Key injected) and /admin (signed in) on app.example.test, both to `to`. */
const prefixRoutes = (to: string, publicExtra = '') => `  - from: http://${HOST}
    prefix: /public
    to: ${to}
    policy: { public: true }
    set_request_headers: { X-Api-Key: ${API_KEY} }
${publicExtra}  - from: http://${HOST}
    prefix: /admin
    to: ${to}
    policy: { allow_any_authenticated_user: true }
    pass_identity_headers: true
    plugins: [{ use: trust-cookie }]
`;

beforeAll(async () => {
  app = startRawUpstream(() => ok('app'));
  wild = startRawUpstream(() => ok('wild'));
  other = startRawUpstream(() => ok('OTHER-LISTENER'));
  const { keyPem, token } = await signingSetup();
  session = token;
  gw = await startGateway(
    `watch: false
${authBlock}routes:
${prefixRoutes(`http://127.0.0.1:${app.port}`)}  - from: http://*.wild.test
    to: http://127.0.0.1:${wild.port}
    policy: { public: true }
`,
    { files: { 'key.pem': keyPem } },
  );
});
afterAll(async () => {
  await gw?.stop();
  app?.stop();
  wild?.stop();
  other?.stop();
});

/** The access log line Gatehouse wrote for `requestId`, if any. */
function accessLine(g: TestGateway, requestId: string): Record<string, unknown> | undefined {
  return g.accessLogs.json().find((l) => l.request_id === requestId);
}

// ---------------------------------------------------------------------------------------------
// The table

type Upstream = 'app' | 'wild';

interface Forwarded {
  to: Upstream;
  /** The exact request line the upstream received. */
  line: string;
  /** Headers that must be there exactly once with this value (or matching it). */
  has?: Record<string, string | RegExp>;
  /** Headers (lower-case) that must not be there at all. */
  lacks?: string[];
  /**
   * [name, value]: no header whose name reads as `name` to a CGI/WSGI/PHP upstream (`_` = `-`,
   * any case) may carry `value`: the client's claim must not arrive under any spelling.
   */
  lacksValue?: [string, string][];
}

interface Row {
  name: string;
  /** The raw request; `{OTHER}` is the unrouted listener's port, `{SESSION}` a valid trust cookie value. */
  request: string;
  /** The status; 0 = the connection closed without an answer. Several = any of them. */
  status: number | number[];
  /** Gatehouse answers itself: JSON `error` (and `reason`), a request id, an access log line. */
  error?: string;
  reason?: string;
  /** What the upstream received: null = nothing reached any upstream. */
  upstream: Forwarded | null;
}

const GET = (target: string, ...headers: string[]) => wire([`GET ${target} HTTP/1.1`, `Host: ${HOST}`, ...headers, 'Connection: close']);

/** Headers a client can send to claim facts about itself or the URL; none may reach the upstream as sent. */
const SPOOFS: [header: string, value: string, upstreamSees: string | null][] = [
  ['Forwarded', 'for=6.6.6.6;host=evil.test;proto=https', null],
  ['X-Real-IP', '6.6.6.6', null],
  ['True-Client-IP', '6.6.6.6', null],
  ['X-Client-IP', '6.6.6.6', null],
  ['CF-Connecting-IP', '6.6.6.6', null],
  ['X-Original-URL', '/admin/secret', null],
  ['X-Rewrite-URL', '/admin/secret', null],
  ['X-Original-URI', '/admin/secret', null],
  ['X-Forwarded-Prefix', '/admin', null],
  ['X-Forwarded-Server', 'evil.test', null],
  ['X-Forwarded-Port', '8443', '80'],
  ['X-Forwarded-For', '6.6.6.6', '127.0.0.1'],
  ['X-Forwarded-Host', 'evil.test', HOST],
  ['X-Forwarded-Proto', 'https', 'http'],
  ['X-Gatehouse-Jwt-Assertion', 'forged.assertion.value', null],
  ['X-Gatehouse-User', 'admin@example.test', null],
  ['X_Gatehouse_Jwt_Assertion', 'forged.assertion.value', null],
  ['X-Gatehouse_Jwt-Assertion', 'forged.assertion.value', null],
  ['X_Forwarded_For', '6.6.6.6', null],
  ['X_Real_IP', '6.6.6.6', null],
  // Identity headers upstreams behind other proxies trust (oauth2-proxy, Pomerium, Cloudflare
  // Access, ALB, IAP, Apache/nginx client-cert setups).
  ['X-Forwarded-User', 'admin', null],
  ['X-Forwarded-Email', 'admin@example.test', null],
  ['X-Forwarded-Groups', 'admins', null],
  ['X-Forwarded-Access-Token', 'forged', null],
  ['Remote-User', 'admin', null],
  ['X-Remote-User', 'admin', null],
  ['X-Auth-Request-Email', 'admin@example.test', null],
  ['X-Amzn-Oidc-Identity', 'admin', null],
  ['Cf-Access-Authenticated-User-Email', 'admin@example.test', null],
  ['Cf-Access-Jwt-Assertion', 'forged', null],
  ['X-Goog-Authenticated-User-Email', 'accounts.google.com:admin@example.test', null],
  ['X-Pomerium-Jwt-Assertion', 'forged', null],
  ['X-Pomerium-Claim-Email', 'admin@example.test', null],
  ['X-SSL-Client-Verify', 'SUCCESS', null],
  ['SSL-Client-Cert', 'forged', null],
  ['X-Client-Cert', 'forged', null],
  ['Client-IP', '6.6.6.6', null],
  ['X-Envoy-External-Address', '6.6.6.6', null],
  ['Front-End-Https', 'on', null],
  ['X-Url-Scheme', 'https', null],
];

const rows: Row[] = [
  // --- controls: what does get through, so "nothing reached" below means something ---------
  {
    name: 'control: GET /public/x reaches the upstream with the route header and Gatehouse forwarding headers',
    request: GET('/public/x'),
    status: 200,
    upstream: {
      to: 'app',
      line: 'GET /public/x HTTP/1.1',
      has: { 'x-api-key': API_KEY, 'x-forwarded-for': '127.0.0.1', 'x-forwarded-host': HOST, 'x-forwarded-proto': 'http', 'x-forwarded-port': '80', 'x-request-id': /^[0-9a-f-]{36}$/ },
    },
  },
  {
    name: 'control: signed in, GET /admin/secret reaches the upstream with a Gatehouse assertion and no trust cookie',
    request: GET('/admin/secret', 'Cookie: _gatehouse={SESSION}; theme=dark'),
    status: 200,
    upstream: { to: 'app', line: 'GET /admin/secret HTTP/1.1', has: { 'x-gatehouse-jwt-assertion': /^ey[\w-]+\.[\w-]+\.[\w-]+$/, cookie: 'theme=dark' }, lacks: ['x-api-key'] },
  },
  {
    name: 'control: not signed in, GET /admin/secret is 401 and reaches nothing',
    request: GET('/admin/secret'),
    status: 401,
    error: 'unauthenticated',
    upstream: null,
  },
  {
    name: 'control: a.wild.test reaches the wildcard route',
    request: wire(['GET /x HTTP/1.1', 'Host: a.wild.test', 'Connection: close']),
    status: 200,
    upstream: { to: 'wild', line: 'GET /x HTTP/1.1', has: { 'x-forwarded-host': 'a.wild.test' } },
  },

  // --- methods that tunnel or loop back ------------------------------------------------------
  {
    name: 'CONNECT x:@127.0.0.1:{OTHER}/collect to a public route with an injected secret: 405, reaches neither the route nor {OTHER}',
    request: wire(['CONNECT x:@127.0.0.1:{OTHER}/collect HTTP/1.1', `Host: ${HOST}`, 'Connection: close']),
    status: 405,
    error: 'method_not_allowed',
    upstream: null,
  },
  {
    name: 'CONNECT 127.0.0.1:{OTHER} (authority-form): 405',
    request: wire(['CONNECT 127.0.0.1:{OTHER} HTTP/1.1', `Host: 127.0.0.1:{OTHER}`, 'Connection: close']),
    status: 405,
    error: 'method_not_allowed',
    upstream: null,
  },
  {
    name: 'CONNECT over HTTP/1.0 with the route host: 405',
    request: wire(['CONNECT 127.0.0.1:{OTHER} HTTP/1.0', `Host: ${HOST}`]),
    status: 405,
    error: 'method_not_allowed',
    upstream: null,
  },
  {
    name: 'TRACE /public/x with a cookie: 405, nothing echoed or forwarded',
    request: GET('/public/x', 'Cookie: _gatehouse={SESSION}').replace(/^GET/, 'TRACE'),
    status: 405,
    error: 'method_not_allowed',
    upstream: null,
  },
  {
    // Bun closes the connection on methods it does not know (TRACK, FOO) before Gatehouse runs.
    name: 'TRACK /public/x: not forwarded (Bun drops the connection, or 405)',
    request: GET('/public/x').replace(/^GET/, 'TRACK'),
    status: [0, 405],
    upstream: null,
  },

  // --- targets that are not a path ------------------------------------------------------------
  {
    name: 'absolute-form GET http://127.0.0.1:{OTHER}/public/x: served by Host, never reaches {OTHER}',
    request: wire(['GET http://127.0.0.1:{OTHER}/public/x HTTP/1.1', `Host: ${HOST}`, 'Connection: close']),
    status: 200,
    upstream: { to: 'app', line: 'GET /public/x HTTP/1.1', has: { 'x-forwarded-host': HOST, 'x-api-key': API_KEY } },
  },
  {
    name: 'absolute-form GET http://127.0.0.1:{OTHER}/admin/secret unauthenticated: 401, reaches nothing',
    request: wire(['GET http://127.0.0.1:{OTHER}/admin/secret HTTP/1.1', `Host: ${HOST}`, 'Connection: close']),
    status: 401,
    error: 'unauthenticated',
    upstream: null,
  },
  {
    name: 'absolute-form to the route host with Host 127.0.0.1:{OTHER}: no route, reaches nothing',
    request: wire([`GET http://${HOST}/public/x HTTP/1.1`, 'Host: 127.0.0.1:{OTHER}', 'Connection: close']),
    status: 404,
    error: 'no_route',
    upstream: null,
  },
  {
    name: 'OPTIONS * is not forwarded (400 from Bun)',
    request: wire(['OPTIONS * HTTP/1.1', `Host: ${HOST}`, 'Connection: close']),
    status: 400,
    upstream: null,
  },
  {
    name: '#fragment in the target: 400 bad_request fragment',
    request: GET('/public/x#/../../admin/secret'),
    status: 400,
    error: 'bad_request',
    reason: 'fragment',
    upstream: null,
  },

  // --- Host ----------------------------------------------------------------------------------
  {
    name: 'two Host headers, evil.test then a.wild.test: 400 bad_host, the wildcard route never sees it',
    request: wire(['GET /x HTTP/1.1', 'Host: evil.test', 'Host: a.wild.test', 'Connection: close']),
    status: 400,
    error: 'bad_host',
    upstream: null,
  },
  {
    name: 'two Host headers, a.wild.test then evil.test: 400 bad_host',
    request: wire(['GET /x HTTP/1.1', 'Host: a.wild.test', 'Host: evil.test', 'Connection: close']),
    status: 400,
    error: 'bad_host',
    upstream: null,
  },
  {
    name: 'two identical Host headers: 400 bad_host',
    request: wire(['GET /public/x HTTP/1.1', `Host: ${HOST}`, `Host: ${HOST}`, 'Connection: close']),
    status: 400,
    error: 'bad_host',
    upstream: null,
  },
  {
    name: 'the route Host plus an empty second Host: 400 bad_host',
    request: wire(['GET /public/x HTTP/1.1', `Host: ${HOST}`, 'Host:', 'Connection: close']),
    status: 400,
    error: 'bad_host',
    upstream: null,
  },
  {
    // Bun hands over a bare path for such a Host; the gate judges Host first.
    name: 'one Host line listing two hosts (a.wild.test, app.example.test): 400 bad_host',
    request: wire(['GET /x HTTP/1.1', `Host: a.wild.test, ${HOST}`, 'Connection: close']),
    status: 400,
    error: 'bad_host',
    upstream: null,
  },
  { name: 'Host: app:abc → 400 bad_host', request: wire(['GET /public/x HTTP/1.1', 'Host: app:abc', 'Connection: close']), status: 400, error: 'bad_host', upstream: null },
  // Bun hands over a bare path for these Hosts; the gate still names the Host as the problem.
  { name: 'Host: a@b → 400 bad_host', request: wire(['GET /public/x HTTP/1.1', 'Host: a@b', 'Connection: close']), status: 400, error: 'bad_host', upstream: null },
  {
    name: 'Host: app.example.test@evil.test → 400 bad_host',
    request: wire(['GET /public/x HTTP/1.1', `Host: ${HOST}@evil.test`, 'Connection: close']),
    status: 400,
    error: 'bad_host',
    upstream: null,
  },
  { name: 'Host: evil.test/public → 400 bad_host', request: wire(['GET /x HTTP/1.1', 'Host: evil.test/public', 'Connection: close']), status: 400, error: 'bad_host', upstream: null },
  { name: 'empty Host → 400 bad_host', request: wire(['GET /public/x HTTP/1.1', 'Host: ', 'Connection: close']), status: 400, error: 'bad_host', upstream: null },
  { name: 'HTTP/1.0 without Host → 400 bad_host', request: wire(['GET /public/x HTTP/1.0']), status: 400, error: 'bad_host', upstream: null },
  {
    name: 'HTTP/1.1 without Host → 400 (from Bun), not forwarded',
    request: wire(['GET /public/x HTTP/1.1', 'Connection: close']),
    status: 400,
    upstream: null,
  },
  { name: 'Host with port 99999 → 400 bad_host', request: wire(['GET /public/x HTTP/1.1', `Host: ${HOST}:99999`, 'Connection: close']), status: 400, error: 'bad_host', upstream: null },
  { name: 'Host with port 0 → 400 bad_host', request: wire(['GET /public/x HTTP/1.1', `Host: ${HOST}:0`, 'Connection: close']), status: 400, error: 'bad_host', upstream: null },
  { name: 'Host: h: → 400 bad_host', request: wire(['GET /public/x HTTP/1.1', 'Host: h:', 'Connection: close']), status: 400, error: 'bad_host', upstream: null },
  {
    name: 'Host with a 10 000-character label: 400 bad_host',
    request: wire(['GET /public/x HTTP/1.1', `Host: ${'a'.repeat(10_000)}.test`, 'Connection: close']),
    status: 400,
    error: 'bad_host',
    upstream: null,
  },
  {
    name: 'Host of 400 characters in short labels (over 253): 400 bad_host',
    request: wire(['GET /public/x HTTP/1.1', `Host: ${'a.'.repeat(200)}test`, 'Connection: close']),
    status: 400,
    error: 'bad_host',
    upstream: null,
  },
  {
    name: 'Host of 100 000 characters: refused by Bun (431), not forwarded',
    request: wire(['GET /public/x HTTP/1.1', `Host: ${'a'.repeat(100_000)}`, 'Connection: close']),
    status: [400, 431],
    upstream: null,
  },
  {
    name: 'Host: 127.0.0.1:{OTHER} (no route names it): 404 no_route',
    request: wire(['GET /public/x HTTP/1.1', 'Host: 127.0.0.1:{OTHER}', 'Connection: close']),
    status: 404,
    error: 'no_route',
    upstream: null,
  },
  {
    name: 'upper-case Host with a trailing dot is the same host (control)',
    request: wire(['GET /public/x HTTP/1.1', 'HOST: APP.EXAMPLE.TEST.', 'Connection: close']),
    status: 200,
    upstream: { to: 'app', line: 'GET /public/x HTTP/1.1', has: { 'x-forwarded-host': HOST } },
  },

  // --- paths that a lenient upstream reads as /admin: never reach it unauthenticated ----------
  ...(
    [
      ['/public/..%2Fadmin/secret', 400, 'encoded_slash'],
      ['/public/..%2fadmin/secret', 400, 'encoded_slash'],
      ['/public/..;/admin/', 400, 'dot_segment_variant'],
      ['/public/..;jsessionid=x/admin/secret', 400, 'dot_segment_variant'],
      ['/public/..%3B/admin/secret', 400, 'dot_segment_variant'],
      ['/public/..%5Cadmin/secret', 400, 'encoded_backslash'],
      ['/public/..%5cadmin/secret', 400, 'encoded_backslash'],
      ['/admin%2Fsecret', 400, 'encoded_slash'],
      ['/public/%2e%2e%2fadmin', 400, 'encoded_slash'],
      ['/public/%2e%2e%5cadmin', 400, 'encoded_backslash'],
      ['/public/%252e%252e/admin', 400, 'double_encoding'],
      ['/public/%25%32%65%25%32%65/admin', 400, 'double_encoding'],
      ['/public/..%252Fadmin', 400, 'double_encoding'],
      ['/public/%c0%ae%c0%ae/admin', 400, 'invalid_utf8'],
      ['/public/%u002e%u002e/admin', 400, 'malformed_escape'],
      ['/public/.../admin', 400, 'dot_segment_variant'],
      ['/public/..%20/admin', 400, 'dot_segment_variant'],
      ['/public/%EF%BC%8E%EF%BC%8E/admin', 400, 'unicode_lookalike'],
      ['/public/%E2%80%A5/admin', 400, 'unicode_lookalike'],
      ['/public/..%EF%BC%8Fadmin', 400, 'unicode_lookalike'],
      ['/public/..%00/admin', 400, 'encoded_control_character'],
      ['/public/%2e%2e%00/admin', 400, 'encoded_control_character'],
      ['/PUBLIC/../Admin/x', 400, 'ambiguous_route'],
      ['/Public/../ADMIN/secret', 400, 'ambiguous_route'],
      ['/ADMIN/secret', 400, 'ambiguous_route'],
      ['/aDmIn', 400, 'ambiguous_route'],
      ['/admin;x/secret', 400, 'ambiguous_route'],
      ['/%41dmin/secret', 400, 'ambiguous_route'],
      // Bun resolves these to /admin/... before Gatehouse sees them: the /admin route's policy applies.
      ['/public;x/../admin', 401, 'unauthenticated'],
      ['/public/../admin/secret', 401, 'unauthenticated'],
      ['/public/%2e%2e/admin/secret', 401, 'unauthenticated'],
      ['/public/.%2E/admin/secret', 401, 'unauthenticated'],
      ['/public\\..\\admin\\secret', 401, 'unauthenticated'],
      ['/public/./../admin', 401, 'unauthenticated'],
      ['//admin/secret', 401, 'unauthenticated'],
      ['/%61dmin/secret', 401, 'unauthenticated'],
      ['/public/x/../../admin/secret', 401, 'unauthenticated'],
      [`http://${HOST}/public/../admin/secret`, 401, 'unauthenticated'],
    ] as const
  ).map(([target, status, code]): Row => ({
    name: `unauthenticated ${target} → ${status} ${code}, never reaches the upstream`,
    request: GET(target),
    status,
    error: status === 400 ? 'ambiguous_path' : code,
    reason: status === 400 ? code : undefined,
    upstream: null,
  })),
  {
    // Bun resolves dot segments after the empty one: nginx would merge first and read /admin,
    // but what is forwarded has no dot segment left, so nginx reads /public/admin.
    name: '/public//..//admin is forwarded as /public//admin (no dot segment left for the upstream to resolve)',
    request: GET('/public//..//admin'),
    status: 200,
    upstream: { to: 'app', line: 'GET /public//admin HTTP/1.1' },
  },

  // --- spoofable headers: the upstream never gets them as the client sent them ---------------
  ...SPOOFS.map(([header, value, upstreamSees]): Row => ({
    name: `${header}: ${value} from an untrusted peer → upstream ${upstreamSees === null ? 'does not get it' : `gets ${upstreamSees}`}`,
    request: GET('/public/x', `${header}: ${value}`),
    status: 200,
    upstream:
      upstreamSees === null
        ? { to: 'app', line: 'GET /public/x HTTP/1.1', lacks: [header.toLowerCase()], lacksValue: [[header, value]] }
        : { to: 'app', line: 'GET /public/x HTTP/1.1', has: { [header.toLowerCase()]: upstreamSees }, lacksValue: [[header, value]] },
  })),
  {
    name: 'all spoofable headers at once, on the signed-in route: only Gatehouse values, the assertion is Gatehouse-signed',
    request: GET('/admin/secret', 'Cookie: _gatehouse={SESSION}', ...SPOOFS.map(([h, v]) => `${h}: ${v}`)),
    status: 200,
    upstream: {
      to: 'app',
      line: 'GET /admin/secret HTTP/1.1',
      has: {
        'x-forwarded-for': '127.0.0.1',
        'x-forwarded-host': HOST,
        'x-forwarded-proto': 'http',
        'x-forwarded-port': '80',
        'x-gatehouse-jwt-assertion': /^ey[\w-]+\.[\w-]+\.[\w-]+$/,
      },
      lacks: ['forwarded', 'x-real-ip', 'true-client-ip', 'x-client-ip', 'cf-connecting-ip', 'x-original-url', 'x-rewrite-url', 'x-original-uri', 'x-forwarded-prefix', 'x-forwarded-server', 'x-gatehouse-user', 'x_gatehouse_jwt_assertion', 'x-gatehouse_jwt-assertion', 'x_forwarded_for', 'x_real_ip', 'cookie'],
      lacksValue: SPOOFS.map(([h, v]) => [h, v]),
    },
  },

  // --- Connection: hop-by-hop tricks ---------------------------------------------------------
  {
    name: 'Connection: X-Api-Key with a client X-Api-Key: the route still injects its own, the client value never passes',
    request: wire(['GET /public/x HTTP/1.1', `Host: ${HOST}`, 'X-Api-Key: client-chosen', 'Connection: close, X-Api-Key']),
    status: 200,
    upstream: { to: 'app', line: 'GET /public/x HTTP/1.1', has: { 'x-api-key': API_KEY } },
  },
  {
    name: 'Connection: X-Api-Key on its own line, no client value: the route header survives',
    request: wire(['GET /public/x HTTP/1.1', `Host: ${HOST}`, 'Connection: X-Api-Key', 'Connection: close']),
    status: 200,
    upstream: { to: 'app', line: 'GET /public/x HTTP/1.1', has: { 'x-api-key': API_KEY } },
  },
  {
    name: 'Connection naming X-Forwarded-For, X-Request-Id and Host cannot remove what Gatehouse sets',
    request: wire(['GET /public/x HTTP/1.1', `Host: ${HOST}`, 'Connection: close, X-Forwarded-For, X-Forwarded-Host, X-Request-Id, Host']),
    status: 200,
    upstream: { to: 'app', line: 'GET /public/x HTTP/1.1', has: { 'x-forwarded-for': '127.0.0.1', 'x-forwarded-host': HOST, 'x-request-id': /^[0-9a-f-]{36}$/ } },
  },
  {
    name: 'a header the client lists in Connection is not forwarded (signed-in route, no injected header)',
    request: wire(['GET /admin/x HTTP/1.1', `Host: ${HOST}`, 'Cookie: _gatehouse={SESSION}', 'X-Api-Key: client-chosen', 'X-Hop: 1', 'Connection: close, X-Api-Key, X-Hop']),
    status: 200,
    upstream: { to: 'app', line: 'GET /admin/x HTTP/1.1', lacks: ['x-api-key', 'x-hop'] },
  },
  {
    name: 'hop-by-hop and Proxy-* headers are not forwarded',
    request: wire(['GET /public/x HTTP/1.1', `Host: ${HOST}`, 'Keep-Alive: timeout=99', 'TE: trailers', 'Proxy-Authorization: Basic c2VjcmV0', 'Proxy-Connection: keep-alive', 'Upgrade: h2c', 'Connection: close, Upgrade']),
    status: 200,
    upstream: { to: 'app', line: 'GET /public/x HTTP/1.1', lacks: ['keep-alive', 'te', 'proxy-authorization', 'proxy-connection', 'upgrade'] },
  },

  // --- framing: request smuggling shapes -------------------------------------------------------
  {
    name: 'Transfer-Encoding + Content-Length together: 400, nothing forwarded',
    request: wire(['POST /public/x HTTP/1.1', `Host: ${HOST}`, 'Transfer-Encoding: chunked', 'Content-Length: 4', 'Connection: close'], '0\r\n\r\n'),
    status: 400,
    upstream: null,
  },
  {
    name: 'CL.TE with a smuggled GET /admin/secret in the body: 400, nothing forwarded',
    request: wire(
      ['POST /public/x HTTP/1.1', `Host: ${HOST}`, 'Content-Length: 60', 'Transfer-Encoding: chunked', 'Connection: close'],
      `0\r\n\r\nGET /admin/secret HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`,
    ),
    status: 400,
    upstream: null,
  },
  {
    name: 'two different Content-Length values: 400',
    request: wire(['POST /public/x HTTP/1.1', `Host: ${HOST}`, 'Content-Length: 3', 'Content-Length: 5', 'Connection: close'], 'hello'),
    status: 400,
    upstream: null,
  },
  {
    name: 'Transfer-Encoding: chunked twice with identity: 400',
    request: wire(['POST /public/x HTTP/1.1', `Host: ${HOST}`, 'Transfer-Encoding: chunked', 'Transfer-Encoding: identity', 'Connection: close'], '0\r\n\r\n'),
    status: 400,
    upstream: null,
  },
  {
    name: 'Transfer-Encoding: xchunked: 400',
    request: wire(['POST /public/x HTTP/1.1', `Host: ${HOST}`, 'Transfer-Encoding: xchunked', 'Connection: close'], '0\r\n\r\n'),
    status: 400,
    upstream: null,
  },
  {
    name: 'control: a well-formed chunked POST is forwarded as one POST',
    request: wire(['POST /public/x HTTP/1.1', `Host: ${HOST}`, 'Transfer-Encoding: chunked', 'Connection: close'], '5\r\nhello\r\n0\r\n\r\n'),
    status: 200,
    upstream: { to: 'app', line: 'POST /public/x HTTP/1.1' },
  },

  // --- header injection -------------------------------------------------------------------------
  {
    name: 'encoded CRLF in the path: 400 encoded_control_character',
    request: GET('/public/a%0d%0aX-Injected:%201'),
    status: 400,
    error: 'ambiguous_path',
    reason: 'encoded_control_character',
    upstream: null,
  },
  {
    name: 'encoded CRLF in the query stays encoded: no X-Injected header upstream',
    request: GET('/public/x?a=%0d%0aX-Injected:%201'),
    status: 200,
    upstream: { to: 'app', line: 'GET /public/x?a=%0d%0aX-Injected:%201 HTTP/1.1', lacks: ['x-injected'] },
  },
  { name: 'bare LF inside a header value: 400', request: GET('/public/x', 'X-A: a\nX-Injected: 1'), status: 400, upstream: null },
  { name: 'bare CR inside a header value: 400', request: GET('/public/x', 'X-A: a\rX-Injected: 1'), status: 400, upstream: null },
  { name: 'NUL inside a header value: 400', request: GET('/public/x', 'X-A: a\u0000b'), status: 400, upstream: null },
  { name: 'obs-fold continuation line: 400', request: GET('/public/x', 'X-A: a', ' X-Injected: 1'), status: 400, upstream: null },
  { name: 'space before the colon (X-Forwarded-For : …): 400', request: GET('/public/x', 'X-Forwarded-For : 6.6.6.6'), status: 400, upstream: null },
  {
    name: 'a space in the target (GET /public/x /admin HTTP/1.1): refused by Bun, nothing forwarded',
    request: wire(['GET /public/x /admin HTTP/1.1', `Host: ${HOST}`, 'Connection: close']),
    status: [400, 505],
    upstream: null,
  },
];

describe('hostile requests over a raw socket', () => {
  test('the table covers at least 90 rows', () => expect(rows.length).toBeGreaterThanOrEqual(90));

  for (const row of rows) {
    test(row.name.replaceAll('{OTHER}', 'OTHER'), async () => {
      const before = { app: app.requests.length, wild: wild.requests.length, other: other.requests.length };
      const text = row.request.replaceAll('{OTHER}', String(other.port)).replaceAll('{SESSION}', session);
      const res = await send(gw.port, text);
      const reached = { app: app.requests.slice(before.app), wild: wild.requests.slice(before.wild), other: other.requests.slice(before.other) };
      const context = `answer ${res.status} ${res.body.slice(0, 300)}\nupstream got ${JSON.stringify(reached, null, 1)}`;

      // Nothing ever reaches the listener no route names, and Gatehouse never fails with 5xx.
      expect(reached.other, context).toEqual([]);
      expect(res.status, context).not.toBe(500);
      if (Array.isArray(row.status)) expect(row.status, context).toContain(res.status);
      else expect(res.status, context).toBe(row.status);

      if (row.error) {
        const body = res.json();
        expect(body, context).toBeDefined();
        expect(body!.error, context).toBe(row.error);
        if (row.reason) expect(body!.reason, context).toBe(row.reason);
        const id = body!.request_id as string;
        expect(id, context).toMatch(/^[0-9a-f-]{36}$/);
        expect(res.header('x-request-id')).toBe(id);
        const line = accessLine(gw, id);
        expect(line, `no access log line for ${id}`).toBeDefined();
        expect(line!.status).toBe(res.status);
        expect(JSON.stringify(line).length, 'an access log line stays bounded').toBeLessThan(4096);
      }

      if (row.upstream === null) {
        expect(reached.app, context).toEqual([]);
        expect(reached.wild, context).toEqual([]);
        return;
      }
      const expected = row.upstream;
      const elsewhere = expected.to === 'app' ? reached.wild : reached.app;
      expect(elsewhere, context).toEqual([]);
      expect(reached[expected.to], context).toHaveLength(1);
      const head = parseHead(reached[expected.to][0]!);
      expect(head.line).toBe(expected.line);
      for (const [name, want] of Object.entries(expected.has ?? {})) {
        const values = head.all(name);
        expect(values, `${name} upstream: ${JSON.stringify(values)}`).toHaveLength(1);
        if (typeof want === 'string') expect(values[0]).toBe(want);
        else expect(values[0]).toMatch(want);
      }
      for (const name of expected.lacks ?? []) expect(head.all(name), `${name} must not reach the upstream`).toEqual([]);
      for (const [name, value] of expected.lacksValue ?? []) {
        const carriers = head.names.filter((n) => cgiName(n) === cgiName(name) && head.all(n).includes(value));
        expect(carriers, `${name}: ${value} reached the upstream as ${carriers.join(', ')}`).toEqual([]);
      }
      // A forged assertion never passes under any spelling a CGI/WSGI upstream would read as it.
      expect(head.all('x-gatehouse-jwt-assertion').concat(head.all('x_gatehouse_jwt_assertion'))).not.toContain('forged.assertion.value');
    });
  }

  test('pipelined GET /public/x then GET /admin/secret: the /admin request never reaches the upstream', async () => {
    const before = app.requests.length;
    // Bun (1.4.x) does not answer requests pipelined behind an async handler (see the report), so
    // only what reached the upstream within a bounded wait is asserted.
    await send(gw.port, `GET /public/x HTTP/1.1\r\nHost: ${HOST}\r\n\r\nGET /admin/secret HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`, 2000);
    await Bun.sleep(200);
    const targets = app.requests.slice(before).map((h) => parseHead(h).line);
    expect(targets.filter((l) => /admin/i.test(l))).toEqual([]);
  });

  test('raw UTF-8 fullwidth dots (．．) in the request line never reach the upstream as ../admin', async () => {
    // Bun reads the raw request line as Latin-1 and escapes each byte as UTF-8 (today the dots
    // arrive as `%C3%AF%C2%BC%C2%8E…`); whatever it forwards must not fold to /admin.
    const before = app.requests.length;
    const res = await send(gw.port, GET('/public/\xef\xbc\x8e\xef\xbc\x8e/admin'));
    expect(res.status).toBeLessThan(500);
    for (const head of app.requests.slice(before)) {
      const target = parseHead(head).line.split(' ')[1]!;
      const folded = decodeURIComponent(target).normalize('NFKC');
      expect(new URL(folded, 'http://x').pathname.toLowerCase(), target).not.toMatch(/^\/admin(\/|$)/);
    }
  });

  test('refused requests get an access line with the request id, a bounded host, and the status', async () => {
    const res = await send(gw.port, wire(['GET /public/x HTTP/1.1', `Host: ${'b'.repeat(10_000)}.test`, 'Connection: close']));
    expect(res.status).toBe(400);
    const id = res.json()!.request_id as string;
    const line = accessLine(gw, id)!;
    expect(line).toMatchObject({ type: 'access', status: 400, method: 'GET' });
    expect(String(line.host).length).toBeLessThanOrEqual(256);
  });

  // Refused requests are the ones an operator most wants to trace to a client.
  test('refused requests (bad Host, CONNECT, #fragment) are logged with the client address', async () => {
    const refused = [
      wire(['GET /public/x HTTP/1.1', `Host: ${HOST}:99999`, 'Connection: close']),
      wire(['CONNECT 127.0.0.1:{OTHER} HTTP/1.1', `Host: ${HOST}`, 'Connection: close']).replace('{OTHER}', String(other.port)),
      GET('/public/x#frag'),
    ];
    for (const text of refused) {
      const res = await send(gw.port, text);
      expect([400, 405]).toContain(res.status);
      const line = accessLine(gw, res.json()!.request_id as string)!;
      expect(line, text.split('\r\n')[0]).toMatchObject({ client_ip: '127.0.0.1' });
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('a public catch-all route "/" and a signed-in /admin on the same upstream', () => {
  // The common shape (public site, protected /admin): here a path the strict reading does not put
  // under /admin is forwarded by the public route, so the lenient reading is all that stands
  // between a Windows/IIS or Java upstream and an unauthenticated /admin.
  let up: RawUpstream;
  let g: TestGateway;

  beforeAll(async () => {
    up = startRawUpstream(() => ok('up'));
    g = await startGateway(`watch: false
routes:
  - from: http://${HOST}
    to: http://127.0.0.1:${up.port}
    policy: { public: true }
  - from: http://${HOST}
    prefix: /admin
    to: http://127.0.0.1:${up.port}
    policy: { allow_any_authenticated_user: true }
`);
  });
  afterAll(async () => {
    await g?.stop();
    up?.stop();
  });

  // [target, expected]: `forward <line>` = reached the upstream with that request line; otherwise
  // `<status> <error or reason>` (`400 *`: any ambiguous_path reason) and nothing reached it.
  const cases: [string, string][] = [
    ['/public/x', 'forward GET /public/x HTTP/1.1'],
    ['/administrator', 'forward GET /administrator HTTP/1.1'],
    ['/admin.html', 'forward GET /admin.html HTTP/1.1'],
    ['/admin/secret', '401 unauthenticated'],
    ['/ADMIN/secret', '400 ambiguous_route'],
    ['/admin;x/secret', '400 ambiguous_route'],
    ['/x/..%2Fadmin/secret', '400 encoded_slash'],
    ['/x/..;/admin/secret', '400 dot_segment_variant'],
    // Windows and IIS drop trailing dots and spaces from a segment, so these name /admin/secret
    // there; the catch-all route must not forward them unauthenticated.
    ['/admin./secret', '400 *'],
    ['/admin%2e/secret', '400 *'],
    ['/admin%20/secret', '400 *'],
    ['/admin.%20./secret', '400 *'],
    ['/Admin./secret', '400 *'],
    ['/admin%C2%A0/secret', '400 *'],
    // `ı` (dotless i) upper-cases to `I`: Java's equalsIgnoreCase (Spring's case-insensitive
    // AntPathMatcher) reads /admın as /admin.
    ['/adm%C4%B1n/secret', '400 *'],
  ];

  for (const [target, expected] of cases) {
    test(`unauthenticated ${target} → ${expected}`, async () => {
      const before = up.requests.length;
      const res = await send(g.port, GET(target));
      const reached = up.requests.slice(before).map((h) => parseHead(h).line);
      expect(res.status).not.toBe(500);
      if (expected.startsWith('forward ')) {
        expect(res.status).toBe(200);
        expect(reached).toEqual([expected.slice('forward '.length)]);
        return;
      }
      const [status, code] = expected.split(' ') as [string, string];
      expect({ status: res.status, reached }, res.body).toEqual({ status: Number(status), reached: [] });
      const body = res.json()!;
      if (code === '*') expect(body.error).toBe('ambiguous_path');
      else if (body.error === 'ambiguous_path') expect(body.reason).toBe(code);
      else expect(body.error).toBe(code);
    });
  }
});

// ---------------------------------------------------------------------------------------------

describe('trusted_proxies: who the client is', () => {
  let up: RawUpstream;
  let trusted: TestGateway;

  beforeAll(async () => {
    up = startRawUpstream(() => ok('up'));
    trusted = await startGateway(`watch: false
trusted_proxies: [127.0.0.1/32]
routes:
  - from: http://${HOST}
    to: http://127.0.0.1:${up.port}
    policy: { public: true }
`);
  });
  afterAll(async () => {
    await trusted?.stop();
    up?.stop();
  });

  /** Sends GET /x with `headers` to `g`; returns what the upstream saw as X-Forwarded-For and the access log's client_ip. */
  async function clientSeen(g: TestGateway, upstream: RawUpstream, headers: string[]) {
    const before = upstream.requests.length;
    const res = await send(g.port, wire(['GET /public/x HTTP/1.1', `Host: ${HOST}`, ...headers, 'Connection: close']));
    expect(res.status).toBe(200);
    const heads = upstream.requests.slice(before);
    expect(heads).toHaveLength(1);
    const id = res.header('x-request-id')!;
    return { xff: parseHead(heads[0]!).all('x-forwarded-for'), clientIp: accessLine(g, id)?.client_ip };
  }

  const cases: [headers: string[], client: string][] = [
    [['X-Forwarded-For: 1.2.3.4'], '1.2.3.4'],
    [['X-Forwarded-For: 6.6.6.6, 1.2.3.4'], '1.2.3.4'],
    [['X-Forwarded-For: 6.6.6.6', 'X-Forwarded-For: 1.2.3.4'], '1.2.3.4'],
    [['X-Forwarded-For: 1.2.3.4, 127.0.0.1'], '1.2.3.4'],
    [['X-Forwarded-For: 1.2.3.4:4711'], '1.2.3.4'],
    [['X-Forwarded-For: 6.6.6.6, not-an-address'], '127.0.0.1'],
    [['Forwarded: for=1.2.3.4;proto=https'], '1.2.3.4'],
    [['Forwarded: for="[2001:db8::1]:4711"'], '2001:db8::1'],
    [['Forwarded: for=6.6.6.6', 'X-Forwarded-For: 1.2.3.4'], '1.2.3.4'],
    [['X-Real-IP: 6.6.6.6', 'True-Client-IP: 6.6.6.6'], '127.0.0.1'],
    [[], '127.0.0.1'],
  ];
  for (const [headers, client] of cases) {
    test(`from a trusted peer, ${JSON.stringify(headers)} → client ${client} (upstream X-Forwarded-For and access log)`, async () => {
      const seen = await clientSeen(trusted, up, headers);
      expect(seen.xff).toEqual([client]);
      expect(seen.clientIp).toBe(client);
    });
  }

  /** Sends GET /public/x with `headers` to `g`; returns the scheme and port the upstream was told. */
  async function schemeSeen(g: TestGateway, upstream: RawUpstream, headers: string[]) {
    const before = upstream.requests.length;
    const res = await send(g.port, wire(['GET /public/x HTTP/1.1', `Host: ${HOST}`, ...headers, 'Connection: close']));
    expect(res.status).toBe(200);
    const head = parseHead(upstream.requests.slice(before)[0]!);
    return { proto: head.all('x-forwarded-proto'), port: head.all('x-forwarded-port') };
  }

  test('from a trusted peer, X-Forwarded-Proto: https is the scheme: the upstream hears https and port 443', async () => {
    expect(await schemeSeen(trusted, up, ['X-Forwarded-Proto: https'])).toEqual({ proto: ['https'], port: ['443'] });
    expect(await schemeSeen(trusted, up, ['Forwarded: for=1.2.3.4;proto=https'])).toEqual({ proto: ['https'], port: ['443'] });
    expect(await schemeSeen(trusted, up, ['X-Forwarded-Proto: gopher'])).toEqual({ proto: ['http'], port: ['80'] });
    expect(await schemeSeen(trusted, up, [])).toEqual({ proto: ['http'], port: ['80'] });
  });

  test('without trusted_proxies, X-Forwarded-Proto: https is ignored and replaced: the connection was http', async () => {
    expect(await schemeSeen(gw, app, ['X-Forwarded-Proto: https', 'Forwarded: proto=https'])).toEqual({ proto: ['http'], port: ['80'] });
  });

  test('without trusted_proxies, X-Forwarded-For: 1.2.3.4 is ignored: the client is the peer 127.0.0.1', async () => {
    const seen = await clientSeen(gw, app, ['X-Forwarded-For: 1.2.3.4', 'Forwarded: for=1.2.3.4']);
    expect(seen.xff).toEqual(['127.0.0.1']);
    expect(seen.clientIp).toBe('127.0.0.1');
  });
});

// ---------------------------------------------------------------------------------------------

describe('underscores_in_headers: true', () => {
  let up: RawUpstream;
  let g: TestGateway;

  beforeAll(async () => {
    up = startRawUpstream(() => ok('up'));
    g = await startGateway(`watch: false
underscores_in_headers: true
routes:
  - from: http://${HOST}
    to: http://127.0.0.1:${up.port}
    policy: { public: true }
`);
  });
  afterAll(async () => {
    await g?.stop();
    up?.stop();
  });

  async function forwardedHead(headers: string[]) {
    const before = up.requests.length;
    const res = await send(g.port, wire(['GET /x HTTP/1.1', `Host: ${HOST}`, ...headers, 'Connection: close']));
    expect(res.status).toBe(200);
    expect(up.requests.slice(before)).toHaveLength(1);
    return parseHead(up.requests[before]!);
  }

  test('control: an ordinary underscore header passes, as the option promises', async () => {
    expect((await forwardedHead(['X_Legacy_Client: 1'])).all('x_legacy_client')).toEqual(['1']);
  });

  // With the option on, the underscore spellings of Gatehouse's own and of the client-claim
  // headers must still not pass: CGI/WSGI/PHP read them as the real ones
  // (`X_Gatehouse_Jwt_Assertion` is HTTP_X_GATEHOUSE_JWT_ASSERTION, docs/security.md).
  for (const header of ['X_Gatehouse_Jwt_Assertion', 'X-Gatehouse_Jwt_Assertion', 'X_Forwarded_For', 'X_Real_IP', 'X_Original_URL', 'X_Forwarded_Host']) {
    test(`${header} never reaches the upstream under a spelling a CGI/WSGI upstream reads as ${header.replaceAll('_', '-')}`, async () => {
      const head = await forwardedHead([`${header}: forged`]);
      const leaked = head.names.filter((n) => cgiName(n) === cgiName(header) && head.all(n).includes('forged'));
      expect(leaked, `forwarded: ${head.names.join(', ')}`).toEqual([]);
    });
  }
});

// ---------------------------------------------------------------------------------------------

/** nginx as the real, lenient upstream behind /public and /admin. */
const NGINX_LOCATIONS = `# Case-insensitive, matched on nginx's decoded, slash-merged, dot-resolved $uri.
location ~* ^/admin { return 200 "admin:$uri\\n"; }
location ~* ^/public { return 200 "public:$uri\\n"; }
location / { return 404 "other:$uri\\n"; }`;

/** Hostile paths an unauthenticated client tries through Gatehouse against nginx. */
const NGINX_HOSTILE = [
  '/public/..%2Fadmin/secret',
  '/public/..%2fadmin/secret',
  '/public/%2e%2e%2fadmin/secret',
  '/public/%2e%2e%2Fadmin',
  '/public/x/..%2F..%2Fadmin/secret',
  '/admin%2Fsecret',
  '/public%2F..%2Fadmin',
  '/public/..;/admin/',
  '/public/..%5Cadmin',
  '/public/%252e%252e/admin',
  '/public/%252e%252e%252fadmin',
  '/PUBLIC/../Admin/x',
  '/Public/../ADMIN/secret',
  '/ADMIN/secret',
  '/public/%EF%BC%8E%EF%BC%8E/admin',
  '/public;x/../admin',
  '/public//..//admin',
  '/public/.//..//..//admin',
  '//admin/secret',
  '/%61dmin/secret',
  '/public/%2e%2e/admin',
  '/public\\..\\admin',
];

const nginxBin = nginxOrSkip('the nginx rows of test/hostile-requests.test.ts');

describe.skipIf(!nginxBin)('nginx as the lenient upstream behind /public and /admin', () => {
  let nginx: NginxServer;
  let g: TestGateway;
  let token: string;

  beforeAll(async () => {
    nginx = await startNginx(NGINX_LOCATIONS, { bin: nginxBin });
    const signing = await signingSetup();
    token = signing.token;
    g = await startGateway(`watch: false\n${authBlock}routes:\n${prefixRoutes(nginx.origin)}`, { files: { 'key.pem': signing.keyPem } });
  });
  afterAll(async () => {
    await g?.stop();
    await nginx?.stop();
  });

  const admin = (line: string) => /^\d+ \S+ \/+admin/i.test(line);

  test('nginx really is lenient: most hostile paths, sent to it directly, are served as admin', async () => {
    const servedAsAdmin: string[] = [];
    for (const path of NGINX_HOSTILE) {
      const res = await send(nginx.port, wire([`GET ${path} HTTP/1.1`, 'Host: localhost', 'Connection: close']));
      if (res.body.startsWith('admin:')) servedAsAdmin.push(path);
    }
    expect(servedAsAdmin).toContain('/public/..%2Fadmin/secret');
    expect(servedAsAdmin).toContain('/public/%2e%2e%2fadmin/secret');
    expect(servedAsAdmin).toContain('/public//..//admin');
    expect(servedAsAdmin.length).toBeGreaterThanOrEqual(12);
  });

  test('control: signed in, /admin/secret is served by nginx as admin content', async () => {
    const res = await send(g.port, GET('/admin/secret', `Cookie: _gatehouse=${token}`));
    expect(res.status).toBe(200);
    expect(res.body).toBe('admin:/admin/secret\n');
  });

  test('control: /public/x is served by nginx as public content', async () => {
    const res = await send(g.port, GET('/public/x'));
    expect(res.status).toBe(200);
    expect(res.body).toBe('public:/public/x\n');
  });

  for (const path of NGINX_HOSTILE) {
    test(`unauthenticated ${path} never gets admin content from nginx`, async () => {
      const before = nginx.accessLines().length;
      const res = await send(g.port, GET(path));
      await Bun.sleep(20); // nginx writes its access line after the response
      const served = nginx.accessLines().slice(before);
      expect(res.status).not.toBe(500);
      expect(res.status).toBeLessThan(500);
      expect(res.body.startsWith('admin:'), `body ${res.body}`).toBe(false);
      expect(served.filter(admin), `nginx served: ${JSON.stringify(served)}`).toEqual([]);
    });
  }

  test('the harness can see a bypass: with allow_encoded_slashes on /public (documented opt-out, warned about), ..%2F does reach admin content', async () => {
    const signing = await signingSetup();
    const optOut = await startGateway(`watch: false\n${authBlock}routes:\n${prefixRoutes(nginx.origin, '    allow_encoded_slashes: true\n')}`, {
      files: { 'key.pem': signing.keyPem },
    });
    try {
      expect(optOut.logs.lines.some((l) => l.includes('allow_encoded_slashes') || l.includes('%2F'))).toBe(true);
      const before = nginx.accessLines().length;
      const res = await send(optOut.port, GET('/public/..%2Fadmin/secret'));
      await Bun.sleep(20);
      expect(res.body).toBe('admin:/admin/secret\n');
      expect(nginx.accessLines().slice(before).filter(admin)).toHaveLength(1);
    } finally {
      await optOut.stop();
    }
  });
});
