/**
 * `gatehouse explain`: hand-made HAR entries, one per failing step, judged against a config built
 * by the real gateway; and `--request` simulated through the CLI with no upstream running.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdminState } from '../src/admin/admin-state.ts';
import { loadConfigFile } from '../src/config/load.ts';
import { createExplainer, type ExplainReport } from '../src/explain/explain.ts';
import { exchangesFromHar } from '../src/explain/har.ts';
import { createAuthForCheck } from '../src/gateway/create-auth.ts';
import { buildGateway, type Gateway } from '../src/gateway/gateway.ts';
import { silentLogger } from '../src/log/logger.ts';
import { runCli } from './support/process.ts';
import { parseDocument } from 'yaml';

setDefaultTimeout(30_000);

const CONFIG = `authenticate:
  url: https://auth.example.test
  provider: static
  static: { users: [] }
session:
  cookie_domain: .example.test
routes:
  - from: https://app.example.test
    to: http://127.0.0.1:9
    policy: { allow_any_authenticated_user: true }
  - from: https://api.example.test
    to: http://127.0.0.1:9
    policy: { allow_any_authenticated_user: true }
    plugins:
      - use: preflight
        allow_origins: [https://app.example.test]
        allow_methods: [GET, POST]
        allow_credentials: true
      - use: trust-cookie
  - from: https://bare.example.test
    to: http://127.0.0.1:9
    prefix: /v1
    policy: { allow_any_authenticated_user: true }
  - from: https://open.example.test
    to: http://127.0.0.1:9
    policy: { public: true }
  - from: https://star.example.test
    to: http://127.0.0.1:9
    policy: { allow_any_authenticated_user: true }
    plugins:
      - use: preflight
        allow_origins: [https://app.example.test]
        allow_methods: ["*"]
        allow_headers: ["*"]
        allow_credentials: true
      - use: trust-cookie
  - from: https://fwd.example.test
    to: http://127.0.0.1:9
    policy: { allow_any_authenticated_user: true }
    plugins:
      - use: preflight
        mode: forward
        allow_origins: [https://app.example.test]
      - use: trust-cookie
  - from: https://exact.example.test
    to: http://127.0.0.1:9
    path: /v1/items
    policy: { allow_any_authenticated_user: true }
  - from: https://re.example.test
    to: http://127.0.0.1:9
    regex: '^/v\\d+/items:(\\w+)$'
    policy: { allow_any_authenticated_user: true }
`;

const APP = 'https://app.example.test';
let dir: string;
let gateway: Gateway;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-explain-'));
  writeFileSync(join(dir, 'gatehouse.yaml'), CONFIG);
  gateway = await buildGateway(loadConfigFile(join(dir, 'gatehouse.yaml')), { log: silentLogger, admin: createAdminState(), createAuth: createAuthForCheck });
});
afterAll(() => gateway.retire(0));

type H = Record<string, string>;
const headers = (h: H) => Object.entries(h).map(([name, value]) => ({ name, value }));
function entry(method: string, url: string, req: H, status: number, res: H = {}, extra: Record<string, unknown> = {}) {
  return { request: { method, url, headers: headers(req) }, response: { status, headers: headers(res), redirectURL: res.Location ?? '' }, ...extra };
}
function explain(...entries: unknown[]): ExplainReport {
  return createExplainer(gateway).explain(exchangesFromHar({ log: { entries } }));
}
const preflight = (url: string, method: string, extra: H = {}) => ({ Origin: APP, 'Access-Control-Request-Method': method, ...extra });

describe('explain on HAR entries', () => {
  test('a preflight refused: the route, its plugins and policy, the step, and a preflight fix', () => {
    const out = explain(entry('OPTIONS', 'https://bare.example.test/v1/items', preflight('', 'PUT'), 401));
    expect(out.failures).toBe(1);
    const [r] = out.requests;
    expect(r).toMatchObject({ method: 'OPTIONS', route: 'routes[2]', status: 401, verdict: 'failed', step: 'preflight_refused', plugins: ['trust-cookie'], policy: { allow_any_authenticated_user: true } });
    expect(r!.message).toContain('no preflight plugin');
    expect(r!.fix!.technique).toBe('Shared cookie domain');
    expect(r!.fix!.yaml).toContain('use: preflight');
    expect(r!.fix!.yaml).toContain('allow_origins: [https://app.example.test]');
    expect(r!.fix!.yaml).toContain('allow_methods: [PUT]');
    expect(r!.fix!.yaml).toContain('allow_credentials: true');
  });

  test('a preflight redirected (3xx on OPTIONS)', () => {
    const out = explain(entry('OPTIONS', 'https://bare.example.test/v1/items', preflight('', 'PUT'), 302, { Location: 'https://auth.example.test/' }));
    expect(out.requests[0]).toMatchObject({ verdict: 'failed', step: 'preflight_redirected' });
  });

  test('a 2xx preflight without Access-Control-Allow-Origin is refused too', () => {
    const out = explain(entry('OPTIONS', 'https://api.example.test/x', preflight('', 'PUT'), 204, {}));
    expect(out.requests[0]!.step).toBe('preflight_refused');
  });

  test('an existing preflight entry is merged: its origins and methods kept, the missing method added', () => {
    const out = explain(entry('OPTIONS', 'https://api.example.test/x', preflight('', 'PUT'), 403));
    expect(out.requests[0]!.message).toContain('PUT is not in the preflight plugin\'s allow_methods');
    expect(out.requests[0]!.fix!.yaml).toContain('allow_methods: [GET, POST, PUT]');
    expect(out.requests[0]!.fix!.yaml).toContain('- use: trust-cookie');
  });

  test('"*" in allow_methods and allow_headers covers any method and header, with credentials too, but never Authorization', () => {
    const refused = explain(entry('OPTIONS', 'https://star.example.test/x', preflight('', 'PATCH', { 'Access-Control-Request-Headers': 'x-trace,authorization' }), 403));
    expect(refused.requests[0]!.message).not.toContain('allow_methods');
    expect(refused.requests[0]!.message).toContain('allow_headers lacks authorization');
    expect(refused.requests[0]!.fix!.yaml).toContain('allow_methods: ["*"]');
    expect(refused.requests[0]!.fix!.yaml).toContain('allow_headers: ["*", authorization]');
    expect(() => parseDocument(refused.requests[0]!.fix!.yaml, { prettyErrors: false }).toJS()).not.toThrow();
    expect(parseDocument(refused.requests[0]!.fix!.yaml).errors).toEqual([]);
  });

  test('a request header not allowed by the preflight answer', () => {
    const ok = { 'Access-Control-Allow-Origin': APP, 'Access-Control-Allow-Methods': 'PUT', 'Access-Control-Allow-Headers': 'content-type' };
    const out = explain(entry('OPTIONS', 'https://open.example.test/x', preflight('', 'PUT', { 'Access-Control-Request-Headers': 'content-type,x-trace' }), 204, ok));
    expect(out.requests[0]).toMatchObject({ verdict: 'failed', step: 'header_not_allowed' });
    expect(out.requests[0]!.message).toContain('x-trace');
    expect(out.requests[0]!.fix!.yaml).toContain('allow_headers: [content-type, x-trace]');
  });

  test('an actual response without Access-Control-Allow-Origin, or with another origin', () => {
    const missing = explain(entry('GET', 'https://open.example.test/x', { Origin: APP }, 200));
    expect(missing.requests[0]).toMatchObject({ verdict: 'failed', step: 'missing_allow_origin' });
    const other = explain(entry('GET', 'https://open.example.test/x', { Origin: APP }, 200, { 'Access-Control-Allow-Origin': 'https://else.example.test' }));
    expect(other.requests[0]!.step).toBe('missing_allow_origin');
    expect(other.requests[0]!.message).toContain('allows origin https://else.example.test');
  });

  test('credentials sent without Access-Control-Allow-Credentials: true', () => {
    const out = explain(entry('GET', 'https://open.example.test/x', { Origin: APP, Cookie: 'a=b' }, 200, { 'Access-Control-Allow-Origin': APP }));
    expect(out.requests[0]).toMatchObject({ verdict: 'failed', step: 'credentials_not_allowed' });
    expect(out.requests[0]!.fix!.yaml).toContain('allow_credentials: true');
  });

  test('credentials hinted by the record (_credentials: include) count too; * with credentials', () => {
    const out = explain(entry('GET', 'https://open.example.test/x', { Origin: APP }, 200, { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Credentials': 'true' }, { _credentials: 'include' }));
    expect(out.requests[0]!.step).toBe('wildcard_with_credentials');
  });

  test('a preflight before a credentialed request must allow credentials itself', () => {
    const cors = { 'Access-Control-Allow-Origin': APP, 'Access-Control-Allow-Methods': 'PUT' };
    const out = explain(
      entry('OPTIONS', 'https://open.example.test/x', preflight('', 'PUT'), 204, cors),
      entry('PUT', 'https://open.example.test/x', { Origin: APP, Cookie: '_gatehouse=x' }, 200, { ...cors, 'Access-Control-Allow-Credentials': 'true' }),
    );
    expect(out.requests.map((r) => r.step)).toEqual(['credentials_not_allowed', null]);
  });

  test('a 302 to sign in on a fetch', () => {
    const out = explain(entry('GET', 'https://bare.example.test/v1/x', { Origin: APP }, 302, { Location: 'https://auth.example.test/.gatehouse/sign_in' }, { _resourceType: 'fetch' }));
    expect(out.requests[0]).toMatchObject({ verdict: 'failed', step: 'redirect_to_sign_in' });
    // Sec-Fetch-Mode: cors says the same without _resourceType.
    const mode = explain(entry('GET', 'https://bare.example.test/v1/x', { Origin: APP, 'Sec-Fetch-Mode': 'cors' }, 302, { Location: 'https://auth.example.test/' }));
    expect(mode.requests[0]!.step).toBe('redirect_to_sign_in');
    // A navigation may be redirected.
    const nav = explain(entry('GET', 'https://bare.example.test/v1/x', { 'Sec-Fetch-Mode': 'navigate' }, 302, { Location: 'https://auth.example.test/' }, { _resourceType: 'document' }));
    expect(nav.requests[0]!.verdict).toBe('ok');
  });

  test('the trust cookie not sent: cross-site with SameSite=Lax, fixed with a header token', () => {
    const cors = { 'Access-Control-Allow-Origin': 'https://app.other.test', 'Access-Control-Allow-Credentials': 'true' };
    const out = explain(entry('GET', 'https://api.example.test/x', { Origin: 'https://app.other.test' }, 401, cors, { _credentials: 'include' }));
    expect(out.requests[0]).toMatchObject({ verdict: 'failed', step: 'cookie_not_sent' });
    expect(out.requests[0]!.message).toContain('SameSite=Lax');
    expect(out.requests[0]!.fix!.technique).toBe('Header token');
    expect(out.requests[0]!.fix!.yaml).toContain('use: header-jwt');
    expect(out.requests[0]!.fix!.yaml).toContain('/.gatehouse/token');
  });

  test('the trust cookie not sent: host outside cookie_domain', async () => {
    const d = mkdtempSync(join(tmpdir(), 'gatehouse-explain-'));
    writeFileSync(join(d, 'g.yaml'), CONFIG.replace('cookie_domain: .example.test', 'cookie_domain: .app.example.test'));
    const g = await buildGateway(loadConfigFile(join(d, 'g.yaml')), { log: silentLogger, admin: createAdminState(), createAuth: createAuthForCheck });
    try {
      const cors = { 'Access-Control-Allow-Origin': APP, 'Access-Control-Allow-Credentials': 'true' };
      const out = createExplainer(g).explain(exchangesFromHar({ log: { entries: [entry('GET', 'https://api.example.test/x', { Origin: APP }, 401, cors, { _credentials: 'include' })] } }));
      expect(out.requests[0]).toMatchObject({ verdict: 'failed', step: 'cookie_not_sent' });
      expect(out.requests[0]!.message).toContain('outside session.cookie_domain');
      expect(out.requests[0]!.fix).toMatchObject({ technique: 'Shared cookie domain' });
      expect(out.requests[0]!.fix!.yaml).toContain('cookie_domain: .example.test');
    } finally {
      await g.retire(0);
    }
  });

  test('hosts the config does not route are left out; a routed host without a matching prefix is not_routed', () => {
    const out = explain(entry('GET', 'https://cdn.elsewhere.test/a.js', {}, 200), entry('GET', 'https://bare.example.test/other', {}, 404));
    expect(out.requests).toHaveLength(1);
    expect(out.requests[0]).toMatchObject({ route: null, verdict: 'not_routed', step: 'no_route' });
    expect(out.requests[0]!.message).toContain('its routes match prefix: /v1');
    expect(out.failures).toBe(1);
  });

  test('a fix names the route by its own path key: path and regex routes are not written as a prefix', () => {
    const exact = explain(entry('OPTIONS', 'https://exact.example.test/v1/items', preflight('', 'PUT'), 401)).requests[0]!;
    expect(exact).toMatchObject({ route: 'routes[6]', step: 'preflight_refused' });
    expect(exact.fix!.yaml).toContain('  - from: https://exact.example.test');
    expect(exact.fix!.yaml).toContain('\n    path: /v1/items\n');
    expect(exact.fix!.yaml).not.toContain('prefix:');
    const regex = explain(entry('OPTIONS', 'https://re.example.test/v2/items:abc', preflight('', 'PUT'), 401)).requests[0]!;
    expect(regex).toMatchObject({ route: 'routes[7]', step: 'preflight_refused' });
    expect(regex.fix!.yaml).not.toContain('prefix:');
    // The fix is YAML that reads back as the route's own regex (its `\`, `:` and `$` intact).
    const fixed = parseDocument(regex.fix!.yaml).toJS() as { routes: { regex: string }[] };
    expect(fixed.routes[0]!.regex).toBe(String.raw`^/v\d+/items:(\w+)$`);
    const missed = explain(entry('GET', 'https://re.example.test/other', {}, 404)).requests[0]!;
    expect(missed.message).toContain(String.raw`its routes match regex: "^/v\\d+/items:(\\w+)$"`);
  });

  test('a same-origin fetch under /api answered 404 by the app: api_not_mounted, a path-prefix to the API route\'s upstream', () => {
    const page = { Origin: APP, Referer: `${APP}/`, Accept: 'application/json', 'Sec-Fetch-Mode': 'cors' };
    const out = explain(
      entry('POST', 'https://app.example.test/api/items', page, 404, {}, { _resourceType: 'fetch' }),
      // Narrow: another path, a navigation, or another answer is the app's own business.
      entry('POST', 'https://app.example.test/items', page, 404, {}, { _resourceType: 'fetch' }),
      entry('GET', 'https://app.example.test/api', { Accept: 'text/html', 'Sec-Fetch-Mode': 'navigate', Referer: `${APP}/` }, 404, {}, { _resourceType: 'document' }),
      entry('POST', 'https://app.example.test/api/items', page, 500, {}, { _resourceType: 'fetch' }),
    );
    expect(out.requests.map((r) => r.step)).toEqual(['api_not_mounted', null, null, null]);
    expect(out.requests[0]!.fix!.technique).toBe('Mount the API under a path');
    expect(out.requests[0]!.fix!.yaml).toContain('use: path-prefix\n        prefix: /api\n        to: http://127.0.0.1:9');
  });

  test('/.gatehouse/token refused (404/400): token_refused, header-jwt on the audience\'s route', () => {
    const token = (status: number) => entry('GET', `https://app.example.test/.gatehouse/token?audience=${encodeURIComponent('https://api.example.test')}`, { Referer: `${APP}/`, 'Sec-Fetch-Site': 'same-origin' }, status);
    const out = explain(token(404), token(400), token(401));
    expect(out.requests.map((r) => [r.route, r.step])).toEqual([['gatehouse', 'token_refused'], ['gatehouse', 'token_refused'], ['gatehouse', null]]);
    expect(out.requests[0]!.message).toContain('routes[1]');
    expect(out.requests[0]!.fix).toMatchObject({ technique: 'Header token' });
    expect(out.requests[0]!.fix!.yaml).toContain('use: header-jwt');
  });

  test('accepted answers are ok; Gatehouse endpoints are named gatehouse', () => {
    const cors = { 'Access-Control-Allow-Origin': APP, 'Access-Control-Allow-Credentials': 'true' };
    const out = explain(entry('GET', 'https://api.example.test/x', { Origin: APP, Cookie: '_gatehouse=x' }, 200, cors), entry('GET', 'https://app.example.test/.gatehouse/token', {}, 200));
    expect(out.requests.map((r) => [r.route, r.verdict])).toEqual([['routes[1]', 'ok'], ['gatehouse', 'ok']]);
    expect(out.failures).toBe(0);
  });
});

describe('gatehouse explain (CLI)', () => {
  const cli = (args: string[]) => runCli(['explain', '-c', join(dir, 'gatehouse.yaml'), ...args], { cwd: dir });

  test('--request OPTIONS through the real pipeline: refused by preflight, upstream never reached, exit 1', async () => {
    const { code, stdout } = await cli(['--request', 'OPTIONS https://api.example.test/v1/items', '-H', `Origin: ${APP}`, '-H', 'Access-Control-Request-Method: PUT', '--format', 'json']);
    expect(code).toBe(1);
    const out = JSON.parse(stdout);
    expect(out.failures).toBe(1);
    expect(out.requests[0]).toMatchObject({ method: 'OPTIONS', route: 'routes[1]', status: 403, verdict: 'failed', step: 'preflight_refused', upstream_reached: false });
    expect(out.requests[0].fix.yaml).toContain('allow_methods: [GET, POST, PUT]');
  });

  test('--request an allowed preflight: ok, exit 0', async () => {
    const { code, stdout } = await cli(['--request', 'OPTIONS https://api.example.test/v1/items', '-H', `Origin: ${APP}`, '-H', 'Access-Control-Request-Method: POST', '--format', 'json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ failures: 0, requests: [{ verdict: 'ok', status: 204, step: null, fix: null }] });
  });

  test('--request to a public route reaches the stand-in upstream (no server runs on its port)', async () => {
    const { code, stdout } = await cli(['--request', 'GET https://open.example.test/x', '--format', 'json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).requests[0]).toMatchObject({ route: 'routes[3]', status: 200, verdict: 'ok', upstream_reached: true });
  });

  test('--request a preflight that mode: forward sends to the (stand-in) upstream: ok, the API answers it', async () => {
    const { code, stdout } = await cli(['--request', 'OPTIONS https://fwd.example.test/x', '-H', `Origin: ${APP}`, '-H', 'Access-Control-Request-Method: PUT', '--format', 'json']);
    expect(code).toBe(0);
    const r = JSON.parse(stdout).requests[0];
    expect(r).toMatchObject({ route: 'routes[5]', verdict: 'ok', step: null, fix: null, upstream_reached: true });
    expect(r.message).toContain('the API answers it');
  });

  test('text format: no colour when stdout is not a TTY', async () => {
    const { code, stdout } = await cli(['--request', 'OPTIONS https://bare.example.test/v1/x', '-H', `Origin: ${APP}`, '-H', 'Access-Control-Request-Method: PUT']);
    expect(code).toBe(1);
    expect(stdout).toContain('FAIL OPTIONS https://bare.example.test/v1/x -> routes[2] (401)');
    expect(stdout).toContain('use: preflight');
    expect(stdout).not.toContain('\x1b[');
  });

  test('--har FILE', async () => {
    writeFileSync(join(dir, 'a.har'), JSON.stringify({ log: { entries: [entry('GET', 'https://open.example.test/x', { Origin: APP }, 200)] } }));
    const { code, stdout } = await cli(['--har', join(dir, 'a.har'), '--format', 'json']);
    expect(code).toBe(1);
    expect(JSON.parse(stdout).requests[0].step).toBe('missing_allow_origin');
  });

  test('usage errors exit 2', async () => {
    expect((await cli([])).code).toBe(2);
    expect((await cli(['--request', 'nonsense'])).code).toBe(2);
    expect((await cli(['--request', 'GET https://open.example.test/', '--format', 'xml'])).code).toBe(2);
    expect((await cli(['--request', 'GET https://open.example.test/', '-H', 'bad'])).code).toBe(2);
    writeFileSync(join(dir, 'bad.har'), '{"log":{}}');
    expect((await cli(['--har', join(dir, 'bad.har')])).code).toBe(2);
  });
});
