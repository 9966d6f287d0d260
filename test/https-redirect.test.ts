/**
 * `http_redirect_listen`: a plain-HTTP listener answering `308` to the same path and query on
 * HTTPS, for hosts Gatehouse serves only. A bad Host gets the gate's 400, an unknown host 404,
 * never a redirect; ACME challenges are left to an `http://` route.
 */
import { afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { certificateMaker, opensslOrSkip, type Pem } from './support/certificates.ts';
import { configProblems } from './support/config-problems.ts';
import { startGateway, startUpstream, type TestGateway, type TestUpstream } from './support/gateway.ts';
import { freePort } from './support/process.ts';
import { rawRequest } from './support/raw-http.ts';

setDefaultTimeout(30_000);

const openssl = opensslOrSkip('the HTTPS redirect tests');
let pem: Pem;
beforeAll(() => {
  if (openssl) pem = certificateMaker(openssl).selfSigned('localhost');
});

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

interface Setup {
  g: TestGateway;
  up: TestUpstream;
  redirectPort: number;
}

async function setup(extra = '', routes = ''): Promise<Setup> {
  const up = startUpstream();
  cleanup.push(() => up.stop());
  const redirectPort = freePort();
  const g = await startGateway(
    `tls: { cert_file: cert.pem, key_file: key.pem }
http_redirect_listen: "127.0.0.1:${redirectPort}"
${extra}
authenticate:
  url: https://auth.example.test
  provider: static
  static: { users: [] }
routes:
  - from: https://app.example.test
    to: ${up.url}
    policy: { public: true }
  - from: https://*.tenants.example.test
    to: ${up.url}
    policy: { public: true }
${routes}`,
    { files: { 'cert.pem': pem.cert, 'key.pem': pem.key } },
  );
  cleanup.push(() => g.stop());
  return { g, up, redirectPort };
}

const get = (port: number, host: string, target: string) => rawRequest(port, `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);

describe.skipIf(!openssl)('http_redirect_listen', () => {
  test('answers 308 to the same path and query on the HTTPS listener', async () => {
    const { g, up, redirectPort } = await setup();
    const r = await get(redirectPort, 'app.example.test', '/a/b?x=1&y=%20z');
    expect(r.status).toBe(308);
    expect(r.header('location')).toBe(`https://app.example.test:${g.port}/a/b?x=1&y=%20z`);
    expect(r.header('x-request-id')).toBeTruthy();
    // Nothing was proxied over plain HTTP.
    expect(up.received).toHaveLength(0);
    const line = g.accessLogs.json().find((l) => l.route === 'http_redirect');
    expect(line).toMatchObject({ status: 308, host: 'app.example.test', path: '/a/b' });
  });

  test('keeps the method (308), drops the port the client used, and follows wildcard routes and the sign-in host', async () => {
    const { g, redirectPort } = await setup();
    const post = await rawRequest(redirectPort, 'POST /form HTTP/1.1\r\nHost: x.tenants.example.test:8080\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi');
    expect(post.status).toBe(308);
    expect(post.header('location')).toBe(`https://x.tenants.example.test:${g.port}/form`);
    const auth = await get(redirectPort, 'auth.example.test', '/.gatehouse/sign_in');
    expect(auth.header('location')).toBe(`https://auth.example.test:${g.port}/.gatehouse/sign_in`);
  });

  test('http_redirect_to_port names the public port (443 is left out of the URL)', async () => {
    const { redirectPort } = await setup('http_redirect_to_port: 443');
    const r = await get(redirectPort, 'app.example.test', '/x?y');
    expect(r.header('location')).toBe('https://app.example.test/x?y');
  });

  test('a Host no route serves gets 404, an invalid Host 400: never a redirect to a host the client chose', async () => {
    const { redirectPort } = await setup();
    const unknown = await get(redirectPort, 'evil.test', '/');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ error: 'no_route' });
    expect(unknown.header('location')).toBeUndefined();
    // The bare suffix of a wildcard route is not one of its hosts.
    expect((await get(redirectPort, 'tenants.example.test', '/')).status).toBe(404);
    for (const host of ['evil.test/x', 'app.example.test@evil.test', 'app.example.test, evil.test', '']) {
      const bad = await get(redirectPort, host, '/');
      expect(bad.status).toBe(400);
      expect(bad.header('location')).toBeUndefined();
    }
    const twoHosts = await rawRequest(redirectPort, 'GET / HTTP/1.1\r\nHost: app.example.test\r\nHost: evil.test\r\nConnection: close\r\n\r\n');
    expect(twoHosts.status).toBe(400);
    expect(twoHosts.header('location')).toBeUndefined();
  });

  test('ACME challenges are not redirected: 404 without an http:// route, proxied by one', async () => {
    const without = await setup();
    const r = await get(without.redirectPort, 'app.example.test', '/.well-known/acme-challenge/tok123');
    expect(r.status).toBe(404);
    expect(r.header('location')).toBeUndefined();
    // The https:// route of the same host does not get it over plain HTTP.
    expect(without.up.received).toHaveLength(0);
    await without.g.stop();

    const acmeRoute = (to: string) => `  - from: http://app.example.test\n    prefix: /.well-known/acme-challenge/\n    to: ${to}\n    policy: { public: true }\n`;
    const acmeUp = startUpstream((request) => new Response(`token for ${new URL(request.url).pathname}`));
    cleanup.push(() => acmeUp.stop());
    const { redirectPort, up } = await setup('', acmeRoute(acmeUp.url));
    const served = await get(redirectPort, 'app.example.test', '/.well-known/acme-challenge/tok123');
    expect(served.status).toBe(200);
    expect(served.body).toBe('token for /.well-known/acme-challenge/tok123');
    expect(up.received).toHaveLength(0);
    // Everything else on that host is still redirected.
    expect((await get(redirectPort, 'app.example.test', '/.well-known/other')).status).toBe(308);
  });

  test('stops with the server', async () => {
    const { g, redirectPort } = await setup();
    expect((await get(redirectPort, 'app.example.test', '/')).status).toBe(308);
    await g.stop();
    const outcome = await Bun.connect({ hostname: '127.0.0.1', port: redirectPort, socket: { data() {} } }).then(
      (s) => (s.end(), 'connected'),
      () => 'refused',
    );
    expect(outcome).toBe('refused');
  });

  test('needs tls, and a port of its own: located errors', async () => {
    const port = freePort();
    const noTls = await configProblems(startGateway(`http_redirect_listen: "127.0.0.1:${port}"\nroutes:\n  - from: http://a.example.test\n    to: http://127.0.0.1:9\n`));
    expect(noTls[0]).toMatchObject({ line: 1, path: 'http_redirect_listen' });
    expect(noTls[0]!.message).toContain('needs tls');
    const samePort = await configProblems(startGateway(
      `listen: ":8443"\ntls: { cert_file: cert.pem, key_file: key.pem }\nhttp_redirect_listen: ":8443"\nroutes:\n  - from: https://a.example.test\n    to: http://127.0.0.1:9\n`,
      { files: { 'cert.pem': pem.cert, 'key.pem': pem.key } },
    ));
    expect(samePort[0]).toMatchObject({ line: 3, path: 'http_redirect_listen' });
  });
});
