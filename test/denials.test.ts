/**
 * Denials that explain themselves, over real HTTP: a policy 403 says why (`reason`, and the rule
 * families that did not admit) without echoing the policy's lists, still gets the preflight
 * plugin's CORS headers, and its access log line names route, rule, identity kind and subject.
 * Also the `check` warnings about service tokens no route admits and header-jwt routes for
 * users only.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { SignJWT } from 'jose';
import { startGateway, startUpstream, type TestGateway, type TestUpstream } from './support/gateway.ts';

const PAGE = 'http://page.example.test';
const ISSUER = 'https://idp.example.test';
const SECRET = 'a-shared-secret-of-at-least-32-characters!';
const CI = { id: 'ci-bot', secret: 'ci-secret-0123456789abcdefghijklmnop' };
// Values that must never reach a caller.
const SECRET_VALUES = ['secret-admins', 'board-members', 'boss@corp.example.test', 'corp.example.test', 'orphan'];

let gw: TestGateway;
let upstream: TestUpstream;

const headerJwt = `{ use: header-jwt, issuers: [{ issuer: "${ISSUER}", audience: gatehouse-tests, secret: "${SECRET}" }] }`;

beforeAll(async () => {
  upstream = startUpstream();
  gw = await startGateway(`
service_tokens:
  - { name: ci, client_id: ${CI.id}, client_secret: "${CI.secret}" }
  - { name: orphan, client_id: orphan-bot, client_secret: "orphan-secret-0123456789abcdefghij" }
routes:
  - from: http://app.example.test
    to: ${upstream.url}
    policy: { allow_any_authenticated_user: true }
    plugins:
      - { use: preflight, allow_origins: ["${PAGE}"], allow_headers: [X-Gatehouse-Client-Id, X-Gatehouse-Client-Secret] }
      - ${headerJwt}
  - from: http://api.example.test
    to: ${upstream.url}
    policy: { allow: { services: [ci] } }
    plugins: [${headerJwt}]
  - from: http://admin.example.test
    to: ${upstream.url}
    policy: { allow: { groups: [secret-admins] } }
    plugins: [${headerJwt}]
  - from: http://board.example.test
    to: ${upstream.url}
    policy: { allow: { emails: [boss@corp.example.test], domains: [corp.example.test], groups: [board-members] } }
    plugins: [${headerJwt}]
  - from: http://closed.example.test
    to: ${upstream.url}
    plugins: [${headerJwt}]
`);
});

afterAll(async () => {
  await gw?.stop();
  await upstream?.stop();
});

const ci = { 'x-gatehouse-client-id': CI.id, 'x-gatehouse-client-secret': CI.secret };

async function userToken(): Promise<Record<string, string>> {
  const token = await new SignJWT({ email: 'alice@example.test', groups: ['dev'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience('gatehouse-tests')
    .setSubject('alice')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(SECRET));
  return { authorization: `Bearer ${token}` };
}

/** The response's status, body text and parsed body, and its access log line. */
async function call(host: string, headers: Record<string, string>) {
  const response = await gw.request('/x', { host, headers });
  const text = await response.text();
  const requestId = response.headers.get('x-request-id');
  const line = gw.accessLogs.json().find((l) => l.request_id === requestId);
  return { response, text, body: JSON.parse(text) as Record<string, unknown>, line, requestId };
}

describe('a policy 403 says why', () => {
  test('a service token on a route for users only: service_not_allowed, with CORS headers', async () => {
    const { response, body, line, requestId } = await call('app.example.test', { ...ci, origin: PAGE });
    expect(response.status).toBe(403);
    expect(body).toEqual({ error: 'forbidden', reason: 'service_not_allowed', rule: 'allow_any_authenticated_user', request_id: requestId });
    // The 403 flows back through the preflight plugin like any other answer.
    expect(response.headers.get('access-control-allow-origin')).toBe(PAGE);
    expect(line).toMatchObject({
      status: 403,
      route: 'routes[0]',
      identity: 'service:ci',
      identity_kind: 'service',
      denial_reason: 'service_not_allowed',
      denial_rule: 'allow_any_authenticated_user',
    });
    expect(upstream.received.length).toBe(0);
  });

  test('the same token where the policy names it passes, and its line carries no denial', async () => {
    const { response, line } = await call('api.example.test', ci);
    expect(response.status).toBe(200);
    expect(line).toMatchObject({ status: 200, identity: 'service:ci', identity_kind: 'service' });
    expect(line).not.toHaveProperty('denial_reason');
    expect(line).not.toHaveProperty('denial_rule');
  });

  test('a user missing the group: policy_denied by groups, the group never named', async () => {
    const { response, text, body, line } = await call('admin.example.test', await userToken());
    expect(response.status).toBe(403);
    expect(body).toMatchObject({ error: 'forbidden', reason: 'policy_denied', rule: 'groups' });
    expect(line).toMatchObject({ route: 'routes[2]', identity: 'alice', identity_kind: 'user', denial_reason: 'policy_denied', denial_rule: 'groups' });
    for (const value of SECRET_VALUES) expect(text).not.toContain(value);
  });

  test('every rule family tried is named, none of the emails, domains or groups', async () => {
    const { response, text, body, line } = await call('board.example.test', await userToken());
    expect(response.status).toBe(403);
    expect(body).toMatchObject({ reason: 'policy_denied', rule: 'emails,domains,groups' });
    expect(line).toMatchObject({ route: 'routes[3]', denial_rule: 'emails,domains,groups' });
    for (const value of SECRET_VALUES) expect(text).not.toContain(value);
    expect(JSON.stringify(line)).not.toContain('board-members');
  });

  test('a route without a policy: no_policy', async () => {
    const { response, body, line } = await call('closed.example.test', await userToken());
    expect(response.status).toBe(403);
    expect(body).toMatchObject({ error: 'forbidden', reason: 'no_policy' });
    expect(body).not.toHaveProperty('rule');
    expect(line).toMatchObject({ route: 'routes[4]', denial_reason: 'no_policy' });
  });

  test('a user on the route for users passes; nobody at all still gets 401', async () => {
    expect((await call('app.example.test', await userToken())).response.status).toBe(200);
    const anonymous = await call('app.example.test', {});
    expect(anonymous.response.status).toBe(401);
    expect(anonymous.body).not.toHaveProperty('reason');
    expect(anonymous.line).not.toHaveProperty('denial_reason');
  });
});

test('check warns about a token no route admits and header-jwt routes for users only, at their keys', () => {
  const warnings = gw.server.gateway.warnings.filter((w) => w.message.includes('service'));
  expect(warnings.map((w) => w.path)).toEqual(['service_tokens[1].name', 'routes[0].policy', 'routes[2].policy', 'routes[3].policy']);
  expect(warnings[0]!.message).toContain('no route admits service token "orphan"');
  expect(warnings[0]!.line).toBe(4);
  expect(warnings[1]!.message).toContain('403 service_not_allowed');
  expect(warnings[1]!.line).toBe(8);
});
