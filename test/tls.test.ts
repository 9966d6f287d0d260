/** HTTPS from `tls.cert_file` / `tls.key_file`, with a self-signed certificate made by openssl. */
import { afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { certificateMaker, opensslOrSkip, presentedCertificate } from './support/certificates.ts';
import { startGateway, startUpstream, type TestGateway } from './support/gateway.ts';

setDefaultTimeout(30_000);

// Missing openssl: a loud skip on a developer's machine, a failure in CI (see required-tool.ts).
const openssl = opensslOrSkip('the HTTPS listener tests');
let cert = '';
let key = '';

beforeAll(() => {
  if (!openssl) return;
  ({ cert, key } = certificateMaker(openssl).selfSigned('localhost'));
});

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function tlsGateway(to: string): Promise<TestGateway> {
  const g = await startGateway(
    `tls:
  cert_file: cert.pem
  key_file: key.pem
routes:
  - from: https://api.example.test
    to: ${to}
    policy: { public: true }
`,
    { files: { 'cert.pem': cert, 'key.pem': key } },
  );
  cleanup.push(() => g.stop());
  return g;
}

describe.skipIf(!openssl)('tls', () => {
  test('serves HTTPS with the configured certificate and proxies to a plain-HTTP upstream', async () => {
    const up = startUpstream();
    cleanup.push(() => up.stop());
    const g = await tlsGateway(up.url);
    expect(g.origin).toStartWith('https://');
    const response = await fetch(`${g.origin}/secure?x=1`, { headers: { host: 'api.example.test' }, tls: { rejectUnauthorized: false } } as RequestInit);
    expect(response.status).toBe(200);
    const echo = (await response.json()) as { path: string; headers: Record<string, string> };
    expect(echo.path).toBe('/secure?x=1');
    expect(echo.headers['x-forwarded-proto']).toBe('https');
  });

  test('the certificate presented is the configured one', async () => {
    const up = startUpstream();
    cleanup.push(() => up.stop());
    const g = await tlsGateway(up.url);
    const presented = await presentedCertificate(g.port, 'localhost');
    expect(presented).toBe('localhost');
  });

  test('the certificate is trusted when the client trusts it (no rejectUnauthorized escape)', async () => {
    const up = startUpstream();
    cleanup.push(() => up.stop());
    const g = await tlsGateway(up.url);
    const response = await fetch(`https://localhost:${g.port}/`, { headers: { host: 'api.example.test' }, tls: { ca: cert } } as RequestInit);
    expect(response.status).toBe(200);
  });

  test('plain HTTP to the TLS port does not get proxied', async () => {
    const up = startUpstream();
    cleanup.push(() => up.stop());
    const g = await tlsGateway(up.url);
    const outcome = await fetch(`http://127.0.0.1:${g.port}/`, { headers: { host: 'api.example.test' } }).then(
      (r) => r.status,
      () => 'failed',
    );
    expect(outcome === 'failed' || (typeof outcome === 'number' && outcome >= 400)).toBe(true);
    expect(up.received).toHaveLength(0);
  });
});
